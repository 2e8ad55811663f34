"""The cached listing: `GET /api/content/posts?sort=new` (no filters) with no SQL on a hit.

A page is assembled from cached pieces kept current by domain events (docs/content.md →
"Listing cache"):

* `posts:new:window` + `posts:new:version`: the newest `WINDOW_SIZE` posts any reader could see
  in this listing (published, not deleted, not `removed`), newest first by `(created_at, id)`,
  each as `[id, author, flags, created_at]` (flags: moderation state `visible`; `public` with a
  public author profile; `public` or `followers`; a community post). Shared by every reader and
  kept current in the writing request (write-through): `post.created`, `post.updated`,
  `post.deleted` and `post.moderated` re-read that one post and put it in its place or take it
  out (the create caches the new post's card and counters from its own read model first);
  `post.erased` and `profile.updated` rebuild the whole window. Each worker keeps the decoded
  window while `posts:new:version` is unchanged, so a hit reads only the small version key;
* per reader: `user:{id}:blocks` (the card cache's), `user:{id}:following` (accepted follows;
  deleted on follow, unfollow and block either way) and `user:{id}:mutes` (muted accounts and
  whether the reader muted any word; deleted on mute, unmute and muted-word changes);
* per post on the page: the card cache's `post:{id}:card`, `post:{id}:counts` and the reader's
  `user:{id}:vs:{bucket}`.

The visibility rule (`access.visible_posts_clause`) and the listing's muted-author rule are
applied to the window for each reader on every request. The full read (`service.list_posts`)
answers instead whenever the cache cannot say exactly the same: a reader who muted words (the
full read filters texts), a community post in the part of the window the page needs, a post on
the page the card cache does not serve (reposts, remixes, held or private own posts), a reader
whose visible posts in the window do not reach the capped `total`'s bound (core/pagination.py
`count_capped`: max(1,000, the end of the page) + 1), and any filter, other sort or draft list.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content import card_cache, service
from tanvi_social.content.models import ModerationState, Post, PostVisibility
from tanvi_social.content.schemas import PostRead
from tanvi_social.core import pagination
from tanvi_social.core.cache import INVALIDATION_REDELETE_S, store_unless_invalidated
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import as_utc, isoformat, utcnow
from tanvi_social.social import graph
from tanvi_social.social.models import Profile

log = logging.getLogger(__name__)

WINDOW_KEY = "posts:new:window"
VERSION_KEY = "posts:new:version"
WINDOW_SIZE = 2500  # ≥ COUNT_CAP + 1 visible posts for nearly every reader (85 % are public)
WINDOW_TTL = 300.0
READER_TTL = 300.0

VISIBLE, OPEN, AUDIENCE, COMMUNITY = 1, 2, 4, 8


def following_key(user_id: int) -> str:
    return f"user:{user_id}:following"


def mutes_key(user_id: int) -> str:
    return f"user:{user_id}:mutes"


# -- the window ------------------------------------------------------------------------------

_WINDOW = (select(Post.id, Post.author_id, Post.visibility, Post.moderation_state,
                  Post.community_id, Post.created_at, Profile.visibility)
           .outerjoin(Profile, Profile.user_id == Post.author_id)
           .where(Post.deleted_at.is_(None), Post.is_draft.is_(False),
                  Post.moderation_state != ModerationState.REMOVED.value)
           .order_by(Post.created_at.desc(), Post.id.desc()))


def _entry(pid: int, author: int, visibility: str, state: str, community: int | None,
           created_at: Any, profile_visibility: str | None) -> list[Any]:
    """`[id, author, flags, created_at as a POSIX timestamp]`."""
    flags = 0
    if state == ModerationState.VISIBLE.value:
        flags |= VISIBLE
    if visibility == PostVisibility.PUBLIC.value and profile_visibility in (None, "public"):
        flags |= OPEN
    if visibility in (PostVisibility.PUBLIC.value, PostVisibility.FOLLOWERS.value):
        flags |= AUDIENCE
    if community is not None:
        flags |= COMMUNITY
    return [pid, author, flags, as_utc(created_at).timestamp()]


def build_window(session: Session, version: str) -> bytes:
    """The whole window, from the database (one statement)."""
    rows = session.execute(_WINDOW.limit(WINDOW_SIZE + 1)).all()
    complete = len(rows) <= WINDOW_SIZE
    entries = [_entry(*row) for row in rows[:WINDOW_SIZE]]
    return orjson.dumps({"v": version, "complete": complete, "e": entries})


def post_entry(session: Session, post_id: int) -> list[Any] | None:
    """One post's window entry; None when it belongs in no listing (gone, draft, removed)."""
    row = session.execute(_WINDOW.where(Post.id == post_id)).first()
    return _entry(*row) if row is not None else None


def _apply(window: dict[str, Any], changes: dict[int, list[Any] | None], *,
           new: bool = False) -> None:
    """Put each post's entry in its place in the window (newest first by created_at, id), or
    take the post out (None). The window stays the newest posts: an entry older than the last
    one of an incomplete window is not in it. `new`: posts just created, which no window holds
    yet (no search for an old entry of them)."""
    entries = list(window["e"]) if new else [e for e in window["e"] if e[0] not in changes]
    for entry in changes.values():
        if entry is None:
            continue
        key = (entry[3], entry[0])
        pos = next((i for i, e in enumerate(entries) if (e[3], e[0]) < key), len(entries))
        if pos < len(entries) or window["complete"]:
            entries.insert(pos, entry)
    if len(entries) > WINDOW_SIZE:
        del entries[WINDOW_SIZE:]
        window["complete"] = False
    window["e"] = entries


@dataclass
class _Local:
    """This process's decoded window and the lock that orders its updates."""

    version: str | None = None
    window: dict[str, Any] | None = None
    lock: asyncio.Lock | None = None
    seq: int = 0  # updates started in this process
    applied: dict[int, int] = field(default_factory=dict)  # post id → seq of its last update
    full_applied: int = 0  # seq of the last whole rebuild
    later: asyncio.Task[None] | None = None
    invalidated_at: float = 0.0
    pending: set[asyncio.Task[None]] = field(default_factory=set)


def _local(cache: Any) -> _Local:
    found: _Local | None = getattr(cache, "_list_cache_local", None)
    if found is None:
        found = _Local()
        cache._list_cache_local = found
    return found


async def _store(platform: Any, local: _Local, window: dict[str, Any]) -> None:
    """Make `window` the current one. With the in-process cache only this process reads it, so
    only the version goes in the cache (its eviction or expiry still sends the next reader to a
    rebuild) and the window stays decoded here; a shared cache gets the window too."""
    version = uuid.uuid4().hex
    window["v"] = version
    if platform.cache.backend != "memory":
        await platform.cache.set(WINDOW_KEY, orjson.dumps(window), WINDOW_TTL)
    await platform.cache.set(VERSION_KEY, version.encode(), WINDOW_TTL)
    local.version, local.window = version, window


async def _current(platform: Any, local: _Local) -> dict[str, Any] | None:
    """A copy of the shared window to update: this process's decoded one while the cached
    version is still its own (no transfer, no decoding), else the cached one."""
    version = await platform.cache.get(VERSION_KEY)
    if version is None:
        return None
    if local.window is not None and local.version == version.decode():
        return {**local.window}
    raw = await platform.cache.get(WINDOW_KEY)
    return orjson.loads(raw) if raw is not None else None


async def _full(platform: Any, local: _Local) -> None:
    raw = await platform.db.read(build_window, "")
    await _store(platform, local, orjson.loads(raw))


async def refresh_window(platform: Any, post_id: int | None = None) -> None:
    """After a committed write: put the post's current entry in the window (`post_id`, read
    from the database), or rebuild the whole window (None)."""
    await _update(platform, [post_id] if post_id is not None else [])


async def _update(platform: Any, post_ids: list[int],
                  created: dict[int, list[Any] | None] | None = None,
                  before_apply: Callable[[], Awaitable[None]] | None = None) -> None:
    """Put these posts' entries in the window, or rebuild it (no ids). `created`: posts just
    created, with the entries their create built from the committed values (no read; it also
    says no window holds them yet); `before_apply` runs before they go in.

    Each update reads the database after its commit, outside the lock that orders the updates
    of one process (concurrent creates do not queue behind each other's reads); an update whose
    read started before a newer one of the same post, or before a whole rebuild, was applied is
    dropped (the newer read has its change), so a post deleted right after it was created never
    comes back. With a shared cache (several workers) the whole window is rebuilt once more
    INVALIDATION_REDELETE_S later: two workers updating it at the same moment can each store
    a window without the other's change, for at most that long."""
    local = _local(platform.cache)
    if local.lock is None:
        local.lock = asyncio.Lock()
    local.invalidated_at = time.monotonic()
    seqs: dict[int, int] = {}
    for post_id in post_ids:
        local.seq += 1
        seqs[post_id] = local.seq
    try:
        changes = created if created is not None else {
            post_id: await platform.db.read(post_entry, post_id) for post_id in post_ids}
        if before_apply is not None:
            await before_apply()
        async with local.lock:
            stored = False
            if post_ids:
                changes = {pid: e for pid, e in changes.items()
                           if max(local.applied.get(pid, 0), local.full_applied) <= seqs[pid]}
                if not changes:
                    return
                window = await _current(platform, local)
                if window is not None:
                    _apply(window, changes, new=created is not None)
                    if window["complete"] or len(window["e"]) >= WINDOW_SIZE * 9 // 10:
                        await _store(platform, local, window)
                        for post_id in changes:
                            local.applied[post_id] = seqs[post_id]
                        stored = True
            if not stored:
                local.seq += 1
                full = local.seq
                await _full(platform, local)
                local.full_applied = full
            if len(local.applied) > 10_000:
                local.applied = {k: v for k, v in local.applied.items() if v > local.seq - 1000}
    except Exception:
        local.version = local.window = None
        await platform.cache.delete(VERSION_KEY, WINDOW_KEY)
        raise
    if platform.cache.backend != "memory" and (local.later is None or local.later.done()):
        async def again() -> None:
            await asyncio.sleep(INVALIDATION_REDELETE_S)
            await refresh_window(platform)

        local.later = asyncio.get_running_loop().create_task(again())
        local.pending.add(local.later)
        local.later.add_done_callback(local.pending.discard)


async def _window(platform: Any, version: bytes | None) -> tuple[dict[str, Any], bool]:
    """The window and whether it came from the cache."""
    local = _local(platform.cache)
    if version is not None and local.window is not None and \
            local.version == version.decode():
        return local.window, True
    if version is not None:
        raw = await platform.cache.get(WINDOW_KEY)
        if raw is not None:
            window = orjson.loads(raw)
            local.version, local.window = window["v"], window
            return window, True
    started = time.monotonic()
    raw = await platform.db.read(build_window, "")
    window = orjson.loads(raw)
    if local.invalidated_at < started and (local.lock is None or not local.lock.locked()):
        await _store(platform, local, window)
    return window, False


_creating: ContextVar[bool] = ContextVar("list_cache_creating", default=False)


@contextmanager
def creating() -> Iterator[None]:
    """Around `POST /posts`: its `post.created` consumer leaves the window to `created` (which
    caches the new card first, so no reader finds the post in the window without its card)."""
    token = _creating.set(True)
    try:
        yield
    finally:
        _creating.reset(token)


def creating_now() -> bool:
    return _creating.get()


async def created(platform: Any, posts: Sequence[service.Created], started: float) -> None:
    """After `POST /posts` committed (one create, or a batch of them: content/create_batch.py):
    cache each new post's card and counters (when the card cache serves it), then put the posts
    in the window, in one update. Each `Created.post` is the PostRead its create returned, built
    for its author with no reader state yet: the card is that read model without counters and
    `viewer`, which is what `card_cache.card_entry` builds; `pub` (the author's profile is
    public, which matters only for a `public` post) and the window entry come from it and the
    author's profile visibility the create read in its unit of work (no read here)."""
    entries: dict[int, list[Any] | None] = {}
    reads: list[PostRead] = []
    for c in posts:
        post = c.post
        if post.is_draft:
            continue  # not listed, and no post.created
        listed = post.moderation_state != ModerationState.REMOVED.value
        entries[post.id] = _entry(post.id, post.author.id, post.visibility,
                                  post.moderation_state, post.community_id, post.created_at,
                                  c.profile_visibility) if listed else None
        reads.append(post)
    if not entries:
        return

    async def cache_cards() -> None:
        for post in reads:
            await _cache_card(platform, post, entries[post.id], started)

    try:
        await _update(platform, list(entries), entries, before_apply=cache_cards)
    except Exception:  # as an event consumer's failure: logged, never failing the create
        log.exception("listing window update after a create failed")


async def _cache_card(platform: Any, post: PostRead, entry: list[Any] | None,
                      started: float) -> None:
    if (entry is None or post.moderation_state != ModerationState.VISIBLE.value
            or post.visibility not in (PostVisibility.PUBLIC.value,
                                       PostVisibility.FOLLOWERS.value)
            or post.community_id is not None or post.repost_of_id is not None
            or post.remix_of_id is not None):
        return
    card = post.model_dump(mode="json")
    counts = {name: card.pop(name) for name in card_cache.COUNTERS}
    counts["remix_count"] = counts["remix_count"] or 0
    card.pop("viewer", None)
    facts = {"a": post.author.id, "v": post.visibility, "pub": bool(entry[2] & OPEN)}
    await store_unless_invalidated(platform.cache, card_cache.card_key(post.id),
                                   orjson.dumps({"m": facts, "c": card}),
                                   card_cache.CARD_TTL, started)
    await store_unless_invalidated(platform.cache, card_cache.counts_key(post.id),
                                   orjson.dumps(counts), card_cache.CARD_TTL, started)


# -- the reader's pieces -----------------------------------------------------------------------

def reader_pieces(session: Session, viewer_id: int, *, blocks: bool, following: bool,
                  mutes: bool) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if blocks:
        out["blocks"] = orjson.dumps(sorted(graph.blocked_ids(session, viewer_id)))
    if following:
        out["following"] = orjson.dumps(sorted(graph.following_ids(session, viewer_id)))
    if mutes:
        from tanvi_social.content.muting import viewer_matcher

        out["mutes"] = orjson.dumps({"a": sorted(graph.muted_ids(session, viewer_id)),
                                     "w": viewer_matcher(session, viewer_id) is not None})
    return out


_COUNTS = select(Post.id, Post.like_count, Post.comment_count, Post.share_count,
                 Post.save_count, Post.remix_count, Post.hot_score)


def page_pieces(session: Session, viewer_id: int | None, cards: list[int], counts: list[int],
                buckets: list[int], base_url: str) -> dict[str, Any] | None:
    """Missing cards, counters and reader state buckets in one unit of work, batched (the same
    number of statements for 2 posts as for 20); None when a post of the page is gone or not
    servable from the card cache (the full read answers)."""
    out: dict[str, Any] = {"cards": {}, "counts": {}, "states": {}}
    if cards:
        posts = session.scalars(select(Post).where(Post.id.in_(cards))).all()
        if len(posts) != len(set(cards)) or not all(card_cache.servable(p) for p in posts):
            return None
        authors = sorted({p.author_id for p in posts})
        closed = set(session.scalars(select(Profile.user_id).where(
            Profile.user_id.in_(authors), Profile.visibility != "public")))
        reads = service.build_post_reads(session, None, posts, base_url=base_url, fresh=True)
        for post, read in zip(posts, reads, strict=True):
            card = read.model_dump(mode="json")
            for name in (*card_cache.COUNTERS, "viewer"):
                card.pop(name, None)
            facts = {"a": post.author_id, "v": post.visibility,
                     "pub": post.author_id not in closed}
            out["cards"][post.id] = orjson.dumps({"m": facts, "c": card})
    if counts:
        rows = {r[0]: r for r in session.execute(_COUNTS.where(Post.id.in_(counts)))}
        if len(rows) != len(set(counts)):
            return None
        for pid, row in rows.items():
            out["counts"][pid] = orjson.dumps({
                "like_count": row[1], "comment_count": row[2], "share_count": row[3],
                "save_count": row[4], "remix_count": row[5] or 0, "hot_score": row[6]})
    if viewer_id is not None:
        for bucket in buckets:
            raw = card_cache.state_bucket(session, viewer_id, bucket << card_cache.BUCKET_BITS)
            if raw is None:
                return None
            out["states"][bucket] = raw
    return out


# -- serving -----------------------------------------------------------------------------------

@dataclass
class Served:
    body: bytes
    hit: bool


def reader_keys(viewer_id: int | None) -> list[str]:
    keys = [VERSION_KEY]
    if viewer_id is not None:
        keys += [card_cache.blocks_key(viewer_id), following_key(viewer_id),
                 mutes_key(viewer_id)]
    return keys


def _select(window: dict[str, Any], viewer_id: int | None, blocked: set[int],
            following: set[int], muted: set[int], page: PageParams) -> tuple[list[int], int] | None:
    """The page's post ids and the capped total, or None when the window cannot tell."""
    bound = max(pagination.COUNT_CAP, page.offset + page.per_page)  # as count_capped
    first, end = page.offset, page.offset + page.per_page
    count = 0
    ids: list[int] = []
    for pid, author, flags, _created in window["e"]:
        if author != viewer_id:
            if not flags & VISIBLE:
                continue
            if flags & COMMUNITY:
                return None  # community visibility is per reader: the full read decides
            if author in blocked or author in muted:
                continue
            if not (flags & OPEN or (flags & AUDIENCE and author in following)):
                continue
        if first <= count < end:
            ids.append(pid)
        count += 1
        if count > bound:
            return ids, count
    if not window["complete"]:
        return None
    return ids, count


async def serve(platform: Any, viewer_id: int | None, page: PageParams,
                base_url: str) -> Served | None:
    """The body of the first pages of `GET /posts?sort=new` from the cache, or None when the
    full read must answer (see the module docstring)."""
    cache = platform.cache
    hit = True
    values = await cache.get_many(*reader_keys(viewer_id))
    window, from_cache = await _window(platform, values[0])
    hit = hit and from_cache
    blocked: set[int] = set()
    following: set[int] = set()
    muted: set[int] = set()
    if viewer_id is not None:
        blocks_raw, following_raw, mutes_raw = values[1], values[2], values[3]
        if blocks_raw is None or following_raw is None or mutes_raw is None:
            hit = False
            started = time.monotonic()
            got = await platform.db.read(reader_pieces, viewer_id, blocks=blocks_raw is None,
                                         following=following_raw is None,
                                         mutes=mutes_raw is None)
            for name, key in (("blocks", card_cache.blocks_key(viewer_id)),
                              ("following", following_key(viewer_id)),
                              ("mutes", mutes_key(viewer_id))):
                if name in got:
                    await store_unless_invalidated(cache, key, got[name], READER_TTL, started)
            blocks_raw = got.get("blocks", blocks_raw)
            following_raw = got.get("following", following_raw)
            mutes_raw = got.get("mutes", mutes_raw)
        assert blocks_raw is not None
        assert following_raw is not None
        assert mutes_raw is not None
        mutes = orjson.loads(mutes_raw)
        if mutes["w"]:
            return None  # muted words filter texts: the full read
        blocked, following, muted = (set(orjson.loads(blocks_raw)),
                                     set(orjson.loads(following_raw)), set(mutes["a"]))
    selected = _select(window, viewer_id, blocked, following, muted, page)
    if selected is None:
        return None
    ids, total = selected
    buckets = sorted({card_cache.bucket_of(pid) for pid in ids}) if viewer_id is not None \
        else []
    keys = [k for pid in ids for k in (card_cache.card_key(pid), card_cache.counts_key(pid))]
    if viewer_id is not None:
        keys += [card_cache.bucket_key(viewer_id, b) for b in buckets]
    raw = await cache.get_many(*keys) if keys else []
    cards = {pid: raw[2 * i] for i, pid in enumerate(ids)}
    counts = {pid: raw[2 * i + 1] for i, pid in enumerate(ids)}
    states = {b: raw[2 * len(ids) + i] for i, b in enumerate(buckets)}
    if any(v == b"" for v in cards.values()):
        return None
    missing_cards = [pid for pid, v in cards.items() if v is None]
    missing_counts = [pid for pid, v in counts.items() if v is None]
    missing_states = [b for b, v in states.items() if v is None]
    if missing_cards or missing_counts or missing_states:
        hit = False
        started = time.monotonic()
        got_page = await platform.db.read(page_pieces, viewer_id, missing_cards,
                                          missing_counts, missing_states, base_url)
        if got_page is None:
            return None
        for pid, value in got_page["cards"].items():
            cards[pid] = value
            await store_unless_invalidated(cache, card_cache.card_key(pid), value,
                                           card_cache.CARD_TTL, started)
        for pid, value in got_page["counts"].items():
            counts[pid] = value
            await store_unless_invalidated(cache, card_cache.counts_key(pid), value,
                                           card_cache.CARD_TTL, started)
        for b, value in got_page["states"].items():
            states[b] = value
            assert viewer_id is not None
            await store_unless_invalidated(cache, card_cache.bucket_key(viewer_id, b), value,
                                           card_cache.STATE_TTL, started)
    posts = []
    decoded_states = {b: orjson.loads(v) for b, v in states.items() if v is not None}
    for pid in ids:
        card_raw, counts_raw = cards[pid], counts[pid]
        assert card_raw is not None
        assert counts_raw is not None
        card = orjson.loads(card_raw)["c"]
        card.update(orjson.loads(counts_raw))
        if viewer_id is None:
            card["viewer"] = {"liked": False, "like_type": None, "saved": False,
                              "shared": False}
        else:
            card["viewer"] = card_cache._state_of(decoded_states[card_cache.bucket_of(pid)],
                                                  pid)
        posts.append(card)
    pages = -(-total // page.per_page) if total else 0
    body = orjson.dumps({
        "success": True, "message": None, "timestamp": isoformat(utcnow()), "posts": posts,
        "pagination": {"page": page.page, "per_page": page.per_page, "total": total,
                       "pages": pages, "has_next": page.page < pages,
                       "has_prev": page.page > 1}})
    return Served(body, hit)
