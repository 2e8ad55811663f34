"""Demo moderation data: a small word list and a couple of open reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import AppError
from tanvi_social.moderation import service
from tanvi_social.moderation.models import FilterRule
from tanvi_social.moderation.schemas import FilterCreate, ReportCreate
from tanvi_social.moderation.wiring import register_default_targets

WORDS = [("scam", "hold"), ("fake designer", "hold"), ("replica bags", "reject")]


def seed(session: Session, ctx: Any) -> int:
    if session.scalar(select(FilterRule.id).limit(1)) is not None:
        return 0
    admin_id = session.scalar(select(User.id).where(User.role == "admin").limit(1))
    added = 0
    for pattern, action in WORDS:
        service.create_filter(session, admin_id, FilterCreate(pattern=pattern,
                                                              action=action))
        added += 1
    register_default_targets()  # the CLI seeds without starting the app
    ids: list[int] = list(ctx.data.get("user_ids") or [])
    rng = ctx.rng
    if len(ids) >= 4:
        target = rng.choice(ids)
        for reporter in rng.sample([i for i in ids if i != target], 2):
            try:
                service.create_report(session, reporter, ReportCreate(
                    target_type="profile", target_id=target, reason="spam",
                    details="Sends the same link to everyone"))
            except AppError:
                continue
            added += 1
    return added
