"""The home timeline: posts and reposts of the accounts the viewer follows (and their own), newest
first, cursor-paged over `(created_at, id)`.

Two ways to find the candidates, one way to filter them:

* **computed** (embedded mode, and the fallback): one indexed query,
  `author_id IN (followed ∪ self) AND <visible> ORDER BY created_at DESC, id DESC LIMIT n`
  (the `(author_id, created_at)` index of `posts`).
* **redis** (scale mode): fan-out on write. `post.created` pushes the post into each follower's
  sorted set `tl:<user>` (score = creation time, member = zero-padded id, capped at
  `TIMELINE_CAP`); `post.deleted` removes it. Authors with more than `FANOUT_LIMIT` followers are
  not fanned out; their posts are merged in at read time (fan-out on read). A timeline is rebuilt
  from the database when the set of accounts the viewer follows changes (a fingerprint is kept
  beside the set), so follows and unfollows need no event.

Both hand the candidates to the same hydrate-and-filter step (visibility, blocks, mutes, hidden
authors, the viewer's muted words, the original of a repost), so they return the same pages; a
test compares them. The muted words are loaded once per request, in `viewer_context`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from tanvi_social.content.access import followed_authors_clause, visible_posts_clause
from tanvi_social.content.filters import NO_FILTER, PostFilter, filter_clause
from tanvi_social.content.models import Post
from tanvi_social.content.muting import TextMatcher, viewer_matcher
from tanvi_social.core.pagination import decode_cursor, encode_cursor
from tanvi_social.core.redis_pipe import run_commands
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration.feedback import feedback_state
from tanvi_social.inspiration.present import FEED_LOAD, items_for
from tanvi_social.inspiration.schemas import FeedItem
from tanvi_social.social import graph
from tanvi_social.social.models import Profile

log = logging.getLogger(__name__)

TIMELINE_CAP = 800
FANOUT_LIMIT = 5000
MAX_ROUNDS = 6
# Each read first looks this far back from its cursor (then wider): when the window already
# holds a full batch, those are the newest posts overall, and the database sorts only the
# window's rows instead of every post the followed accounts ever wrote.
WINDOWS: tuple[timedelta | None, ...] = (timedelta(days=1), timedelta(days=8),
                                         timedelta(days=64), None)

Entry = tuple[datetime, int]  # (created_at, post id)


@dataclass
class ViewerContext:
    viewer_id: int
    authors: list[int]  # fanned-out authors (followed, not celebrities) + self
    celebrities: list[int]  # followed authors read at request time
    fingerprint: str
    excluded: set[int]  # muted + hidden authors
    muted: TextMatcher | None = None  # the viewer's muted words (None: nothing muted)
    following: frozenset[int] = frozenset()  # accepted follows (authors + celebrities - self)


def _key(user_id: int) -> str:
    return f"tl:{user_id}"


def _member(post_id: int) -> str:
    return f"{post_id:012d}"


def _score(at: datetime) -> float:
    return at.timestamp()


def _from_score(score: float) -> datetime:
    return datetime.fromtimestamp(score, tz=UTC)


def _before(cursor: Entry | None) -> Any:
    if cursor is None:
        return True
    at, pid = cursor
    return or_(Post.created_at < at, and_(Post.created_at == at, Post.id < pid))


def viewer_context(session: Session, viewer_id: int) -> ViewerContext:
    """Who the viewer follows, split into fanned-out authors and celebrities, and who to drop."""
    followed, widely_followed = graph.following_split(session, viewer_id, FANOUT_LIMIT)
    following = sorted(followed)
    celebs = sorted(widely_followed)
    fanned = sorted({*following, viewer_id} - set(celebs))
    digest = hashlib.sha1(",".join(map(str, [*fanned, -1, *celebs])).encode(),
                          usedforsecurity=False).hexdigest()
    fb = feedback_state(session, viewer_id)
    excluded = graph.muted_ids(session, viewer_id) | fb.hidden_authors
    return ViewerContext(viewer_id, fanned, celebs, digest, excluded,
                         viewer_matcher(session, viewer_id), frozenset(following))


def candidate_entries(session: Session, authors: Sequence[int], cursor: Entry | None,
                      limit: int) -> list[Entry]:
    """Newest posts of these authors before the cursor (no visibility filter: ids only)."""
    if not authors:
        return []
    stmt = select(Post.created_at, Post.id).where(Post.author_id.in_(authors), _before(cursor),
                                                  Post.deleted_at.is_(None))
    return [(r[0], r[1]) for r in _newest(session, stmt, cursor, limit)]


def _newest(session: Session, stmt: Any, cursor: Entry | None, limit: int) -> list[Any]:
    """`stmt`'s newest `limit` rows before the cursor, by (created_at, id) descending, read
    through widening time windows (WINDOWS): the same rows as without them."""
    upper = cursor[0] if cursor is not None else utcnow()
    ordered = stmt.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)
    for window in WINDOWS:
        if window is None:
            return list(session.execute(ordered))
        rows = list(session.execute(ordered.where(Post.created_at >= upper - window)))
        if len(rows) == limit:
            return rows
    return []


def _page_from_posts(session: Session, ctx: ViewerContext, posts: Sequence[Post],
                     limit: int, items: list[FeedItem]) -> Entry | None:
    """Append visible items in order; return the entry of the last item taken when full."""
    built = items_for(session, ctx.viewer_id, posts, _reasons(posts),
                      hidden_authors=ctx.excluded, muted=ctx.muted)
    for p in posts:
        item = built.get(p.id)
        if item is None:
            continue
        items.append(item)
        if len(items) == limit:
            return (p.created_at, p.id)
    return None


def _reasons(posts: Sequence[Post]) -> dict[int, str]:
    return {p.id: "Reposted by someone you follow" if p.repost_of_id else
            "From someone you follow" for p in posts}


def _filtered_posts(session: Session, ctx: ViewerContext, ids: Sequence[int]) -> list[Post]:
    """The candidates the viewer may see, minus muted/hidden authors, in the given order."""
    if not ids:
        return []
    stmt = select(Post).options(FEED_LOAD).where(Post.id.in_(ids), Post.is_draft.is_(False),
                                                 visible_posts_clause(session, ctx.viewer_id))
    if ctx.excluded:
        stmt = stmt.where(Post.author_id.not_in(ctx.excluded))
    found = {p.id: p for p in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def computed_page(session: Session, viewer_id: int, cursor: str | None, limit: int,
                  facets: PostFilter = NO_FILTER, meta: dict[str, Any] | None = None
                  ) -> tuple[list[FeedItem], str | None]:
    """Embedded mode (and every filtered timeline): one indexed query per round (normally
    one round); an outfit filter is part of that query, a repost matching by its original.
    `meta["authors"]` is set to the accounts followed and the viewer (home_cache)."""
    ctx = viewer_context(session, viewer_id)
    if meta is not None:
        meta["authors"] = sorted({*ctx.authors, *ctx.celebrities})
    authors = sorted({*ctx.authors, *ctx.celebrities} - ctx.excluded)
    position = decode_cursor(cursor) if cursor else None
    items: list[FeedItem] = []
    if not authors:
        return items, None
    # every author is followed (or the viewer): the followers' form of the visibility rule
    clause = followed_authors_clause(session, viewer_id, ctx.following, authors)
    if facets.active:
        clause = and_(clause, filter_clause(facets, include_reposts=True))
    batch = limit + 1
    for _ in range(MAX_ROUNDS):
        posts = [row[0] for row in _newest(
            session, select(Post).options(FEED_LOAD).where(_before(position), clause),
            position, batch)]
        full_at = _page_from_posts(session, ctx, posts, limit, items)
        if full_at is not None:
            more = posts[-1].id != full_at[1] or len(posts) == batch
            return items, encode_cursor(*full_at) if more else None
        if len(posts) < batch:
            return items, None
        position = (posts[-1].created_at, posts[-1].id)
        batch = min(batch * 2, 200)
    return items, encode_cursor(*position) if position else None


def hydrate_page(session: Session, ctx: ViewerContext, entries: Sequence[Entry], limit: int,
                 items: list[FeedItem]) -> Entry | None:
    """Redis mode: filter and present candidate entries (already in timeline order)."""
    posts = _filtered_posts(session, ctx, [pid for _, pid in entries])
    return _page_from_posts(session, ctx, posts, limit, items)


# ------------------------------------------------------------------ redis (fan-out on write)
# the post's time and its author's follower count in one statement (built once)
_FAN_OUT_FACTS = (select(Post.created_at, Profile.followers_count)
                  .outerjoin(Profile, Profile.user_id == bindparam("author_id"))
                  .where(Post.id == bindparam("post_id")))


async def fan_out(platform: Any, post_id: int, author_id: int) -> int:
    """Push a new post into its author's and followers' timelines; returns timelines touched."""
    if platform.redis is None:
        return 0

    def load(session: Session) -> tuple[datetime | None, list[int]]:
        row = session.execute(_FAN_OUT_FACTS, {"post_id": post_id, "author_id": author_id}).first()
        if row is None:
            return None, []
        at, followers_count = row
        if (followers_count or 0) > FANOUT_LIMIT:
            return at, [author_id]
        return at, sorted(graph.follower_ids(session, author_id) | {author_id})

    at, targets = await platform.db.read(load)
    if at is None:
        return 0
    member, score = _member(post_id), _score(at)
    touched = 0
    for start in range(0, len(targets), 500):
        chunk = targets[start:start + 500]
        commands: list[tuple[Any, ...]] = []
        for uid in chunk:
            # Only timelines that exist are extended; a missing one is rebuilt on its next read.
            # GT: a draft published later moves up to its publication time (created_at)
            commands.append(("ZADD", _key(uid), "GT", score, member))
            commands.append(("ZREMRANGEBYRANK", _key(uid), 0, -(TIMELINE_CAP + 2)))
        await run_commands(platform, commands)  # one round trip per 500 timelines
        touched += len(chunk)
    return touched


async def fan_out_delete(platform: Any, post_id: int, author_id: int) -> None:
    """Remove a deleted post from every timeline it was pushed to."""
    redis = platform.redis
    if redis is None:
        return
    targets = await platform.db.read(
        lambda s: sorted(graph.follower_ids(s, author_id) | {author_id}))
    for start in range(0, len(targets), 500):
        pipe = redis.pipeline(transaction=False)
        for uid in targets[start:start + 500]:
            pipe.zrem(_key(uid), _member(post_id))
        await pipe.execute()


async def _ensure_built(platform: Any, ctx: ViewerContext) -> None:
    redis = platform.redis
    meta = f"{_key(ctx.viewer_id)}:v"
    if (await redis.get(meta)) == ctx.fingerprint.encode():
        return
    entries = await platform.db.read(candidate_entries, ctx.authors, None, TIMELINE_CAP)
    pipe = redis.pipeline(transaction=True)
    pipe.delete(_key(ctx.viewer_id))
    mapping = {_member(pid): _score(at) for at, pid in entries}
    mapping["0"] = 0.0  # sentinel: the set exists even when empty
    pipe.zadd(_key(ctx.viewer_id), mapping)
    pipe.set(meta, ctx.fingerprint)
    await pipe.execute()


async def _redis_entries(platform: Any, ctx: ViewerContext, cursor: Entry | None,
                         n: int) -> list[Entry]:
    """Up to n entries before the cursor from the set (the newest TIMELINE_CAP of them)."""
    redis = platform.redis
    max_score: str | float = "+inf" if cursor is None else _score(cursor[0])
    raw = await redis.zrevrangebyscore(_key(ctx.viewer_id), max_score, "(0", start=0,
                                       num=n + 50, withscores=True)
    out: list[Entry] = []
    for member, score in raw:
        pid = int(member)
        if cursor is not None and (score == _score(cursor[0]) and pid >= cursor[1]):
            continue
        out.append((_from_score(score), pid))
        if len(out) == n:
            break
    return out


async def redis_page(platform: Any, viewer_id: int, cursor: str | None, limit: int,
                     meta: dict[str, Any] | None = None) -> tuple[list[FeedItem], str | None]:
    """Scale mode: the fanned-out set plus celebrities' posts merged in at read time."""
    ctx = await platform.db.read(viewer_context, viewer_id)
    if meta is not None:
        meta["authors"] = sorted({*ctx.authors, *ctx.celebrities})
    await _ensure_built(platform, ctx)
    position = decode_cursor(cursor) if cursor else None
    items: list[FeedItem] = []
    batch = limit + 1
    for _ in range(MAX_ROUNDS):
        entries = await _redis_entries(platform, ctx, position, batch)
        if len(entries) < batch:
            # Past the oldest entry the capped set keeps: continue from the database.
            oldest = entries[-1] if entries else position
            tail = await platform.db.read(candidate_entries, ctx.authors, oldest,
                                          batch - len(entries))
            entries = [*entries, *tail]
        if ctx.celebrities:
            celeb = await platform.db.read(candidate_entries, ctx.celebrities, position, batch)
            entries = sorted({*entries, *celeb}, key=lambda e: (e[0], e[1]), reverse=True)[:batch]
        full_at = await platform.db.read(hydrate_page, ctx, entries, limit, items)
        if full_at is not None:
            more = entries[-1][1] != full_at[1] or len(entries) == batch
            return items, encode_cursor(*full_at) if more else None
        if len(entries) < batch:
            return items, None
        position = entries[-1]
        batch = min(batch * 2, 200)
    # Rounds exhausted (a long run of filtered entries): resume after the last one scanned.
    return items, encode_cursor(*position) if position else None


async def home_timeline(platform: Any, viewer_id: int, cursor: str | None, limit: int,
                        facets: PostFilter = NO_FILTER, meta: dict[str, Any] | None = None
                        ) -> tuple[list[FeedItem], str | None, str]:
    """The page, its next cursor and which path produced it ('redis' or 'computed').
    `meta["authors"]`: the accounts followed and the viewer, when given (home_cache).

    A filtered timeline is always computed: the filter belongs in the indexed query, whereas
    filtering the fanned-out set afterwards could scan all of it for a rare match.
    """
    if facets.active:
        items, nxt = await platform.db.read(computed_page, viewer_id, cursor, limit, facets)
        return items, nxt, "computed"
    if platform.redis is not None:
        try:
            items, nxt = await redis_page(platform, viewer_id, cursor, limit, meta)
            return items, nxt, "redis"
        except (ConnectionError, OSError, TimeoutError) as exc:
            log.warning("timeline redis unavailable, computing on read: %s", exc)
        except Exception as exc:  # redis.exceptions.* (connection, timeout)
            if type(exc).__module__.startswith("redis"):
                log.warning("timeline redis error, computing on read: %s", exc)
            else:
                raise
    items, nxt = await platform.db.read(computed_page, viewer_id, cursor, limit, NO_FILTER, meta)
    return items, nxt, "computed"
