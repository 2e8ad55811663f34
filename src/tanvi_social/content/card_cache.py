"""The cached post card: `GET /api/content/posts/{id}` with no SQL on a cache hit.

A card response is assembled from small cached pieces, each kept current by the domain events of
the writes that change it (docs/content.md → "Post card cache"):

* `post:{id}:card`: the reader-independent card (no counters, no `viewer`) and the facts the
  visibility rule reads (author, visibility, the author's profile visibility); deleted on post
  edit, delete, moderation, erasure and re-analysis, on the author's profile change and on an
  image's alt text change;
* `post:{id}:counts`: likes, comments, shares, saves, remixes, hot score; re-read (write-through)
  on every counter change, so a like does not drop the card;
* `user:{id}:blocks`: everyone the reader blocked or was blocked by; deleted on block and
  unblock of either side;
* `user:{v}:follows:{a}`: whether `v` follows `a` (accepted), read only for followers-only
  posts and non-public authors; deleted on follow, unfollow, approval, removal and block;
* `user:{id}:vs:{bucket}`: the reader's own reactions, saves and shares on the posts of ids
  `bucket * 4096 …`; re-read (write-through) when that reader likes, unlikes, saves, unsaves,
  shares or loses a share.

Session validity (logout, password change, token version, ban) is checked before this, by the
cached auth state of `accounts.deps`, as for every request.

Only "plain" posts are served here: published, moderation state `visible`, not deleted, `public`
or `followers`, outside communities, and whose card embeds no other post (reposts and remixes
show the reader only the originals they may see). Everything else goes through the full read
(`service.get_post`), which applies `access.can_view_post` as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tanvi_social.content import service
from tanvi_social.content.access import _author_profile_public
from tanvi_social.content.models import (
    ModerationState,
    Post,
    PostMedia,
    PostVisibility,
    Reaction,
    Save,
    Share,
)
from tanvi_social.core.cache import refresh, store_unless_invalidated
from tanvi_social.core.errors import NotFound
from tanvi_social.core.time import isoformat, utcnow
from tanvi_social.social import graph

CARD_TTL = 300.0  # events keep every piece current; the TTL only bounds a lost invalidation
STATE_TTL = 300.0
BUCKET_BITS = 12  # a reader's own state is cached per 4,096 consecutive post ids
BUCKET_CAP = 2000  # states per bucket beyond which a reader's bucket is not cached
COUNTERS = ("like_count", "comment_count", "share_count", "save_count", "remix_count",
            "hot_score")


def card_key(post_id: int) -> str:
    return f"post:{post_id}:card"


def counts_key(post_id: int) -> str:
    return f"post:{post_id}:counts"


def blocks_key(user_id: int) -> str:
    return f"user:{user_id}:blocks"


def follows_key(viewer_id: int, author_id: int) -> str:
    return f"user:{viewer_id}:follows:{author_id}"


def bucket_of(post_id: int) -> int:
    return post_id >> BUCKET_BITS


def bucket_key(viewer_id: int, bucket: int) -> str:
    return f"user:{viewer_id}:vs:{bucket}"


def state_key(viewer_id: int, post_id: int) -> str:
    return bucket_key(viewer_id, bucket_of(post_id))


# -- reading the pieces from the database (misses) --------------------------------------------

def servable(post: Post) -> bool:
    """Whether the post's card can be served by the cached path (see the module docstring)."""
    return (post.deleted_at is None and not post.is_draft
            and post.moderation_state == ModerationState.VISIBLE.value
            and post.visibility in (PostVisibility.PUBLIC.value, PostVisibility.FOLLOWERS.value)
            and post.community_id is None and service.card_is_shared(post))


def _counts(post: Post) -> dict[str, Any]:
    return {"like_count": post.like_count, "comment_count": post.comment_count,
            "share_count": post.share_count, "save_count": post.save_count,
            "remix_count": post.remix_count or 0, "hot_score": post.hot_score}


def card_entry(session: Session, post: Post, base_url: str) -> bytes:
    """`{"m": facts, "c": card}` for a servable post."""
    return card_entries(session, [post], base_url)[0]


def card_entries(session: Session, posts: list[Post], base_url: str) -> list[bytes]:
    """`card_entry` of several servable posts, their cards built in one batch."""
    reads = service.build_post_reads(session, None, posts, base_url=base_url, fresh=True)
    public: dict[int, bool] = {}
    out: list[bytes] = []
    for post, read in zip(posts, reads, strict=True):
        card = read.model_dump(mode="json")
        for name in (*COUNTERS, "viewer"):
            card.pop(name, None)
        if post.author_id not in public:
            public[post.author_id] = _author_profile_public(session, post.author_id)
        facts = {"a": post.author_id, "v": post.visibility, "pub": public[post.author_id]}
        out.append(orjson.dumps({"m": facts, "c": card}))
    return out


def load_many(session: Session, post_ids: list[int],
              base_url: str) -> dict[int, tuple[bytes, bytes | None]]:
    """(card entry, counters) of each post, in one unit of work, for a page of cards (the home
    timeline). The entry is b"" for a post that is gone or not servable from the cache."""
    posts = list(session.scalars(select(Post).where(Post.id.in_(post_ids))))
    found = {p.id: p for p in posts}
    plain = [p for p in posts if servable(p)]
    entries = dict(zip([p.id for p in plain], card_entries(session, plain, base_url),
                       strict=True)) if plain else {}
    return {pid: (entries.get(pid, b""),
                  orjson.dumps(_counts(found[pid])) if pid in found else None)
            for pid in post_ids}


_COUNTS = select(Post.like_count, Post.comment_count, Post.share_count, Post.save_count,
                 Post.remix_count, Post.hot_score).where(Post.id == bindparam("post_id"))


def counts_bytes(session: Session, post_id: int) -> bytes | None:
    """The post's counters in one single-row read (None when the post is gone)."""
    row = session.execute(_COUNTS, {"post_id": post_id}).first()
    if row is None:
        return None
    return orjson.dumps({"like_count": row[0], "comment_count": row[1], "share_count": row[2],
                         "save_count": row[3], "remix_count": row[4] or 0,
                         "hot_score": row[5]})


_BUCKET_REACTIONS = select(Reaction.post_id, Reaction.reaction_type).where(
    Reaction.user_id == bindparam("user"), Reaction.post_id.between(bindparam("lo"),
                                                                    bindparam("hi")))
_BUCKET_SAVES = select(Save.post_id).where(
    Save.user_id == bindparam("user"), Save.post_id.between(bindparam("lo"), bindparam("hi")))
_BUCKET_SHARES = select(Share.post_id).where(
    Share.user_id == bindparam("user"), Share.post_id.between(bindparam("lo"), bindparam("hi"))
).distinct()


def state_bucket(session: Session, viewer_id: int, post_id: int) -> bytes | None:
    """The reader's reactions, saves and shares on the posts of `post_id`'s bucket, or None when
    there are too many to cache (the caller then reads the one post's state)."""
    lo = bucket_of(post_id) << BUCKET_BITS
    args = {"user": viewer_id, "lo": lo, "hi": lo + (1 << BUCKET_BITS) - 1}
    reactions = {str(pid): kind for pid, kind in session.execute(_BUCKET_REACTIONS, args)}
    saves = [int(pid) for pid in session.scalars(_BUCKET_SAVES, args)]
    shares = [int(pid) for pid in session.scalars(_BUCKET_SHARES, args)]
    if len(reactions) + len(saves) + len(shares) > BUCKET_CAP:
        return None
    return orjson.dumps({"r": reactions, "s": saves, "h": shares})


def _state_of(bucket: dict[str, Any], post_id: int) -> dict[str, Any]:
    kind = bucket["r"].get(str(post_id))
    return {"liked": kind is not None, "like_type": kind, "saved": post_id in bucket["s"],
            "shared": post_id in bucket["h"]}


@dataclass
class Loaded:
    card: bytes | None = None  # b"" when the post exists but is not servable from the cache
    counts: bytes | None = None
    blocks: bytes | None = None
    state: bytes | None = None
    state_direct: dict[str, Any] | None = None  # bucket too big: this post's state only
    follows: bytes | None = None


def load(session: Session, post_id: int, viewer_id: int | None, *, card: bool, counts: bool,
         blocks: bool, state: bool, follows_of: int | None, base_url: str) -> Loaded:
    """Every missing piece in one unit of work. `follows_of`: the author, when the card is known
    and the rule needs the follow; with `card` the follow is read here if the rule needs it."""
    out = Loaded()
    if card:
        post = session.get(Post, post_id)
        if post is None:
            raise NotFound("Post not found", code="post_not_found")
        if not servable(post):
            out.card = b""
            return out
        out.card = card_entry(session, post, base_url)
        if counts:
            out.counts = orjson.dumps(_counts(post))
        if viewer_id is not None and viewer_id != post.author_id:
            facts = orjson.loads(out.card)["m"]
            if not (facts["v"] == PostVisibility.PUBLIC.value and facts["pub"]):
                follows_of = post.author_id
    elif counts:
        out.counts = counts_bytes(session, post_id)
        if out.counts is None:
            raise NotFound("Post not found", code="post_not_found")
    if viewer_id is not None:
        if blocks:
            out.blocks = orjson.dumps(sorted(graph.blocked_ids(session, viewer_id)))
        if state:
            out.state = state_bucket(session, viewer_id, post_id)
            if out.state is None:
                out.state_direct = service.viewer_states(
                    session, viewer_id, [post_id])[post_id].model_dump()
        if follows_of is not None:
            out.follows = b"1" if graph.is_following(session, viewer_id, follows_of) else b"0"
    return out


# -- serving -------------------------------------------------------------------------------------

@dataclass
class Served:
    body: bytes
    hit: bool  # every piece came from the cache: no SQL ran for this response


def _visible(facts: dict[str, Any], viewer_id: int | None, blocked: list[int],
             follows: bytes | None) -> bool:
    """`access.can_view_post` for a servable post, from the cached facts."""
    author = facts["a"]
    if viewer_id is not None and viewer_id == author:
        return True
    open_to_all = facts["v"] == PostVisibility.PUBLIC.value and facts["pub"]
    if viewer_id is None:
        return bool(open_to_all)
    if author in blocked:
        return False
    return bool(open_to_all) or follows == b"1"


def piece_keys(viewer_id: int | None, post_id: int) -> list[str]:
    """The keys `serve` needs first, in its order (the caller reads them in one round trip,
    together with the session's own keys)."""
    wanted = [card_key(post_id), counts_key(post_id)]
    if viewer_id is not None:
        wanted += [blocks_key(viewer_id), state_key(viewer_id, post_id)]
    return wanted


async def serve(platform: Any, viewer_id: int | None, post_id: int, base_url: str,
                values: list[bytes | None] | None = None) -> Served | None:
    """The response body of `GET /posts/{id}` from the cache (reading only missing pieces), or
    None when the post must take the full read. Raises NotFound when the reader may not see it.
    `values`: the pieces of `piece_keys(viewer_id, post_id)` already read by the caller."""
    cache = platform.cache
    if values is None:
        values = await cache.get_many(*piece_keys(viewer_id, post_id))
    card_raw, counts_raw = values[0], values[1]
    blocks_raw, state_raw = (values[2], values[3]) if viewer_id is not None else (b"[]", b"")
    entry = orjson.loads(card_raw) if card_raw is not None else None
    follows_raw: bytes | None = None
    follows_of: int | None = None
    if entry is not None and viewer_id is not None and viewer_id != entry["m"]["a"] and not (
            entry["m"]["v"] == PostVisibility.PUBLIC.value and entry["m"]["pub"]):
        follows_of = entry["m"]["a"]
        follows_raw = await cache.get(follows_key(viewer_id, follows_of))
    hit = (entry is not None and counts_raw is not None and blocks_raw is not None
           and state_raw is not None and (follows_of is None or follows_raw is not None))
    state_direct: dict[str, Any] | None = None
    if not hit:
        started = time.monotonic()
        got: Loaded = await platform.db.read(
            load, post_id, viewer_id, card=entry is None, counts=counts_raw is None,
            blocks=blocks_raw is None, state=state_raw is None,
            follows_of=follows_of if follows_raw is None else None, base_url=base_url)
        if got.card is not None:
            if not got.card:
                return None  # not servable from the cache: the full read decides
            await store_unless_invalidated(cache, card_key(post_id), got.card, CARD_TTL, started)
            entry = orjson.loads(got.card)
        if got.counts is not None:
            counts_raw = got.counts
            await store_unless_invalidated(cache, counts_key(post_id), got.counts, CARD_TTL,
                                           started)
        if viewer_id is not None:
            if got.blocks is not None:
                blocks_raw = got.blocks
                await store_unless_invalidated(cache, blocks_key(viewer_id), got.blocks,
                                               STATE_TTL, started)
            if got.state is not None:
                state_raw = got.state
                await store_unless_invalidated(cache, state_key(viewer_id, post_id), got.state,
                                               STATE_TTL, started)
            state_direct = got.state_direct
            if got.follows is not None:
                follows_raw = got.follows
                assert entry is not None
                await store_unless_invalidated(cache, follows_key(viewer_id, entry["m"]["a"]),
                                               got.follows, STATE_TTL, started)
    assert entry is not None
    assert counts_raw is not None
    blocked: list[int] = orjson.loads(blocks_raw) if blocks_raw else []
    if not _visible(entry["m"], viewer_id, blocked, follows_raw):
        raise NotFound("Post not found", code="post_not_found")
    card = entry["c"]
    card.update(orjson.loads(counts_raw))
    if viewer_id is None:
        card["viewer"] = {"liked": False, "like_type": None, "saved": False, "shared": False}
    elif state_direct is not None:
        card["viewer"] = state_direct
    else:
        assert state_raw is not None
        card["viewer"] = _state_of(orjson.loads(state_raw), post_id)
    body = orjson.dumps({"success": True, "message": None, "timestamp": isoformat(utcnow()),
                         "post": card})
    return Served(body, hit)


# -- write-through refreshes (wired to the events in content.wiring) ---------------------------

async def refresh_counts(platform: Any, post_id: int) -> None:
    async def produce() -> bytes | None:
        return await platform.db.read(counts_bytes, post_id)

    await refresh(platform, counts_key(post_id), CARD_TTL, produce)


async def refresh_state(platform: Any, viewer_id: int, post_id: int) -> None:
    async def produce() -> bytes | None:
        return await platform.db.read(
            state_bucket, viewer_id, post_id)

    await refresh(platform, state_key(viewer_id, post_id), STATE_TTL, produce)


def author_post_ids(session: Session, author_id: int) -> list[int]:
    return list(session.scalars(select(Post.id).where(Post.author_id == author_id)))


def media_post_ids(session: Session, media_id: int) -> list[int]:
    return list(session.scalars(select(PostMedia.post_id).where(PostMedia.media_id == media_id)))
