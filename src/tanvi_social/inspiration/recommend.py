"""Hybrid recommendations with explanations (docs/algorithms.md → "Recommendations").

posts:  1.0·content (cosine of the viewer's tag profile and the post's tags)
      + 0.8·co-engagement (ln(1 + number of people who saved one of the viewer's saves and this))
      + 0.4·graph (ln(1 + followed accounts who follow the author))
      + 0.1·popularity (ln(1 + likes + 2·saves) / 10)
people: 0.6·compatibility + 0.4·ln(1 + mutual follows) + 0.4·content similarity of their posts
communities / events: content similarity of their tags + followed accounts who joined / answered.

Ratings (`POST /recommendations/{id}/rate`, 1–5) feed back: an item rated ≤ 2 never comes back and
its tags and author are pushed down (×0.3); an item rated ≥ 4 adds its tags to the profile
(weight 2) and its author gets a boost.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content.access import visible_posts_clause
from tanvi_social.content.models import Post, Reaction, Save
from tanvi_social.content.muting import hides, viewer_matcher
from tanvi_social.core.errors import NotFound, ValidationFailed
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.foryou import compatible_users, style_profile
from tanvi_social.inspiration.models import RecommendationRating
from tanvi_social.inspiration.present import feed_posts
from tanvi_social.inspiration.ranking import cosine, norm_tag
from tanvi_social.inspiration.schemas import RatingCreate, RatingRead, RecommendationRead
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards

POOL_DAYS = 30
POOL_SIZE = 400
TYPE_PREFIX = {"posts": "post", "people": "user", "communities": "community", "events": "event"}
PREFIX_TYPE = {v: k for k, v in TYPE_PREFIX.items()}


def _tags(values: Any) -> dict[str, float]:
    return {norm_tag(t): 1.0 for t in values or [] if isinstance(t, str) and norm_tag(t)}


def _ratings(session: Session, user_id: int, item_type: str) -> dict[int, int]:
    return dict(session.execute(select(RecommendationRating.item_id, RecommendationRating.rating)
                                .where(RecommendationRating.user_id == user_id,
                                       RecommendationRating.item_type == item_type)).all())


def _post_rating_effects(session: Session, user_id: int) -> tuple[set[int], set[str], set[int],
                                                                  dict[str, float], set[int]]:
    rated = _ratings(session, user_id, "post")
    if not rated:
        return set(), set(), set(), {}, set()
    rows = {pid: (a, [*(h or []), *(s or [])]) for pid, a, h, s in session.execute(
        select(Post.id, Post.author_id, Post.hashtags, Post.style_tags)
        .where(Post.id.in_(rated)))}
    excluded: set[int] = set()
    down_tags: set[str] = set()
    down_authors: set[int] = set()
    up_authors: set[int] = set()
    up_tags: dict[str, float] = {}
    for pid, rating in rated.items():
        author, tags = rows.get(pid, (None, []))
        if rating <= 2:
            excluded.add(pid)
            down_tags.update(norm_tag(t) for t in tags)
            if author is not None:
                down_authors.add(author)
        elif rating >= 4:
            for t in tags:
                up_tags[norm_tag(t)] = up_tags.get(norm_tag(t), 0.0) + 2.0
            if author is not None:
                up_authors.add(author)
    return excluded, down_tags, down_authors, up_tags, up_authors


def recommend_posts(session: Session, viewer_id: int, limit: int) -> list[RecommendationRead]:
    """Posts the viewer has not saved or liked, from a visible recent pool."""
    now = utcnow()
    profile = style_profile(session, viewer_id)
    excluded, down_tags, down_authors, up_tags, up_authors = _post_rating_effects(
        session, viewer_id)
    for tag, w in up_tags.items():
        profile[tag] = profile.get(tag, 0.0) + w
    saved = set(session.scalars(select(Save.post_id).where(Save.user_id == viewer_id)))
    liked = set(session.scalars(select(Reaction.post_id).where(Reaction.user_id == viewer_id)))
    seen = saved | liked | excluded
    # co-engagement: people who saved what the viewer saved, and what else they saved
    co: Counter[int] = Counter()
    if saved:
        savers = select(Save.user_id).where(Save.post_id.in_(saved), Save.user_id != viewer_id)
        for pid, n in session.execute(
                select(Save.post_id, func.count(func.distinct(Save.user_id)))
                .where(Save.user_id.in_(savers), Save.post_id.not_in(saved))
                .group_by(Save.post_id).order_by(func.count(func.distinct(Save.user_id)).desc())
                .limit(POOL_SIZE)):
            co[pid] = int(n)
    following = graph.following_ids(session, viewer_id)
    muted = graph.muted_ids(session, viewer_id)
    muted_words = viewer_matcher(session, viewer_id)
    visible = visible_posts_clause(session, viewer_id)
    pool_stmt = (select(Post).where(visible, Post.author_id != viewer_id,
                                    Post.repost_of_id.is_(None),
                                    Post.created_at >= now - timedelta(days=POOL_DAYS))
                 .order_by(Post.hot_score.desc(), Post.id.desc()).limit(POOL_SIZE))
    pool = {p.id: p for p in session.scalars(pool_stmt)}
    if co:
        for p in session.scalars(select(Post).where(Post.id.in_(list(co)), visible,
                                                    Post.author_id != viewer_id)):
            pool[p.id] = p
    top_tags = [t for t, _ in sorted(profile.items(), key=lambda kv: -kv[1])[:5]]
    if top_tags:
        from tanvi_social.content.models import PostHashtag

        tagged = select(PostHashtag.post_id).where(PostHashtag.tag.in_(top_tags))
        for p in session.scalars(select(Post).where(Post.id.in_(tagged), visible,
                                                    Post.author_id != viewer_id,
                                                    Post.repost_of_id.is_(None))
                                 .order_by(Post.id.desc()).limit(POOL_SIZE)):
            pool[p.id] = p
    fof: Counter[int] = Counter()
    authors = {p.author_id for p in pool.values()}
    if following and authors:
        from tanvi_social.social.models import Connection

        for target, n in session.execute(
                select(Connection.target_id, func.count()).where(
                    Connection.follower_id.in_(following), Connection.target_id.in_(authors),
                    Connection.state == "accepted").group_by(Connection.target_id)):
            fof[target] = int(n)
    scored: list[tuple[float, int, list[str], dict[str, float]]] = []
    for p in pool.values():
        if p.id in seen or p.author_id in muted or hides(muted_words, viewer_id, p):
            continue
        tags = _tags([*(p.hashtags or []), *(p.style_tags or [])])
        content = cosine(profile, tags)
        cooc = math.log1p(co.get(p.id, 0))
        social = math.log1p(fof.get(p.author_id, 0))
        popular = math.log1p(p.like_count + 2 * p.save_count) / 10
        value = 1.0 * content + 0.8 * cooc + 0.4 * social + 0.1 * popular
        if set(tags) & down_tags:
            value *= 0.3
        if p.author_id in down_authors:
            value *= 0.3
        if p.author_id in up_authors:
            value *= 1.5
        reasons = []
        shared = sorted(set(tags) & set(profile), key=lambda t: (-profile[t], t))[:3]
        if content > 0 and shared:
            reasons.append("Matches your style: " + ", ".join(f"#{t}" for t in shared))
        if co.get(p.id):
            reasons.append(f"{co[p.id]} people who saved what you saved also saved this")
        if fof.get(p.author_id):
            reasons.append(f"{fof[p.author_id]} people you follow follow the author")
        if not reasons:
            reasons.append("Popular recently")
        scored.append((value, p.id, reasons, {"content": round(content, 4),
                                              "co_engagement": round(cooc, 4),
                                              "graph": round(social, 4),
                                              "popularity": round(popular, 4)}))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    chosen = scored[:limit]
    reads = feed_posts(session, [pool[pid] for _, pid, _, _ in chosen])
    return [RecommendationRead(id=f"post-{pid}", type="posts", item_id=pid,
                               title=(reads[pid].caption or f"Post {pid}")[:80],
                               score=round(v, 6), reasons=r, post=reads[pid], detail=f)
            for v, pid, r, f in chosen]


def recommend_people(session: Session, viewer_id: int, limit: int) -> list[RecommendationRead]:
    """Accounts to follow: compatible style, followed by people you follow, similar posts."""
    following = graph.following_ids(session, viewer_id)
    blocked = graph.blocked_ids(session, viewer_id)
    rated = _ratings(session, viewer_id, "user")
    skip = following | blocked | {viewer_id} | {u for u, r in rated.items() if r <= 2}
    from tanvi_social.social.models import Connection

    mutual: Counter[int] = Counter()
    if following:
        for target, n in session.execute(
                select(Connection.target_id, func.count()).where(
                    Connection.follower_id.in_(following), Connection.state == "accepted")
                .group_by(Connection.target_id).order_by(func.count().desc()).limit(POOL_SIZE)):
            if target not in skip:
                mutual[target] = int(n)
    recent = set(session.scalars(
        select(Post.author_id).where(Post.created_at >= utcnow() - timedelta(days=POOL_DAYS),
                                     Post.visibility == "public", Post.deleted_at.is_(None))
        .group_by(Post.author_id).order_by(func.count().desc(), Post.author_id)
        .limit(POOL_SIZE)))
    pool = (set(mutual) | recent) - skip
    active = set(session.scalars(select(User.id).where(
        User.id.in_(pool), User.is_active.is_(True)))) if pool else set()
    pool &= active
    compat = compatible_users(session, viewer_id, pool, limit=len(pool) or 1)
    profile = style_profile(session, viewer_id)
    author_tags: dict[int, dict[str, float]] = {}
    if pool:
        for author, hashtags, styles in session.execute(
                select(Post.author_id, Post.hashtags, Post.style_tags).where(
                    Post.author_id.in_(pool), Post.visibility == "public",
                    Post.deleted_at.is_(None)).order_by(Post.id.desc()).limit(POOL_SIZE * 5)):
            bag = author_tags.setdefault(author, {})
            for t in [*(hashtags or []), *(styles or [])]:
                bag[norm_tag(t)] = bag.get(norm_tag(t), 0.0) + 1.0
    scored = []
    for uid in pool:
        c = compat.get(uid, 0.0)
        m = math.log1p(mutual.get(uid, 0))
        sim = cosine(profile, author_tags.get(uid, {}))
        value = 0.6 * c + 0.4 * m + 0.4 * sim
        if rated.get(uid, 0) >= 4:
            value *= 1.5
        if value <= 0:
            continue
        reasons = []
        if c:
            reasons.append(f"Style compatibility {round(c * 100)}%")
        if mutual.get(uid):
            reasons.append(f"Followed by {mutual[uid]} people you follow")
        if sim > 0:
            reasons.append("Posts in styles you like")
        scored.append((value, uid, reasons, {"compatibility": round(c, 4), "mutual": round(m, 4),
                                             "content": round(sim, 4)}))
    scored.sort(key=lambda s: (-s[0], s[1]))
    chosen = scored[:limit]
    cards = author_cards(session, [u for _, u, _, _ in chosen])
    return [RecommendationRead(id=f"user-{u}", type="people", item_id=u,
                               title=cards[u].display_name or cards[u].username,
                               score=round(v, 6), reasons=r, user=cards[u], detail=f)
            for v, u, r, f in chosen if u in cards]


def _group_recs(session: Session, viewer_id: int, limit: int,
                kind: str) -> list[RecommendationRead]:
    models = adapters.module("community.models")
    access = adapters.module("community.access")
    if models is None or access is None:
        return []
    profile = style_profile(session, viewer_id)
    following = graph.following_ids(session, viewer_id)
    prefix = TYPE_PREFIX[kind]
    rated = _ratings(session, viewer_id, prefix)
    scored = []
    if kind == "communities":
        c_model, m_model = models.Community, models.Membership
        mine = set(session.scalars(select(m_model.community_id).where(
            m_model.user_id == viewer_id)))
        rows = session.scalars(select(c_model).where(c_model.deleted_at.is_(None))
                               .order_by(c_model.members_count.desc(), c_model.id)
                               .limit(POOL_SIZE)).all()
        friends: Counter[int] = Counter()
        if following:
            for cid, n in session.execute(
                    select(m_model.community_id, func.count()).where(
                        m_model.user_id.in_(following), m_model.status == "active")
                    .group_by(m_model.community_id)):
                friends[cid] = int(n)
        for c in rows:
            if c.id in mine or rated.get(c.id, 3) <= 2 or not access.can_see_card(
                    session, viewer_id, c):
                continue
            sim = cosine(profile, _tags([*(c.tags or []), c.category]))
            social = math.log1p(friends.get(c.id, 0))
            value = sim + 0.5 * social + 0.05 * math.log1p(c.members_count)
            reasons = []
            if sim > 0:
                reasons.append("Matches your style tags")
            if friends.get(c.id):
                reasons.append(f"{friends[c.id]} people you follow are members")
            if not reasons:
                reasons.append(f"{c.members_count} members")
            scored.append((value, c.id, c.name, reasons, {"members": c.members_count}))
    else:
        e_model, r_model = models.Event, models.RSVP
        answered = set(session.scalars(select(r_model.event_id).where(
            r_model.user_id == viewer_id)))
        rows = session.scalars(select(e_model).where(
            e_model.start_at >= utcnow(), e_model.status == "scheduled",
            e_model.moderation_state == "visible").order_by(e_model.start_at, e_model.id)
            .limit(POOL_SIZE)).all()
        friends = Counter()
        if following and rows:
            for eid, n in session.execute(
                    select(r_model.event_id, func.count()).where(
                        r_model.user_id.in_(following), r_model.event_id.in_([e.id for e in rows]),
                        r_model.response.in_(("yes", "maybe", "interested")))
                    .group_by(r_model.event_id)):
                friends[eid] = int(n)
        for e in rows:
            if e.id in answered or rated.get(e.id, 3) <= 2:
                continue
            if e.community_id is not None and not access.can_view_community(
                    session, viewer_id, e.community_id):
                continue
            sim = cosine(profile, _tags(e.tags))
            social = math.log1p(friends.get(e.id, 0))
            value = sim + 0.5 * social + 0.05 * math.log1p(e.going_count)
            reasons = []
            if sim > 0:
                reasons.append("Matches your style tags")
            if friends.get(e.id):
                reasons.append(f"{friends[e.id]} people you follow are going")
            if not reasons:
                reasons.append("Coming up soon")
            scored.append((value, e.id, e.title, reasons,
                           {"start_at": e.start_at.isoformat(), "going": e.going_count}))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [RecommendationRead(id=f"{prefix}-{i}", type=kind, item_id=i, title=title,
                               score=round(v, 6), reasons=r, detail=d)
            for v, i, title, r, d in scored[:limit]]


def recommendations(session: Session, viewer_id: int, kind: str,
                    limit: int) -> list[RecommendationRead]:
    """Dispatch by type."""
    if kind == "posts":
        return recommend_posts(session, viewer_id, limit)
    if kind == "people":
        return recommend_people(session, viewer_id, limit)
    return _group_recs(session, viewer_id, limit, kind)


def parse_rec_id(rec_id: str) -> tuple[str, int]:
    """'post-12' → ('post', 12); 422 for anything else."""
    prefix, _, raw = rec_id.partition("-")
    if prefix not in PREFIX_TYPE or not raw.isdigit() or len(raw) > 10:
        raise ValidationFailed("Recommendation ids look like 'post-12'", code="invalid_id",
                               details=[{"loc": ["path", "rec_id"], "msg": "invalid id"}])
    return prefix, int(raw)


def rate(session: Session, user_id: int, rec_id: str, body: RatingCreate) -> RatingRead:
    """Store (or replace) the caller's rating of an item they can see."""
    prefix, item_id = parse_rec_id(rec_id)
    if prefix == "post":
        from tanvi_social.content.access import get_visible_post

        get_visible_post(session, user_id, item_id)
    elif prefix == "user":
        user = session.get(User, item_id)
        if user is None or not user.is_active or item_id == user_id or graph.blocked_either_way(
                session, user_id, item_id):
            raise NotFound("User not found", code="user_not_found")
    else:
        models = adapters.module("community.models")
        access = adapters.module("community.access")
        if models is None or access is None:
            raise NotFound("Not found", code="not_found")
        if prefix == "community":
            c = session.get(models.Community, item_id)
            if c is None or not access.can_see_card(session, user_id, c):
                raise NotFound("Community not found", code="community_not_found")
        else:
            e = session.get(models.Event, item_id)
            if e is None or (e.community_id is not None and not access.can_view_community(
                    session, user_id, e.community_id)):
                raise NotFound("Event not found", code="event_not_found")
    row = session.scalar(select(RecommendationRating).where(
        RecommendationRating.user_id == user_id, RecommendationRating.item_type == prefix,
        RecommendationRating.item_id == item_id))
    now = utcnow()
    if row is None:
        row = RecommendationRating(user_id=user_id, item_type=prefix, item_id=item_id,
                                   rating=body.rating, feedback=body.feedback, updated_at=now)
        session.add(row)
    else:
        row.rating, row.feedback, row.updated_at = body.rating, body.feedback, now
    session.flush()
    return RatingRead(id=rec_id, rating=row.rating, feedback=row.feedback, updated_at=now)
