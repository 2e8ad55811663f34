"""Atomic adjustments of profile counters owned by other domains' actions."""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.orm import Session

from tanvi_social.social.models import Profile


def adjust_posts_count(session: Session, user_id: int, delta: int) -> None:
    """Add `delta` to the user's published-posts counter in SQL (never below zero)."""
    if delta == 0:
        return
    session.execute(
        update(Profile).where(Profile.user_id == user_id)
        .values(posts_count=case((Profile.posts_count + delta < 0, 0),
                                 else_=Profile.posts_count + delta))
        .execution_options(synchronize_session=False)
    )
