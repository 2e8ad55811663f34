"""Atomic adjustments of profile counters owned by other domains' actions."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, case, update
from sqlalchemy.orm import Session

from tanvi_social.core.db import execute_write
from tanvi_social.social.models import Profile

_PROFILES = cast(Table, Profile.__table__)
# a Core UPDATE built once: no ORM bulk-update bookkeeping, no statement building per call
_ADJUST_POSTS = update(_PROFILES).where(_PROFILES.c.user_id == bindparam("b_user")).values(
    posts_count=case((_PROFILES.c.posts_count + bindparam("delta") < 0, 0),
                     else_=_PROFILES.c.posts_count + bindparam("delta")))


def adjust_posts_count(session: Session, user_id: int, delta: int) -> None:
    """Add `delta` to the user's published-posts counter in SQL (never below zero)."""
    if delta == 0:
        return
    execute_write(session, _ADJUST_POSTS, {"b_user": user_id, "delta": delta}, order_by="b_user")
