"""Scheduled work of the inspiration domain: trend detection.

`detect_trends(session, now)` is the job body (a plain function a test can call); `refresh_job`
is its async wrapper registered with `core.jobs` (every `TREND_EVERY_SECONDS`) when that exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.content.models import ModerationState, Post
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.models import Trend
from tanvi_social.inspiration.ranking import norm_tag
from tanvi_social.inspiration.schemas import TrendRefreshResult
from tanvi_social.inspiration.trends import Usage, detect_all

WINDOW = timedelta(hours=1)
WINDOWS = 48  # the current window + 47 hours of baseline
TREND_EVERY_SECONDS = 600
COLOUR_MIN_SHARE = 0.15  # a palette colour counts as "used" from this share of the image


def _usages(session: Session, now: datetime) -> Iterator[Usage]:
    """Hashtag, style-tag and colour uses of public, published posts in the lookback."""
    since = now - WINDOW * WINDOWS
    rows = session.execute(
        select(Post.id, Post.author_id, Post.created_at, Post.hashtags, Post.style_tags)
        .where(Post.created_at > since, Post.created_at <= now, Post.deleted_at.is_(None),
               Post.is_draft.is_(False), Post.visibility == "public",
               Post.moderation_state == ModerationState.VISIBLE.value,
               Post.repost_of_id.is_(None))).all()
    media_of = adapters.post_media_ids(session, [r.id for r in rows])
    media = adapters.media_reads(session, {m for mids in media_of.values() for m in mids})
    for r in rows:
        for tag in {norm_tag(t) for t in (r.hashtags or []) if t}:
            yield Usage("hashtag", tag, r.author_id, r.created_at)
        for tag in {norm_tag(t) for t in (r.style_tags or []) if t}:
            yield Usage("style", tag, r.author_id, r.created_at)
        colours: set[str] = set()
        for mid in media_of.get(r.id, []):
            read = media.get(mid)
            for c in read.palette if read else []:
                if c.share >= COLOUR_MIN_SHARE and c.name:
                    colours.add(c.name.lower())
        for name in colours:
            yield Usage("colour", name, r.author_id, r.created_at)


def detect_trends(session: Session, now: datetime | None = None) -> TrendRefreshResult:
    """Run detection and store the verdicts (hidden trends stay hidden)."""
    now = now or utcnow()
    usages = list(_usages(session, now))
    signals = detect_all(usages, now=now, window=WINDOW, windows=WINDOWS)
    existing = {(t.category, t.term): t for t in session.scalars(select(Trend))}
    session.execute(update(Trend).values(is_active=False))
    for s in signals:
        row = existing.get((s.category, s.term))
        if row is None:
            row = Trend(category=s.category, term=s.term, first_detected=now)
            session.add(row)
        row.stage = s.stage or "emerging"
        row.current_count, row.previous_count = s.current, s.previous
        row.baseline_mean, row.baseline_std = s.baseline_mean, s.baseline_std
        row.z_score, row.growth = s.z_score, s.growth
        row.mention_count, row.confidence = s.total_mentions, s.confidence
        row.window_minutes = int(WINDOW.total_seconds() // 60)
        row.is_active, row.last_detected = True, now
    session.flush()
    return TrendRefreshResult(detected=len(signals), active=len(signals), usages=len(usages),
                              detected_at=now)


async def refresh_job(platform: Any, **_: Any) -> TrendRefreshResult:
    """The scheduled job: detection on a worker thread, committed."""
    return await platform.db.run_in_thread(detect_trends, commit=True)


def register(platform: Any) -> None:
    """Register the detection job with core.jobs (every TREND_EVERY_SECONDS)."""
    from tanvi_social.core.jobs import register_job

    register_job("inspiration.detect_trends", refresh_job, every_seconds=TREND_EVERY_SECONDS)
