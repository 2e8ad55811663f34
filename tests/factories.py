"""Factories that build real rows through the services, fast (no HTTP, one shared hash)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tanvi_social.accounts import service as accounts
from tanvi_social.accounts.events import UserRegistered
from tanvi_social.accounts.models import User
from tanvi_social.core.db import record_event
from tanvi_social.core.security import hash_password, issue_access_token

PASSWORD = "correct-horse-battery-staple"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


@dataclass
class TestUser:
    __test__ = False

    id: int
    username: str
    headers: dict[str, str]
    token: str
    role: str = "user"


class Factory:
    def __init__(self, platform: Any) -> None:
        self.platform = platform

    def token_for(self, user_id: int, role: str = "user", version: int = 0) -> str:
        token, _ = issue_access_token(self.platform.settings.signing_key(), user_id=user_id,
                                      role=role, token_version=version, minutes=15)
        return token

    async def user(self, username: str | None = None, *, role: str = "user",
                   is_verified: bool = False, **profile: Any) -> TestUser:
        name = username or f"user{next(_seq)}"

        def create(session: Session) -> int:
            user = User(username=name, email=f"{name}@example.test", password_hash=_HASH,
                        role=role, is_verified=is_verified)
            session.add(user)
            session.flush()
            record_event(session, UserRegistered(user_id=user.id, username=name,
                                                 display_name=profile.get("display_name")))
            return user.id

        user_id = await self.platform.db.run(create)
        token = self.token_for(user_id, role)
        return TestUser(user_id, name, {"Authorization": f"Bearer {token}"}, token, role)

    async def users(self, count: int, prefix: str = "member") -> list[TestUser]:
        return [await self.user(f"{prefix}{next(_seq)}") for _ in range(count)]

    async def admin(self, username: str | None = None) -> TestUser:
        return await self.user(username or f"admin{next(_seq)}", role="admin")

    async def moderator(self, username: str | None = None) -> TestUser:
        return await self.user(username or f"mod{next(_seq)}", role="moderator")

    async def get_user(self, user_id: int) -> User | None:
        return await self.platform.db.read(accounts.get_user, user_id)
