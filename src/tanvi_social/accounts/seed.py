"""Demo accounts: 60 women with believable usernames, plus a moderator. Password: see README."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import Role, User
from tanvi_social.core.security import hash_password

DEMO_PASSWORD = "tanvi-demo-2026"
FIRST = ["mia", "aisha", "priya", "sofia", "zara", "lena", "maya", "nora", "ava", "chloe",
         "isla", "amara", "leila", "ines", "yuki", "hana", "tara", "rhea", "elena", "camila",
         "noor", "sana", "freya", "ada", "olivia", "emma", "lucia", "meera", "kiara", "anya"]
LAST = ["styles", "wears", "closet", "edit", "looks", "fits", "chic", "mode", "threads",
        "vintage"]


def seed(session: Session, ctx: Any) -> int:
    existing = session.scalars(select(User).order_by(User.id)).all()
    if any(u.username == "mia_styles" for u in existing):
        ctx.data["user_ids"] = [u.id for u in existing]
        return 0
    password_hash = hash_password(DEMO_PASSWORD)
    names: list[str] = []
    for i in range(60):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        names.append(f"{first}_{last}")
    names[0] = "mia_styles"
    users = [User(username=n, email=f"{n}@demo.tanvi.app", password_hash=password_hash)
             for n in dict.fromkeys(names)]
    users.append(User(username="tanvi_team", email="team@demo.tanvi.app",
                      password_hash=password_hash, role=Role.MODERATOR.value, is_verified=True))
    session.add_all(users)
    session.flush()
    ctx.data["user_ids"] = [u.id for u in users]
    return len(users)
