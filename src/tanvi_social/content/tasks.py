"""Background job bodies of the content domain (plain functions; registered in wiring)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content import service
from tanvi_social.content.challenges import close_due_challenges
from tanvi_social.content.events import PostsReanalysed
from tanvi_social.content.models import Post
from tanvi_social.core.db import record_event
from tanvi_social.core.time import utcnow

ANALYSIS_MAX_AGE = timedelta(hours=1)
ANALYSIS_WINDOW = timedelta(days=7)


def refresh_recent_analyses(session: Session, now: datetime | None = None,
                            limit: int = 500) -> int:
    """Recompute `ai_analysis` of last week's posts (trend counts move over time)."""
    now = now or utcnow()
    rows = session.scalars(select(Post).where(
        Post.deleted_at.is_(None), Post.is_draft.is_(False),
        Post.published_at >= now - ANALYSIS_WINDOW).order_by(Post.id.desc()).limit(limit * 4))
    done: list[int] = []
    for post in rows:
        stamp = (post.ai_analysis or {}).get("computed_at")
        if stamp and datetime.fromisoformat(stamp) > now - ANALYSIS_MAX_AGE:
            continue
        service.refresh_analysis(session, post, force=True)
        done.append(post.id)
        if len(done) >= limit:
            break
    session.flush()
    if done:  # their cached cards show the analysis
        record_event(session, PostsReanalysed(post_ids=done))
    return len(done)


__all__ = ["close_due_challenges", "refresh_recent_analyses"]
