"""Influencers: applications, admin verification and the computed influence score and tier.

influence_score (0–100) = 100 × (0.30·reach + 0.25·engagement + 0.25·growth + 0.20·activity), the
original's four weights (social_models.py `calculate_influence_score`) over inputs that are
measured here instead of typed in; see docs/algorithms.md ("Influence score and tiers").
Engagement and posting data come from the content domain through `register_engagement_provider`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import Conflict, NotFound
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social import graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.models import (
    Connection,
    ConnectionState,
    Influencer,
    InfluencerStatus,
    Profile,
)
from tanvi_social.social.notifications import notify
from tanvi_social.social.schemas import (
    InfluenceMetrics,
    InfluencerApply,
    InfluencerRead,
    InfluencerVerify,
)

REACH_SATURATION = 10_000  # the original's followers/10000
POSTS_30D_SATURATION = 12  # about three posts a week
WINDOW_DAYS = 30
TIERS = [(1_000, "nano"), (10_000, "micro"), (100_000, "mid"), (1_000_000, "macro")]


@dataclass(frozen=True)
class Engagement:
    posts: int  # posts published in the window
    interactions: int  # likes + comments + shares + saves those posts received


EngagementProvider = Callable[[Session, list[int], datetime], dict[int, Engagement]]
_providers: list[EngagementProvider] = []


def register_engagement_provider(provider: EngagementProvider) -> None:
    """The content domain reports posts and interactions per author (called at import)."""
    if provider not in _providers:
        _providers.append(provider)


def tier_for(followers: int) -> str:
    for limit, name in TIERS:
        if followers < limit:
            return name
    return "mega"


def influence(followers: int, gained_30d: int, engagement: Engagement) -> tuple[float,
                                                                                 InfluenceMetrics]:
    """The score and the figures behind it (pure: tested directly)."""
    reach = min(followers / REACH_SATURATION, 1.0)
    rate = 0.0
    if engagement.posts and followers:
        rate = engagement.interactions / engagement.posts / followers
    engagement_c = min(rate, 1.0)
    base = max(followers - gained_30d, 0)
    growth_rate = gained_30d / base if base else (1.0 if gained_30d else 0.0)
    growth_c = min(growth_rate, 1.0)
    activity_c = min(engagement.posts / POSTS_30D_SATURATION, 1.0)
    score = 100 * (0.30 * reach + 0.25 * engagement_c + 0.25 * growth_c + 0.20 * activity_c)
    return round(score, 2), InfluenceMetrics(
        followers=followers, engagement_rate=round(rate, 4), growth_rate_30d=round(growth_rate, 4),
        posts_30d=engagement.posts, reach_component=round(reach, 4),
        engagement_component=round(engagement_c, 4), growth_component=round(growth_c, 4),
        activity_component=round(activity_c, 4))


def _reads(session: Session, rows: list[Influencer]) -> list[InfluencerRead]:
    from tanvi_social.social.service import cards

    ids = [r.user_id for r in rows]
    if not ids:
        return []
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    followers = dict(session.execute(select(Profile.user_id, Profile.followers_count)
                                     .where(Profile.user_id.in_(ids))).all())
    gained = dict(session.execute(
        select(Connection.target_id, func.count()).where(
            Connection.target_id.in_(ids), Connection.state == ConnectionState.ACCEPTED.value,
            func.coalesce(Connection.accepted_at, Connection.created_at) >= since)
        .group_by(Connection.target_id)).all())
    engagement: dict[int, Engagement] = {}
    for provider in _providers:
        for uid, e in provider(session, ids, since).items():
            prev = engagement.get(uid, Engagement(0, 0))
            engagement[uid] = Engagement(prev.posts + e.posts, prev.interactions + e.interactions)
    people = cards(session, ids)
    out = []
    for r in rows:
        if r.user_id not in people:
            continue
        n = int(followers.get(r.user_id, 0))
        score, metrics = influence(n, int(gained.get(r.user_id, 0)),
                                   engagement.get(r.user_id, Engagement(0, 0)))
        out.append(InfluencerRead(
            id=r.id, user=people[r.user_id], influencer_type=r.influencer_type,
            expertise_level=r.expertise_level, style_specialties=list(r.style_specialties or []),
            content_categories=list(r.content_categories or []),
            verification_status=r.verification_status, verified_at=r.verified_at,
            created_at=r.created_at, influence_score=score, tier=tier_for(n),
            metrics=metrics))
    return out


def list_influencers(session: Session, viewer_id: int | None, page: PageParams, *,
                     type: str | None = None, expertise: str | None = None,
                     status: str = InfluencerStatus.VERIFIED.value,
                     ) -> tuple[list[InfluencerRead], int]:
    """Verified influencers ranked by influence score; filters type and expertise."""
    query = (select(Influencer).join(User, User.id == Influencer.user_id)
             .where(Influencer.verification_status == status, User.is_active.is_(True)))
    if type:
        query = query.where(Influencer.influencer_type == type)
    if expertise:
        query = query.where(Influencer.expertise_level == expertise)
    if viewer_id is not None:
        hidden = graph.blocked_ids(session, viewer_id)
        if hidden:
            query = query.where(Influencer.user_id.not_in(hidden))
    reads = _reads(session, list(session.scalars(query)))
    reads.sort(key=lambda r: (-r.influence_score, r.id))
    return reads[page.offset:page.offset + page.per_page], len(reads)


def apply(session: Session, user_id: int, data: InfluencerApply) -> InfluencerRead:
    """Apply for influencer status (pending until an admin verifies); a rejected user may retry."""
    row = session.scalar(select(Influencer).where(Influencer.user_id == user_id))
    if row is not None and row.verification_status != InfluencerStatus.REJECTED.value:
        raise Conflict("You have already applied", code="already_applied")
    if row is None:
        row = Influencer(user_id=user_id)
        try:
            with session.begin_nested():
                _fill(row, data)
                session.add(row)
        except IntegrityError:
            raise Conflict("You have already applied", code="already_applied") from None
    else:
        _fill(row, data)
        row.verification_status = InfluencerStatus.PENDING.value
        row.verified_at = None
        row.verified_by = None
    session.flush()
    record_activity(session, user_id=user_id, type="apply", target_type="influencer",
                    target_id=row.id)
    return _reads(session, [row])[0]


def _fill(row: Influencer, data: InfluencerApply) -> None:
    row.influencer_type = data.influencer_type
    row.expertise_level = data.expertise_level
    row.style_specialties = list(dict.fromkeys(s.lower() for s in data.style_specialties))
    row.content_categories = list(dict.fromkeys(s.lower() for s in data.content_categories))
    row.statement = data.statement
    row.verification_status = InfluencerStatus.PENDING.value


def verify(session: Session, admin_id: int, influencer_id: int,
           data: InfluencerVerify) -> InfluencerRead:
    """Admin decision on an application: verified or rejected."""
    row = session.get(Influencer, influencer_id)
    if row is None:
        raise NotFound("Influencer application not found", code="influencer_not_found")
    row.verification_status = data.decision
    row.verified_at = utcnow() if data.decision == InfluencerStatus.VERIFIED.value else None
    row.verified_by = admin_id
    session.flush()
    notify(session, recipient_id=row.user_id, actor_id=None, type="system",
           target_type="influencer", target_id=row.id,
           data={"text": "Your influencer application was "
                 + ("approved" if data.decision == "verified" else "declined"),
                 "decision": data.decision})
    return _reads(session, [row])[0]
