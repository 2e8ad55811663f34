"""The "for you" feed: candidates from five sources, ranked by `ranking.rank`.

Candidates by muted authors are dropped before ranking; candidates containing one of the viewer's
muted words (`content.muting`) are skipped while a page is cut from the ranked list (the cursor
keeps positions in that list), so only the posts a page needs are checked.

Sources (each a bounded, indexed query over the last `FRESH_DAYS`): accounts the viewer follows,
style-compatible accounts, followed hashtags, joined communities and trending posts. Each
candidate remembers its sources; the first one (in that order) gives its `reason`. The page cursor
carries the ranking time and offset, so paging through one feed is stable and the same data at
the same time gives the same feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.content.access import visible_posts_clause
from tanvi_social.content.filters import NO_FILTER, PostFilter, filter_clause
from tanvi_social.content.models import Post, PostHashtag, Reaction, Save
from tanvi_social.content.muting import muted_post_ids, viewer_matcher
from tanvi_social.core.pagination import decode_cursor, encode_cursor
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.feedback import feedback_state, followed_hashtags, get_preferences
from tanvi_social.inspiration.models import Trend
from tanvi_social.inspiration.present import FEED_LOAD, items_for
from tanvi_social.inspiration.ranking import Candidate, norm_tag, rank, tag_profile
from tanvi_social.inspiration.schemas import FeedItem
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards
from tanvi_social.social.models import Profile

FRESH_DAYS = 7
PER_SOURCE = 200
HOT_POOL = 300
COLUMNS = (Post.id, Post.author_id, Post.created_at, Post.hashtags, Post.style_tags,
           Post.like_count, Post.comment_count, Post.save_count, Post.share_count)
COMPATIBLE_USERS = 20
COMPATIBLE_MIN = 40  # social compatibility score (0–100) to count as "shares your style"
SOURCE_ORDER = ("following", "hashtag", "community", "compatible", "trending")


def style_profile(session: Session, user_id: int) -> dict[str, float]:
    """Tag weights: profile style tags (1), tags of saved posts (1 each), liked posts (0.5)."""
    weighted: list[tuple[str, float]] = []
    tags = session.scalar(select(Profile.style_tags).where(Profile.user_id == user_id)) or []
    weighted += [(t, 1.0) for t in tags]
    saved = session.execute(
        select(Post.hashtags, Post.style_tags).join(Save, Save.post_id == Post.id)
        .where(Save.user_id == user_id).order_by(Save.id.desc()).limit(200))
    for hashtags, styles in saved:
        weighted += [(t, 1.0) for t in {*(hashtags or []), *(styles or [])}]
    liked = session.execute(
        select(Post.hashtags, Post.style_tags).join(Reaction, Reaction.post_id == Post.id)
        .where(Reaction.user_id == user_id).order_by(Reaction.id.desc()).limit(200))
    for hashtags, styles in liked:
        weighted += [(t, 0.5) for t in {*(hashtags or []), *(styles or [])}]
    return tag_profile(weighted)


def interactions(session: Session, user_id: int, since: datetime) -> dict[int, int]:
    """Likes + saves by the user per author since a time."""
    out: dict[int, int] = {}
    for model in (Reaction, Save):
        rows = session.execute(
            select(Post.author_id, func.count()).join(model, model.post_id == Post.id)
            .where(model.user_id == user_id, model.created_at >= since)
            .group_by(Post.author_id))
        for author, n in rows:
            out[author] = out.get(author, 0) + int(n)
    return out


def compatible_users(session: Session, user_id: int, authors: Iterable[int],
                     limit: int = COMPATIBLE_USERS) -> dict[int, float]:
    """Authors whose social compatibility with the user is ≥ COMPATIBLE_MIN, as 0..1."""
    pool = sorted(set(authors) - {user_id})
    if not pool:
        return {}
    compat = adapters.module("social.compat")
    scores: dict[int, float] = {}
    if compat is not None and hasattr(compat, "load_signals"):
        # The viewer's full signals (profile + posts + saves) against the candidates' profile
        # traits: one profile read for the pool instead of every candidate's post history.
        mine = compat.load_signals(session, [user_id]).get(user_id)
        if mine is None:
            return {}
        theirs = compat.signal_rows(session, pool)  # the profile columns only
        empty = compat.StyleSignals()
        for uid in pool:
            s = compat.score_value(mine, theirs.get(uid, empty))
            if s >= COMPATIBLE_MIN:
                scores[uid] = s / 100.0
    else:
        profiles = dict(session.execute(select(Profile.user_id, Profile.style_tags).where(
            Profile.user_id.in_([user_id, *pool]))).all())
        mine_tags = {norm_tag(t) for t in profiles.get(user_id) or []}
        for uid in pool:
            their_tags = {norm_tag(t) for t in profiles.get(uid) or []}
            union = mine_tags | their_tags
            jac = len(mine_tags & their_tags) / len(union) if union else 0.0
            if jac * 100 >= COMPATIBLE_MIN:
                scores[uid] = jac
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return dict(best)


def _community_ids(session: Session, user_id: int) -> list[int]:
    models = adapters.module("community.models")
    member = getattr(models, "Membership", None) if models is not None else None
    if member is None:
        return []
    return list(session.scalars(select(member.community_id).where(
        member.user_id == user_id, member.status == "active")))


def _candidates(session: Session, viewer_id: int, now: datetime, types: set[str],
                facets: PostFilter = NO_FILTER,
                ) -> tuple[dict[int, Candidate], dict[int, float], dict[str, Any]]:
    since = now - timedelta(days=FRESH_DAYS)
    unbounded = (select(*COLUMNS).where(Post.repost_of_id.is_(None), Post.author_id != viewer_id,
                                    visible_posts_clause(session, viewer_id)))
    if facets.active:  # every source draws from the filtered posts only
        unbounded = unbounded.where(filter_clause(facets))
    excluded = graph.muted_ids(session, viewer_id)
    if excluded:
        unbounded = unbounded.where(Post.author_id.not_in(excluded))
    base = unbounded.where(Post.created_at >= since, Post.created_at <= now)
    found: dict[int, Candidate] = {}
    info: dict[str, Any] = {"tags": {}, "trend_tags": {}}

    def add(posts: Iterable[Any], source: str) -> None:
        for p in posts:
            c = found.get(p.id)
            if c is None:
                c = Candidate(post_id=p.id, author_id=p.author_id, created_at=p.created_at,
                              tags=[*(p.hashtags or []), *(p.style_tags or [])],
                              likes=p.like_count, comments=p.comment_count, saves=p.save_count,
                              shares=p.share_count)
                found[p.id] = c
            c.sources.add(source)

    newest = (Post.created_at.desc(), Post.id.desc())
    following = graph.following_ids(session, viewer_id) - excluded
    if "following" in types and following:
        add(session.execute(base.where(Post.author_id.in_(following)).order_by(*newest)
                            .limit(PER_SOURCE)), "following")
    tags = followed_hashtags(session, viewer_id)
    if "hashtags" in types and tags:
        tagged = select(PostHashtag.post_id).where(PostHashtag.tag.in_(tags),
                                                   PostHashtag.created_at >= since)
        posts = list(session.execute(base.where(Post.id.in_(tagged)).order_by(*newest)
                                     .limit(PER_SOURCE)))
        add(posts, "hashtag")
        for p in posts:
            match = sorted({norm_tag(t) for t in p.hashtags or []} & set(tags))
            if match:
                info["tags"][p.id] = match[0]
    communities = _community_ids(session, viewer_id) if "communities" in types else []
    if communities:
        add(session.execute(base.where(Post.community_id.in_(communities)).order_by(*newest)
                            .limit(PER_SOURCE)), "community")
    # The hot pool: the best-scoring posts, read down the hot_score index (no time filter in SQL,
    # which would make the planner pick the created_at range and sort instead).
    hot = [p for p in session.execute(unbounded.where(Post.visibility == "public")
                                      .order_by(Post.hot_score.desc(), Post.id.desc())
                                      .limit(HOT_POOL))
           if since <= p.created_at <= now]
    compat: dict[int, float] = {}
    if "compatible" in types:
        pool_authors = {p.author_id for p in hot}
        compat = compatible_users(session, viewer_id, pool_authors - following - excluded)
        if compat:
            add(session.execute(base.where(Post.author_id.in_(compat)).order_by(*newest)
                                .limit(PER_SOURCE)), "compatible")
    if "trending" in types:
        trend_tags = list(session.scalars(select(Trend.term).where(
            Trend.is_active.is_(True), Trend.is_hidden.is_(False), Trend.category == "hashtag")
            .order_by(Trend.z_score.desc()).limit(20)))
        if trend_tags:
            tagged = select(PostHashtag.post_id).where(PostHashtag.tag.in_(trend_tags),
                                                       PostHashtag.created_at >= since)
            posts = list(session.execute(base.where(Post.id.in_(tagged)).order_by(*newest)
                                         .limit(PER_SOURCE // 2)))
            add(posts, "trending")
            for p in posts:
                match = [t for t in trend_tags if t in {norm_tag(x) for x in p.hashtags or []}]
                if match:
                    info["trend_tags"][p.id] = match[0]
        add(hot[:PER_SOURCE // 2], "trending")
    return found, compat, info


def _reason(c: Candidate, cards: dict[int, Any], info: dict[str, Any]) -> str:
    name = cards[c.author_id].username if c.author_id in cards else "someone"
    for source in SOURCE_ORDER:
        if source not in c.sources:
            continue
        if source == "following":
            return f"Because you follow @{name}"
        if source == "hashtag":
            return f"Because you follow #{info['tags'].get(c.post_id, 'a hashtag')}"
        if source == "community":
            return "From a community you joined"
        if source == "compatible":
            return f"@{name} shares your style"
        tag = info["trend_tags"].get(c.post_id)
        return f"Trending: #{tag}" if tag else "Popular right now"
    return "Suggested for you"


def ranked(session: Session, viewer_id: int, now: datetime,
           facets: PostFilter = NO_FILTER) -> list[Candidate]:
    """The whole ranked, diversified candidate list for the viewer at `now`, optionally only
    posts matching an outfit filter (content.filters)."""
    prefs = get_preferences(session, viewer_id)
    types = set(prefs.feed_types)
    if not prefs.show_trending:
        types.discard("trending")
    found, compat, info = _candidates(session, viewer_id, now, types, facets)
    fb = feedback_state(session, viewer_id)
    result = rank(found.values(), now=now, profile=style_profile(session, viewer_id), fb=fb,
                  interactions=interactions(session, viewer_id, now - timedelta(days=90)),
                  compat=compat, strength=prefs.personalization_strength)
    cards = author_cards(session, {c.author_id for c in result})
    for c in result:
        c.reason = _reason(c, cards, info)
    return result


def for_you_page(session: Session, viewer_id: int, cursor: str | None, limit: int,
                 now: datetime | None = None, facets: PostFilter = NO_FILTER,
                 ) -> tuple[list[FeedItem], str | None]:
    """One page of the ranked feed; the cursor pins the ranking time (pass the same filter
    for every page)."""
    if cursor:
        at, offset = decode_cursor(cursor)
    else:
        at, offset = (now or utcnow()), 0
    order = ranked(session, viewer_id, at, facets)
    chosen, end = _page_without_muted(session, viewer_id, order, offset, limit)
    posts = {p.id: p for p in session.scalars(select(Post).options(FEED_LOAD).where(
        Post.id.in_([c.post_id for c in chosen])))}
    built = items_for(session, viewer_id, [posts[c.post_id] for c in chosen if c.post_id in posts],
                      {c.post_id: c.reason for c in chosen},
                      scores={c.post_id: (round(c.score, 6), c.factors) for c in chosen})
    items = [built[c.post_id] for c in chosen if c.post_id in built]
    nxt = encode_cursor(at, end) if end < len(order) else None
    return items, nxt


def _page_without_muted(session: Session, viewer_id: int, order: list[Candidate], offset: int,
                        limit: int) -> tuple[list[Candidate], int]:
    """Up to `limit` candidates from `offset` on, skipping those with one of the viewer's muted
    words, and the position after the last one looked at (the next cursor's offset).

    Only the posts a page needs are checked (a batch at a time), not the whole ranked list.
    """
    muted = viewer_matcher(session, viewer_id)
    if muted is None:
        return order[offset:offset + limit], offset + limit
    chosen: list[Candidate] = []
    pos = offset
    while len(chosen) < limit and pos < len(order):
        batch = order[pos:pos + 2 * limit]
        hidden = muted_post_ids(session, muted, viewer_id, [c.post_id for c in batch])
        for c in batch:
            pos += 1
            if c.post_id not in hidden:
                chosen.append(c)
                if len(chosen) == limit:
                    break
    return chosen, pos
