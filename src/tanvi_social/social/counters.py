"""Atomic adjustments of profile counters owned by other domains' actions."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, case, update
from sqlalchemy.orm import Session

from tanvi_social.social.models import Profile


def adjust_posts_count(session: Session, user_id: int, delta: int) -> None:
    """Add `delta` to the user's published-posts counter in SQL (never below zero)."""
    if delta == 0:
        return
    profiles = cast(Table, Profile.__table__)  # a Core UPDATE: no ORM bulk-update bookkeeping
    session.execute(
        update(profiles).where(profiles.c.user_id == user_id)
        .values(posts_count=case((profiles.c.posts_count + delta < 0, 0),
                                 else_=profiles.c.posts_count + delta))
    )
