"""The home timeline's first page from cached pieces: no SQL on a hit.

A computed first page (`timeline.home_timeline`, either path) leaves its post ids behind under
`feed:{viewer}:home`, with the set of authors the viewer follows (and the viewer) and the wall
time its read started. The next first page of that viewer is assembled from:

* that entry list;
* one stamp per followed author, `tlstamp:{author}`: the wall time of the author's last post
  created, edited or deleted (`post.created` / `post.updated` / `post.deleted`). A stamp newer than
  the list's read means the list may miss or show a post it should not: the page is computed again;
* each post's card and counters from the post card cache (`content.card_cache`: `post:{id}:card`,
  `post:{id}:counts`), kept current by their own events (edit, delete, moderation, erasure,
  re-analysis, the author's profile, likes…). A post whose card is not servable from that cache
  (gone, moderated, private, a community post, a repost) sends the page to the full computation;
  so does a card whose author is not in the list's authors or whose visibility is not `public` or
  `followers`;
* the viewer's own private posts (which the post card cache does not keep: only their author may
  see them) are kept in the list itself, without their counters (read from `post:{id}:counts`);
  they change with the viewer's own post events (the viewer is one of the list's authors), their
  moderation (`post.moderated` stamps the author) and the viewer's profile (`profile.updated`
  drops the list).

The list is deleted (`invalidate`) by every change on the viewer's side that changes which posts
they may or want to see: follow, unfollow (and approvals, removals), block and unblock of either
side, mute and unmute, muted words, and feed feedback (hide an author). Stamps outlive every list
(`STAMP_TTL` > `HOME_TTL`), and both are read in the same round trip as the cards (one `MGET` on
Redis). Only the first page of an unfiltered timeline is cached; cursors and outfit filters are
always computed.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content import card_cache
from tanvi_social.content.models import Post, PostVisibility
from tanvi_social.core.cache import invalidate, store_unless_invalidated
from tanvi_social.core.time import isoformat, utcnow
from tanvi_social.inspiration.schemas import FeedItem, FeedPost

HOME_TTL = 120.0  # events keep the list current; the TTL only bounds a lost invalidation
STAMP_TTL = 2 * HOME_TTL + 60.0  # a stamp outlives every list built before it
MAX_AUTHORS = 2000  # viewers following more are always computed (one stamp per author)
REASON = "From someone you follow"
SHOWN = (PostVisibility.PUBLIC.value, PostVisibility.FOLLOWERS.value)
COUNTERS = ("like_count", "comment_count", "share_count", "save_count")


def home_key(viewer_id: int) -> str:
    return f"feed:{viewer_id}:home"


def stamp_key(author_id: int) -> str:
    return f"tlstamp:{author_id}"


async def author_changed(platform: Any, author_id: int) -> None:
    """A post of this author was created, edited or deleted (after its commit)."""
    await platform.cache.set(stamp_key(author_id), repr(time.time()).encode(), STAMP_TTL)


def author_of(session: Session, post_id: int) -> int | None:
    return session.scalar(select(Post.author_id).where(Post.id == post_id))


async def post_moderated(platform: Any, post_id: int) -> None:
    """A moderation decision: the author's own feed shows their posts unless removed."""
    author_id = await platform.db.read(author_of, post_id)
    if author_id is not None:
        await author_changed(platform, author_id)


async def viewer_changed(platform: Any, *viewer_ids: int) -> None:
    """What these viewers may or want to see changed: drop their cached lists."""
    await invalidate(platform, *(home_key(v) for v in viewer_ids))


async def remember(platform: Any, viewer_id: int, limit: int, started_wall: float,
                   started: float, items: list[FeedItem], authors: list[int] | None,
                   next_cursor: str | None, source: str) -> None:
    """Keep a computed first page's post ids (`started_wall`: `time.time()` and `started`:
    `time.monotonic()`, both taken before the page's first read)."""
    if authors is None or len(authors) > MAX_AUTHORS or any(i.type != "post" for i in items):
        return
    own = {str(i.post.id): i.post.model_dump(mode="json", exclude=set(COUNTERS))
           for i in items if i.post.author is not None and i.post.author.id == viewer_id
           and i.post.visibility == PostVisibility.PRIVATE.value}
    entry = orjson.dumps({"at": started_wall, "limit": limit, "authors": authors,
                          "ids": [i.post.id for i in items], "own": own, "next": next_cursor,
                          "src": source})
    await store_unless_invalidated(platform, home_key(viewer_id), entry, HOME_TTL, started)


def _feed_post(card: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    """`FeedPost` (inspiration.schemas) from a post card and its counters."""
    media = card.get("media") or []
    return {"id": card["id"], "author": card["author"], "caption": card["caption"],
            "hashtags": card["hashtags"], "style_tags": card["style_tags"],
            "visibility": card["visibility"], "community_id": card["community_id"],
            "like_count": counts["like_count"], "comment_count": counts["comment_count"],
            "share_count": counts["share_count"], "save_count": counts["save_count"],
            "created_at": card["created_at"],
            "image_url": media[0]["urls"]["feed"] if media else None}


async def serve(platform: Any, viewer_id: int, limit: int, base_url: str) -> bytes | None:
    """The response body of the first page from the cache, or None when it must be computed."""
    cache = platform.cache
    raw = await cache.get(home_key(viewer_id))
    if raw is None:
        return None
    entry = orjson.loads(raw)
    if entry["limit"] != limit:
        return None
    authors: list[int] = entry["authors"]
    own: dict[str, Any] = entry["own"]
    ids: list[int] = [pid for pid in entry["ids"] if str(pid) not in own]
    own_ids = [int(pid) for pid in own]
    n_a, n_i = len(authors), len(ids)
    values = await cache.get_many(*(stamp_key(a) for a in authors),
                                  *(card_cache.card_key(i) for i in ids),
                                  *(card_cache.counts_key(i) for i in ids),
                                  *(card_cache.counts_key(i) for i in own_ids))
    built_at = float(entry["at"])
    if any(s is not None and float(s) >= built_at for s in values[:n_a]):
        return None  # a followed author posted, edited or deleted since the list was read
    cards = values[n_a:n_a + n_i]
    counts = values[n_a + n_i:n_a + 2 * n_i]
    own_counts = dict(zip(own_ids, values[n_a + 2 * n_i:], strict=True))
    if any(v is None for v in own_counts.values()):
        started = time.monotonic()
        for pid in [p for p, v in own_counts.items() if v is None]:
            got = await platform.db.read(card_cache.counts_bytes, pid)
            if got is None:
                return None
            await store_unless_invalidated(cache, card_cache.counts_key(pid), got,
                                           card_cache.CARD_TTL, started)
            own_counts[pid] = got
    missing = [pid for pid, c, k in zip(ids, cards, counts, strict=True)
               if c is None or k is None]
    if missing:
        started = time.monotonic()
        loaded = await platform.db.read(card_cache.load_many, missing, base_url)
        for pid, (card_raw, counts_raw) in loaded.items():
            if not card_raw or counts_raw is None:
                return None  # gone or not servable from the card cache: compute the page
            await store_unless_invalidated(cache, card_cache.card_key(pid), card_raw,
                                           card_cache.CARD_TTL, started)
            await store_unless_invalidated(cache, card_cache.counts_key(pid), counts_raw,
                                           card_cache.CARD_TTL, started)
        at = {pid: n for n, pid in enumerate(ids)}
        for pid, (card_raw, counts_raw) in loaded.items():
            cards[at[pid]], counts[at[pid]] = card_raw, counts_raw
    followed = set(authors)
    posts: dict[int, dict[str, Any]] = {}
    for pid, card_raw, counts_raw in zip(ids, cards, counts, strict=True):
        assert card_raw is not None
        assert counts_raw is not None
        card = orjson.loads(card_raw)
        facts = card["m"]
        if facts["a"] not in followed or facts["v"] not in SHOWN:
            return None
        posts[pid] = _feed_post(card["c"], orjson.loads(counts_raw))
    for pid, counts_raw in own_counts.items():
        assert counts_raw is not None
        numbers = orjson.loads(counts_raw)
        merged = {**own[str(pid)], **{k: numbers[k] for k in COUNTERS}}
        posts[pid] = {k: merged[k] for k in FeedPost.model_fields}
    items = [{"post": posts[pid], "type": "post", "reposted_by": None, "reposted_at": None,
              "reason": REASON, "score": None, "factors": None} for pid in entry["ids"]]
    return orjson.dumps({"success": True, "message": None, "timestamp": isoformat(utcnow()),
                         "items": items, "next_cursor": entry["next"], "source": entry["src"]})
