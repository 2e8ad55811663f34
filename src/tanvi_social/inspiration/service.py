"""Trends listing and moderation, discover, inspirations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.content.access import visible_posts_clause
from tanvi_social.content.models import Challenge, Post
from tanvi_social.content.muting import viewer_matcher
from tanvi_social.core.errors import NotFound
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.models import Inspiration, MoodBoard, Trend
from tanvi_social.inspiration.present import items_for
from tanvi_social.inspiration.ranking import norm_tag
from tanvi_social.inspiration.schemas import (
    ColourTrend,
    DiscoverRead,
    FeaturedItem,
    InspirationCreate,
    InspirationRead,
    MoodBoardRead,
    PaletteColour,
    StyleCategory,
    TrendRead,
    TrendSummary,
)
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards

STAGE_ORDER = {"emerging": 0, "growing": 1, "peak": 2, "declining": 3}


def _trend_read(t: Trend) -> TrendRead:
    name = f"#{t.term}" if t.category == "hashtag" else t.term.replace("_", " ").title()
    return TrendRead(
        id=t.id, category=t.category, name=name, term=t.term, stage=t.stage,
        current_count=t.current_count, previous_count=t.previous_count,
        baseline_mean=t.baseline_mean, baseline_std=t.baseline_std, z_score=t.z_score,
        growth=t.growth, mention_count=t.mention_count, confidence=t.confidence,
        window_minutes=t.window_minutes, first_detected=t.first_detected,
        last_detected=t.last_detected, is_hidden=t.is_hidden)


def list_trends(session: Session, category: str | None, stage: str | None, limit: int = 50,
                *, include_hidden: bool = False) -> tuple[list[TrendRead], TrendSummary, Any]:
    """Active trends, strongest first; moderators may ask for hidden ones too."""
    stmt = select(Trend).where(Trend.is_active.is_(True))
    if not include_hidden:
        stmt = stmt.where(Trend.is_hidden.is_(False))
    if category:
        stmt = stmt.where(Trend.category == category)
    rows = list(session.scalars(stmt.order_by(Trend.z_score.desc(), Trend.id)))
    summary = TrendSummary(total=len(rows), **{s: sum(1 for r in rows if r.stage == s)
                                              for s in STAGE_ORDER})
    if stage:
        rows = [r for r in rows if r.stage == stage]
    detected = session.scalar(select(func.max(Trend.last_detected)))
    return [_trend_read(r) for r in rows[:limit]], summary, detected


def hide_trend(session: Session, moderator_id: int, trend_id: int) -> TrendRead:
    """Hide a trend from everyone (kept hidden across detection runs)."""
    t = session.get(Trend, trend_id)
    if t is None:
        raise NotFound("Trend not found", code="trend_not_found")
    t.is_hidden, t.hidden_by = True, moderator_id
    session.flush()
    return _trend_read(t)


def discover(session: Session, viewer_id: int | None, limit: int = 12) -> DiscoverRead:
    """Explore: trending posts, colours and style categories, trends, communities, challenges,
    public mood boards — all read from live data."""
    now = utcnow()
    since = now - timedelta(days=7)
    clause = visible_posts_clause(session, viewer_id)
    stmt = (select(Post).where(clause, Post.created_at >= since, Post.repost_of_id.is_(None))
            .order_by(Post.hot_score.desc(), Post.id.desc()).limit(limit))
    if viewer_id is not None:
        muted = graph.muted_ids(session, viewer_id)
        if muted:
            stmt = stmt.where(Post.author_id.not_in(muted))
    posts = list(session.scalars(stmt))
    built = items_for(session, viewer_id, posts, {p.id: "Trending this week" for p in posts},
                      muted=viewer_matcher(session, viewer_id))
    trending_posts = [built[p.id] for p in posts if p.id in built]

    trends, _, _ = list_trends(session, None, None, limit=30)
    colour_trends = {t.term: t for t in trends if t.category == "colour"}
    style_trends = {t.term: t for t in trends if t.category == "style"}

    public = (select(Post.id, Post.style_tags, Post.created_at)
              .where(Post.visibility == "public", Post.deleted_at.is_(None),
                     Post.is_draft.is_(False), Post.moderation_state == "visible",
                     Post.created_at >= now - timedelta(days=14)))
    recent_rows = session.execute(public).all()
    week = now - timedelta(days=7)
    this_week: dict[str, int] = {}
    last_week: dict[str, int] = {}
    for _, styles, created in recent_rows:
        bucket = this_week if created >= week else last_week
        for t in {norm_tag(s) for s in styles or [] if s}:
            bucket[t] = bucket.get(t, 0) + 1
    categories = sorted(this_week.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    style_categories = [StyleCategory(name=name, posts=n,
                                      growth=round((n - last_week.get(name, 0))
                                                   / max(last_week.get(name, 0), 1), 4))
                        for name, n in categories]
    for term in style_trends:
        if term not in this_week:
            style_categories.append(StyleCategory(name=term, posts=0, growth=0.0))

    media_of = adapters.post_media_ids(session, [r[0] for r in recent_rows if r[2] >= week])
    media = adapters.media_reads(session, {m for mids in media_of.values() for m in mids})
    shares: dict[str, dict[str, Any]] = {}
    for mids in media_of.values():
        seen: set[str] = set()
        for mid in mids:
            read = media.get(mid)
            for c in read.palette if read else []:
                key = (c.name or c.hex).lower()
                entry = shares.setdefault(key, {"hex": c.hex, "name": c.name or c.hex,
                                                "share": 0.0, "posts": 0})
                entry["share"] += c.share / max(len(mids), 1)
                if key not in seen:
                    entry["posts"] += 1
                    seen.add(key)
    total_share = sum(e["share"] for e in shares.values()) or 1.0
    colours = sorted(shares.values(), key=lambda e: (-e["share"], e["name"]))[:8]
    trending_colors = [ColourTrend(hex=e["hex"], name=e["name"],
                                   share=round(e["share"] / total_share, 4), posts=e["posts"],
                                   stage=colour_trends[e["name"].lower()].stage
                                   if e["name"].lower() in colour_trends else None)
                       for e in colours]

    featured: list[FeaturedItem] = []
    cmodels = adapters.module("community.models")
    caccess = adapters.module("community.access")
    if cmodels is not None and caccess is not None and hasattr(cmodels, "Community"):
        c = cmodels.Community
        for row in session.scalars(select(c).where(c.deleted_at.is_(None))
                                   .order_by(c.members_count.desc(), c.id).limit(limit * 2)):
            if caccess.can_see_card(session, viewer_id, row):
                featured.append(FeaturedItem(type="community", id=row.id, title=row.name,
                                             detail={"members": row.members_count,
                                                     "category": row.category}))
            if len(featured) >= 6:
                break
    challenges = [FeaturedItem(type="challenge", id=ch.id, title=ch.title,
                               detail={"hashtag": ch.hashtag, "ends_at": ch.ends_at.isoformat(),
                                       "participants": ch.participants_count,
                                       "entries": ch.entries_count})
                  for ch in session.scalars(select(Challenge).where(
                      Challenge.ends_at > now, Challenge.starts_at <= now,
                      Challenge.closed_at.is_(None))
                      .order_by(Challenge.participants_count.desc(), Challenge.id).limit(6))]
    boards = list(session.scalars(select(MoodBoard).where(
        MoodBoard.is_public.is_(True), MoodBoard.item_count > 0)
        .order_by(MoodBoard.item_count.desc(), MoodBoard.id.desc()).limit(6)))
    if viewer_id is not None:
        blocked = graph.blocked_ids(session, viewer_id)
        boards = [b for b in boards if b.owner_id not in blocked]
    cards = author_cards(session, {b.owner_id for b in boards})
    board_reads = [MoodBoardRead(id=b.id, owner=cards.get(b.owner_id), title=b.title,
                                 description=b.description, mood_type=b.mood_type,
                                 is_public=True,
                                 palette=[PaletteColour(**c) for c in b.palette or []],
                                 item_count=b.item_count, created_at=b.created_at,
                                 updated_at=b.updated_at) for b in boards]
    return DiscoverRead(trending_posts=trending_posts, trending_colors=trending_colors,
                        style_categories=style_categories, trends=trends[:10],
                        featured_communities=featured, challenges=challenges,
                        moodboards=board_reads)


# ------------------------------------------------------------------ inspirations
def _trending_terms(session: Session) -> set[str]:
    return set(session.scalars(select(Trend.term).where(Trend.is_active.is_(True),
                                                        Trend.is_hidden.is_(False))))


def _inspiration_read(i: Inspiration, cards: dict[int, Any], trending: set[str],
                      image: str | None = None) -> InspirationRead:
    tags = list(i.style_tags or [])
    relevance = round(sum(1 for t in tags if t in trending) / len(tags), 4) if tags else 0.0
    return InspirationRead(id=i.id, creator=cards.get(i.creator_id), title=i.title,
                           description=i.description, inspiration_type=i.inspiration_type,
                           primary_image_url=image or i.primary_image_url, media_id=i.media_id,
                           style_tags=tags, views_count=i.views_count, is_featured=i.is_featured,
                           trend_relevance=relevance, created_at=i.created_at)


def create_inspiration(session: Session, user_id: int, body: InspirationCreate) -> InspirationRead:
    """Store an inspiration; an attached image must be the caller's own."""
    image = None
    if body.media_id is not None:
        image = adapters.claim_media(session, user_id, body.media_id).urls.feed
    row = Inspiration(creator_id=user_id, title=body.title.strip(), description=body.description,
                      inspiration_type=body.inspiration_type,
                      primary_image_url=body.primary_image_url, media_id=body.media_id,
                      style_tags=body.style_tags)
    session.add(row)
    session.flush()
    return _inspiration_read(row, author_cards(session, [user_id]), _trending_terms(session),
                             image)


def _images(session: Session, rows: list[Inspiration]) -> dict[int, str]:
    media = adapters.media_reads(session, {r.media_id for r in rows if r.media_id})
    return {r.id: media[r.media_id].urls.feed for r in rows if r.media_id in media}


def list_inspirations(session: Session, viewer_id: int | None, params: PageParams, *,
                      inspiration_type: str | None, style: str | None, featured: bool | None,
                      trending: bool | None) -> tuple[list[InspirationRead], int]:
    """Filterable list, newest first; `trending` keeps those with a currently trending tag."""
    stmt = select(Inspiration)
    if inspiration_type:
        stmt = stmt.where(Inspiration.inspiration_type == inspiration_type)
    if featured is not None:
        stmt = stmt.where(Inspiration.is_featured.is_(featured))
    if viewer_id is not None:
        blocked = graph.blocked_ids(session, viewer_id)
        if blocked:
            stmt = stmt.where(Inspiration.creator_id.not_in(blocked))
    rows = list(session.scalars(stmt.order_by(Inspiration.id.desc()).limit(2000)))
    terms = _trending_terms(session)
    if style:
        rows = [r for r in rows if norm_tag(style) in (r.style_tags or [])]
    if trending:
        rows = [r for r in rows if set(r.style_tags or []) & terms]
    total = len(rows)
    page = rows[params.offset:params.offset + params.per_page]
    cards = author_cards(session, {r.creator_id for r in page})
    images = _images(session, page)
    return [_inspiration_read(r, cards, terms, images.get(r.id)) for r in page], total


def get_inspiration(session: Session, viewer_id: int | None,
                    inspiration_id: int) -> InspirationRead:
    """One inspiration; counts a view (not the creator's own)."""
    row = session.get(Inspiration, inspiration_id)
    if row is None or (viewer_id is not None and graph.blocked_either_way(
            session, viewer_id, row.creator_id)):
        raise NotFound("Inspiration not found", code="inspiration_not_found")
    if viewer_id != row.creator_id:
        from sqlalchemy import update

        session.execute(update(Inspiration).where(Inspiration.id == row.id)
                        .values(views_count=Inspiration.views_count + 1))
        session.refresh(row)
    return _inspiration_read(row, author_cards(session, [row.creator_id]),
                             _trending_terms(session), _images(session, [row]).get(row.id))
