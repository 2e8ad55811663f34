"""Posts: create, edit, publish, delete, read and list; analysis; the shared read-model builder.

Every read goes through `access.can_view_post` / `access.visible_posts_clause`. Counters are
changed in SQL (`SET n = n + 1`) in the unit of work that justifies them.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, desc, func, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import manager_of_class

from tanvi_social.accounts.models import User
from tanvi_social.content import analysis, remix
from tanvi_social.content.access import can_view_post, get_visible_post, visible_posts_clause
from tanvi_social.content.events import (
    PostCreated,
    PostDeleted,
    PostEngagementChanged,
    PostUpdated,
    PostViewerStateChanged,
)
from tanvi_social.content.filters import NO_FILTER, PostFilter, filter_clause, refresh_facets
from tanvi_social.content.models import (
    ChallengeEntry,
    ModerationState,
    Post,
    PostHashtag,
    PostMedia,
    PostType,
    Reaction,
    Save,
    Share,
)
from tanvi_social.content.muting import hides, post_texts, viewer_matcher
from tanvi_social.content.schemas import (
    AIAnalysis,
    Mention,
    PostCreate,
    PostRead,
    PostUpdate,
    ViewerState,
)
from tanvi_social.core.db import (
    UTCDateTime,
    deferred_writes,
    drop_held_since,
    execute_write,
    held_counts,
    record_event,
)
from tanvi_social.core.errors import (
    AppError,
    Forbidden,
    InvalidState,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from tanvi_social.core.pagination import PageParams, count_capped
from tanvi_social.core.time import utcnow
from tanvi_social.media import service as media_service
from tanvi_social.media.schemas import MediaRead
from tanvi_social.social import graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import AuthorCard, author_cards, author_cards_and_visibility
from tanvi_social.social.counters import adjust_posts_count
from tanvi_social.social.notifications import notify

HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w{1,100})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{3,30})")
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
HOT_EPOCH = 1_700_000_000  # seconds; any fixed origin works, it only shifts every score
HOT_HALF_LIFE_FACTOR = 45_000  # seconds of recency worth one decade (×10) of engagement
SHARE_PATH = "/p/{id}"

# Other domains' answers, inside the unit of work that publishes a post, to "does this post
# concern you?": name -> fn(session, post, its filter values). The names that answer yes travel
# in `PostCreated.interested`, so a `post.created` consumer with nothing to do skips its own
# unit of work (inspiration's saved filters register one: inspiration/wiring.py).
PublishWatcher = Callable[[Session, Post, frozenset[str]], bool]
PUBLISH_WATCHERS: dict[str, PublishWatcher] = {}


def watch_publish(name: str, watcher: PublishWatcher) -> None:
    """Register (or replace) the publish watcher `name`."""
    PUBLISH_WATCHERS[name] = watcher


# --- helpers shared by the other content modules --------------------------------------------

def optional_module(name: str) -> Any | None:
    """Another domain's module if it exists on this build (moderation, community, jobs)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def screen_text(session: Session, text: str) -> str:
    """Run the moderation word filter: returns the moderation state, or raises 422 on reject."""
    filters = optional_module("tanvi_social.moderation.filters")
    if filters is None or not text.strip():
        return ModerationState.VISIBLE.value
    decision = filters.screen_text(session, text)
    if decision.action == "reject":
        raise ValidationFailed("This text is not allowed here", code="content_rejected",
                               details=[{"loc": ["body"], "msg": "blocked by a content filter"}])
    if decision.action == "hold":
        return ModerationState.HELD.value
    return ModerationState.VISIBLE.value


def spam_check(session: Session, user_id: int, text: str, state: str, *,
               rate_limits: bool = True, repeats: Any = None) -> tuple[str, str | None]:
    """Moderation's spam heuristics: 429 when rate-limited; link-only or mass-repeated text is held.

    Returns the (possibly held) state and the review reason when the check held it. With
    `rate_limits=False` (`TANVI_RATE_LIMITS_ENABLED=false`) the repeated-text 429 is skipped; holds
    are moderation, not limits, and still apply. `repeats`: the spam module's `count_repeats`
    for a batch of creates, read once.
    """
    spam = optional_module("tanvi_social.moderation.spam")
    if spam is None or not text.strip():
        return state, None
    decision = spam.check_post(session, user_id, text, repeats)
    if decision.action == "rate_limit" and rate_limits:
        raise RateLimited("You are posting the same text too often; try again later",
                          retry_after=decision.retry_after, code="spam_rate_limited")
    if decision.action == "hold" and state == ModerationState.VISIBLE.value:
        return ModerationState.HELD.value, "spam"
    return state, None


def flag_if_held(session: Session, state: str, target_type: str, target_id: int,
                 owner_id: int | None, reason: str = "filter") -> None:
    """Put held content in the moderation review queue (when that domain is present)."""
    if state != ModerationState.HELD.value:
        return
    queue = optional_module("tanvi_social.moderation.queue")
    if queue is not None:
        queue.flag_for_review(session, target_type=target_type, target_id=target_id,
                              owner_id=owner_id, reason=reason)


def uncredited_photos(post: Post, media: Sequence[MediaRead]) -> list[int]:
    """Images that nearly duplicate another member's photo whose author the caption does not
    @mention: such a post is held for review instead of published."""
    credited = {m["id"] for m in post.mentions or []}
    return [m.id for m in media if m.needs_credit and m.duplicate_of is not None
            and m.duplicate_of.author_id != post.author_id
            and m.duplicate_of.author_id not in credited]


def engagement(likes: int, comments: int, shares: int, saves: int) -> int:
    """The weighted engagement E of docs/algorithms.md → "Hot ranking"."""
    return likes + 2 * comments + 3 * shares + 2 * saves


def hot_score(likes: int, comments: int, shares: int, saves: int, published: datetime) -> float:
    """log10(max(E, 1)) + (published − epoch) / 45,000 s: ten times the engagement = 12.5 h."""
    e = engagement(likes, comments, shares, saves)
    return round(math.log10(max(e, 1)) + (published.timestamp() - HOT_EPOCH)
                 / HOT_HALF_LIFE_FACTOR, 6)


_BUMP: dict[tuple[tuple[str, ...], bool], Any] = {}
_SET_HOT = update(cast(Table, Post.__table__)).where(
    cast(Table, Post.__table__).c.id == bindparam("b_post")).values(
    hot_score=bindparam("b_score"))


_COUNT_NAMES = ("like_count", "comment_count", "share_count", "save_count")


def bump_counters(session: Session, post_id: int, *, known: Post | None = None,
                  **deltas: int) -> dict[str, int]:
    """Atomically add to the post's counters, refresh hot_score; returns the new counts.

    `known`: the post as this unit of work read it. Its counters plus `deltas` predict the new
    ones, and the hot score computed from that prediction goes in the same UPDATE; only when the
    counters it returns differ (another write committed in between) does a second UPDATE set
    the score from the real ones. Without `known`, two statements."""
    # Core UPDATEs built once per set of counters: no ORM bookkeeping, no statement building
    names = tuple(sorted(deltas))
    predicted: dict[str, int] | None = None
    score: float | None = None
    if known is not None:
        predicted = {name: (getattr(known, name) or 0) + deltas.get(name, 0)
                     for name in _COUNT_NAMES}
        score = hot_score(predicted["like_count"], predicted["comment_count"],
                          predicted["share_count"], predicted["save_count"],
                          known.published_at or known.created_at)
    stmt = _BUMP.get((names, score is not None))
    if stmt is None:
        posts = cast(Table, Post.__table__)
        values: dict[str, Any] = {name: posts.c[name] + bindparam(f"d_{name}") for name in names}
        if score is not None:
            values["hot_score"] = bindparam("b_score")
        stmt = _BUMP[(names, score is not None)] = (
            update(posts).where(posts.c.id == bindparam("b_post")).values(**values)
            .returning(posts.c.like_count, posts.c.comment_count, posts.c.share_count,
                       posts.c.save_count, posts.c.published_at, posts.c.created_at))
    params: dict[str, Any] = {"b_post": post_id, **{f"d_{name}": deltas[name] for name in names}}
    if score is not None:
        params["b_score"] = score
    row = session.execute(stmt, params).one()
    if predicted is None or tuple(predicted[name] for name in _COUNT_NAMES) != tuple(row[:4]):
        published = row.published_at or row.created_at
        session.execute(_SET_HOT, {"b_post": post_id, "b_score": hot_score(
            row.like_count, row.comment_count, row.share_count, row.save_count, published)})
    counts = {"likes": row.like_count, "comments": row.comment_count,
              "shares": row.share_count, "saves": row.save_count}
    record_event(session, PostEngagementChanged(post_id=post_id, counts=counts))
    return counts


def share_url(base_url: str, post_id: int) -> str:
    return base_url.rstrip("/") + SHARE_PATH.format(id=post_id)


def parse_hashtags(text: str | None) -> list[str]:
    out: list[str] = []
    for match in HASHTAG_RE.finditer(text or ""):
        tag = match.group(1).lower()
        if not tag.isdigit() and tag not in out:
            out.append(tag)
    return out[:MAX_HASHTAGS]


def parse_mentions(text: str | None) -> list[str]:
    out: list[str] = []
    for match in MENTION_RE.finditer(text or ""):
        name = match.group(1).rstrip(".").lower()
        if len(name) >= 3 and name not in out:
            out.append(name)
    return out[:MAX_MENTIONS]


def resolve_mentions(session: Session, author_id: int, text: str | None) -> list[dict[str, Any]]:
    """Known usernames mentioned in the text, minus the author and anyone blocked either way."""
    names = parse_mentions(text)
    if not names:
        return []
    rows = session.execute(select(User.id, User.username).where(
        func.lower(User.username).in_(names), User.is_active.is_(True))).all()
    blocked = graph.blocked_ids(session, author_id)
    by_name = {r.username.lower(): r for r in rows
               if r.id != author_id and r.id not in blocked}
    return [{"id": by_name[n].id, "username": by_name[n].username} for n in names if n in by_name]


# --- analysis ----------------------------------------------------------------------------------

TREND_COUNT_CAP = 500  # rows counted per tag and window at most (bounded cost per post)


@lru_cache(maxsize=32)
def _usage_sql(n_tags: int, exclude: bool = True) -> Any:
    """One statement counting, per tag, other posts in the recent and the baseline window.

    `exclude=False` (a post not inserted yet: no row of its own to skip) leaves out the
    `post_id <> :ex` test, so each count reads the (tag, created_at) index alone instead of
    visiting every counted row for its post_id."""
    skip = " AND post_id <> :ex" if exclude else ""
    window = ("SELECT count(*) FROM (SELECT 1 AS one FROM post_hashtags WHERE tag = :t{i} "
              f"AND created_at >= :{{lo}} AND created_at < :{{hi}}{skip} "
              f"LIMIT {TREND_COUNT_CAP}) AS w")
    parts = [f"SELECT {i} AS i, ({window.format(i=i, lo='rs', hi='now')}) AS r, "
             f"({window.format(i=i, lo='bs', hi='rs')}) AS b" for i in range(n_tags)]
    return text(" UNION ALL ".join(parts)).bindparams(
        bindparam("rs", type_=UTCDateTime()), bindparam("bs", type_=UTCDateTime()),
        bindparam("now", type_=UTCDateTime()))


def tag_usage(session: Session, tags: Iterable[str], exclude_post_id: int | None,
              now: datetime | None = None, *,
              counted: dict[str, analysis.TagUsage] | None = None) -> dict[str, analysis.TagUsage]:
    """Distinct other posts per tag in the recent window and in the baseline window before it.

    One round trip; each (tag, window) count reads at most TREND_COUNT_CAP index entries.
    `counted`: `count_tags`'s answer for (at least) these tags, read earlier in this unit of
    work (a batch of creates reads its tags once and counts its own posts in: `_BatchReads`).
    """
    tags = sorted(set(tags))[:12]
    if not tags:
        return {}
    now = now or utcnow()
    if counted is None:
        counted = count_tags(session, tags, exclude_post_id, now)
    return {tag: counted[tag] for tag in tags
            if tag in counted and (counted[tag].recent or counted[tag].baseline)}


COUNT_TAGS_PER_STATEMENT = 100  # SQLite allows 500 terms in one compound SELECT


def count_tags(session: Session, tags: Iterable[str], exclude_post_id: int | None,
               now: datetime) -> dict[str, analysis.TagUsage]:
    """`tag_usage`'s stored counts (rows written so far), for any number of tags."""
    tags = sorted(set(tags))
    recent_start = now - timedelta(days=analysis.TREND_RECENT_DAYS)
    out: dict[str, analysis.TagUsage] = {}
    for at in range(0, len(tags), COUNT_TAGS_PER_STATEMENT):
        chunk = tags[at:at + COUNT_TAGS_PER_STATEMENT]
        params: dict[str, Any] = {
            "rs": recent_start,
            "bs": recent_start - timedelta(days=analysis.TREND_BASELINE_DAYS),
            # the recent window includes `now` itself
            "now": now + timedelta(microseconds=1),
            **{f"t{i}": tag for i, tag in enumerate(chunk)}}
        if exclude_post_id is not None:
            params["ex"] = exclude_post_id
        for i, recent, baseline in session.execute(
                _usage_sql(len(chunk), exclude_post_id is not None), params):
            if recent or baseline:
                out[chunk[int(i)]] = analysis.TagUsage(recent=int(recent),
                                                        baseline=int(baseline))
    return out


def palette_for(media: Sequence[MediaRead]) -> list[analysis.PaletteColour]:
    """The post's palette: every image's colours, each image weighing the same."""
    if not media:
        return []
    merged: dict[str, float] = {}
    names: dict[str, str] = {}
    for m in media:
        for c in m.palette:
            merged[c.hex] = merged.get(c.hex, 0.0) + c.share / len(media)
            names.setdefault(c.hex, c.name)
    return [analysis.PaletteColour(hex_, share, names[hex_])
            for hex_, share in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]


def analysis_inputs(post: Post, media: Sequence[MediaRead]) -> analysis.AnalysisInputs:
    return analysis.AnalysisInputs(
        outfit_items=list(post.outfit_items or []), style_tags=list(post.style_tags or []),
        hashtags=list(post.hashtags or []), occasion=post.occasion, palette=palette_for(media))


def refresh_analysis(session: Session, post: Post, media: Sequence[MediaRead] | None = None,
                     *, force: bool = False,
                     counted: dict[str, analysis.TagUsage] | None = None) -> bool:
    """Recompute `ai_analysis` when its inputs changed (or when forced: trends moved)."""
    if media is None:
        media = post_media(session, [post.id]).get(post.id, [])
    inputs = analysis_inputs(post, media)
    key = inputs.key()
    if not force and key == post.analysis_key and post.ai_analysis:
        return False
    usage = tag_usage(session, inputs.trend_tags(), post.id, counted=counted)
    result = analysis.analyse(inputs, usage)
    result["computed_at"] = utcnow().isoformat()
    post.ai_analysis = result
    post.analysis_key = key
    return True


# --- read models -------------------------------------------------------------------------------

def post_media(session: Session, post_ids: Iterable[int]) -> dict[int, list[MediaRead]]:
    ids = list(set(post_ids))
    if not ids:
        return {}
    links = session.execute(select(PostMedia.post_id, PostMedia.media_id)
                            .where(PostMedia.post_id.in_(ids))
                            .order_by(PostMedia.post_id, PostMedia.position)).all()
    reads = media_service.media_reads(session, {m for _, m in links})
    out: dict[int, list[MediaRead]] = {}
    for pid, mid in links:
        if mid in reads:
            out.setdefault(pid, []).append(reads[mid])
    return out


def viewer_states(session: Session, viewer_id: int | None,
                  post_ids: Sequence[int]) -> dict[int, ViewerState]:
    states = {pid: ViewerState() for pid in post_ids}
    if viewer_id is None or not post_ids:
        return states
    for pid, kind in session.execute(select(Reaction.post_id, Reaction.reaction_type).where(
            Reaction.user_id == viewer_id, Reaction.post_id.in_(post_ids))):
        states[pid].liked = True
        states[pid].like_type = kind
    for pid in session.scalars(select(Save.post_id).where(
            Save.user_id == viewer_id, Save.post_id.in_(post_ids))):
        states[pid].saved = True
    for pid in session.scalars(select(Share.post_id).where(
            Share.user_id == viewer_id, Share.post_id.in_(post_ids)).distinct()):
        states[pid].shared = True
    return states


def _ai(post: Post) -> AIAnalysis | None:
    return AIAnalysis.model_validate(post.ai_analysis) if post.ai_analysis else None


def build_post_reads(session: Session, viewer_id: int | None, posts: Sequence[Post], *,
                     base_url: str = "", _depth: int = 0,
                     known_media: dict[int, list[MediaRead]] | None = None,
                     known_cards: dict[int, AuthorCard] | None = None,
                     fresh: bool = False) -> list[PostRead]:
    """Read models for posts the caller already checked, batch-loading everything (no N+1).

    `known_media` and `known_cards` skip loading images and author cards the caller has;
    `fresh` (a post created in this unit of work) skips the viewer-state queries, which cannot
    find anything yet.
    """
    if not posts:
        return []
    ids = [p.id for p in posts]
    originals: dict[int, PostRead] = {}
    repost_ids = {p.repost_of_id for p in posts if p.repost_of_id is not None}
    if repost_ids and _depth == 0:
        rows = session.scalars(select(Post).where(Post.id.in_(repost_ids))).all()
        visible = [r for r in rows if can_view_post(session, viewer_id, r)]
        originals = {r.id: r for r in build_post_reads(session, viewer_id, visible,
                                                       base_url=base_url, _depth=1)}
    cards = known_cards if known_cards is not None else \
        author_cards(session, {p.author_id for p in posts})
    media = known_media if known_media is not None else post_media(session, ids)
    states = {pid: ViewerState() for pid in ids} if fresh else \
        viewer_states(session, viewer_id, ids)
    remix_links = remix.links(session, viewer_id, posts)
    out = []
    for p in posts:
        author = cards.get(p.author_id) or AuthorCard(id=p.author_id, username="deleted")
        out.append(PostRead(
            id=p.id, author=author, post_type=p.post_type, title=p.title, caption=p.caption,
            hashtags=list(p.hashtags or []),
            mentions=[Mention(**m) for m in p.mentions or []],
            style_tags=list(p.style_tags or []), outfit_items=list(p.outfit_items or []),
            occasion=p.occasion, season=p.season, formality=p.formality,
            visibility=p.visibility, is_draft=p.is_draft, allow_comments=p.allow_comments,
            allow_sharing=p.allow_sharing, community_id=p.community_id,
            challenge_id=p.challenge_id, repost_of_id=p.repost_of_id,
            repost_of=originals.get(p.repost_of_id) if p.repost_of_id else None,
            remix_of_id=p.remix_of_id, remix_root_id=p.remix_root_id,
            remix_of=remix_links.get(p.id, (None, []))[0],
            remix_chain=remix_links.get(p.id, (None, []))[1], remix_credits=remix.credits(p),
            remix_policy=p.remix_policy or "anyone", remix_count=p.remix_count or 0,
            media=media.get(p.id, []), like_count=p.like_count, comment_count=p.comment_count,
            share_count=p.share_count, save_count=p.save_count, hot_score=p.hot_score,
            moderation_state=p.moderation_state, ai_analysis=_ai(p),
            share_url=share_url(base_url, p.id), created_at=p.created_at,
            published_at=p.published_at, edited_at=p.edited_at, viewer=states[p.id]))
    return out


def read_post(session: Session, viewer_id: int | None, post: Post, base_url: str = "") -> PostRead:
    return build_post_reads(session, viewer_id, [post], base_url=base_url)[0]


# --- create / update / delete ---------------------------------------------------------------

def _check_community(session: Session, user_id: int, community_id: int) -> None:
    access = optional_module("tanvi_social.community.access")
    if access is None or not access.can_post_in_community(session, user_id, community_id):
        raise NotFound("Community not found", code="community_not_found")


def _needs_body(caption: str, media_ids: Sequence[int], outfit_items: Sequence[Any]) -> None:
    if not caption.strip() and not media_ids:
        raise ValidationFailed(
            "A post needs at least one image or a caption", code="empty_post",
            details=[{"loc": ["body", "media_ids"], "msg": "add an image or a caption"}])


_POSTS = cast(Table, Post.__table__)
# Core INSERTs built once (no ORM unit-of-work bookkeeping on the create path)
_INSERT_POST = insert(_POSTS).returning(_POSTS.c.id)
# several posts in one execution, their ids in the order of the rows (PostgreSQL: SQLAlchemy
# orders them with a sentinel); SQLite in one multi-row statement, see `_insert_posts`
_INSERT_POSTS = insert(_POSTS).returning(_POSTS.c.id, sort_by_parameter_order=True)
_INSERT_POSTS_SQLITE = insert(_POSTS).returning(_POSTS.c.id)
_INSERT_HASHTAGS = insert(cast(Table, PostHashtag.__table__))
_POST_MANAGER = manager_of_class(Post)
# (key, default, whether the default is called) of each column an INSERT sets
_POST_COLUMNS = [(c.key, None if c.default is None else c.default.arg,  # type: ignore[attr-defined]
                  c.default is not None and c.default.is_callable)
                 for c in _POSTS.c if not c.primary_key]


def _transient_post(**values: Any) -> Post:
    """A new `Post` holding `values` as its attributes, made without the ORM's attribute
    events (a `Post(...)` fires one per column: ~5 % of a text post's time). Only for a post
    that `_insert_posts` writes: it never enters a session, so nothing reads its history."""
    post: Post = _POST_MANAGER.new_instance()
    post.__dict__.update(values)
    return post


def _insert_posts(session: Session, posts: Sequence[Post]) -> None:
    """INSERT new posts with one Core statement instead of an ORM flush.

    Each `post` stays a transient object (never in the session) that carries every column's
    value as the row has it: a column left unset, or None, gets its default exactly as a flush
    would apply it, and the new id is set on it. Nothing in the unit of work may expect it in
    the session's identity map; `session.get(Post, id)` reads the row.

    On SQLite the rows go in one multi-row INSERT (SQLAlchemy cannot order RETURNING rows
    there and would run one statement per row): SQLite inserts the rows of a VALUES list in
    order, and each new row of a table with an INTEGER PRIMARY KEY gets one more than the
    largest id, under the writer's lock, so the batch's ids are consecutive in row order
    (RETURNING's own order is unspecified: they are sorted). Anything else raises, and the
    batch is re-run one create at a time (`content.create_batch`)."""
    rows: list[dict[str, Any]] = []
    for post in posts:
        values: dict[str, Any] = {}
        state = post.__dict__  # transient: the values are set directly, without events
        for key, default, is_callable in _POST_COLUMNS:
            value = state.get(key)
            if value is None and default is not None:
                value = default(None) if is_callable else default
            state[key] = value
            values[key] = value
        rows.append(values)
    if len(rows) == 1:
        ids = [session.execute(_INSERT_POST, rows[0]).scalar_one()]
    elif session.get_bind().dialect.name == "sqlite":
        ids = sorted(session.execute(_INSERT_POSTS_SQLITE, rows).scalars())
        if ids != list(range(ids[0], ids[0] + len(rows))):
            raise RuntimeError(f"posts inserted with ids out of row order: {ids}")
    else:
        ids = list(session.execute(_INSERT_POSTS, rows).scalars())
    for post, new_id in zip(posts, ids, strict=True):
        post.__dict__["id"] = new_id


def _set_hashtags(session: Session, post: Post, *, new: bool = False) -> None:
    if not new:  # a post created in this unit of work has no rows to replace
        session.execute(delete(PostHashtag).where(PostHashtag.post_id == post.id))
    if post.is_draft or post.deleted_at is not None:
        return
    stamp = post.published_at or post.created_at
    rows = [{"post_id": post.id, "tag": tag[:100], "created_at": stamp}
            for tag in post.hashtags or []]
    if rows:
        execute_write(session, _INSERT_HASHTAGS, rows)


def _set_media(session: Session, post: Post, media: Sequence[MediaRead], *,
               new: bool = False) -> None:
    if not new:
        session.execute(delete(PostMedia).where(PostMedia.post_id == post.id))
    for pos, m in enumerate(media):
        session.add(PostMedia(post_id=post.id, media_id=m.id, position=pos))


def _notify_mentions(session: Session, post: Post, mentions: Iterable[dict[str, Any]]) -> None:
    for m in mentions:
        if can_view_post(session, m["id"], post):
            notify(session, recipient_id=m["id"], actor_id=post.author_id, type="mention",
                   target_type="post", target_id=post.id, data={"post_id": post.id},
                   text=post_texts(post.title, post.caption, post.hashtags, post.style_tags))


def _on_publish(session: Session, post: Post, facets: frozenset[str]) -> None:
    if post.post_type != PostType.REPOST.value:
        adjust_posts_count(session, post.author_id, 1)
    interested = tuple(name for name, watcher in PUBLISH_WATCHERS.items()
                       if watcher(session, post, facets))
    record_event(session, PostCreated(post_id=post.id, author_id=post.author_id,
                                      visibility=post.visibility, hashtags=list(post.hashtags),
                                      community_id=post.community_id,
                                      repost_of_id=post.repost_of_id, interested=interested))
    record_activity(session, user_id=post.author_id, type="create", target_type="post",
                    target_id=post.id)
    _notify_mentions(session, post, post.mentions or [])
    remix.on_publish(session, post)


@dataclass(frozen=True)
class Created:
    """A new post's read model, and its author's profile visibility as the create read it (the
    listing window's entry needs it: content.list_cache)."""

    post: PostRead
    profile_visibility: str | None


def create_post(session: Session, user_id: int, data: PostCreate, base_url: str = "", *,
                rate_limits: bool = True) -> PostRead:
    """Create a post (or a draft); claims the images, parses tags and mentions, analyses it.

    `rate_limits`: the settings' `rate_limits_enabled` (the spam heuristic's 429 follows it)."""
    return create_post_listed(session, user_id, data, base_url, rate_limits=rate_limits).post


def create_post_listed(session: Session, user_id: int, data: PostCreate, base_url: str = "", *,
                       rate_limits: bool = True) -> Created:
    """`create_post`, with what the listing window needs to take the post without a read."""
    outcome = create_posts_listed(session, [(user_id, data)], base_url,
                                  rate_limits=rate_limits)[0]
    assert isinstance(outcome, Created)  # a single create raises its error
    return outcome


def batchable(data: PostCreate) -> bool:
    """Whether a create may share its unit of work with others (`create_posts_listed`): nothing
    it does before its INSERT writes, so a refusal leaves the batch's other posts untouched.
    Images (claimed), a remix (its original re-checked) and a community post (membership)
    take a unit of work of their own."""
    return not data.media_ids and data.remix_of is None and data.community_id is None


def create_posts_listed(session: Session, requests: Sequence[tuple[int, PostCreate]],
                        base_url: str = "", *, rate_limits: bool = True
                        ) -> list[Created | AppError]:
    """Create several posts in one unit of work (`content.create_batch`: group commit).

    Each request is `create_post_listed`'s, in order, seeing the ones before it (the spam
    check counts their texts, the trend count their hashtags), but the writes nobody reads in
    the unit of work (hashtags, filter values, counters, activity, spam fingerprints) are held
    and go out as one executemany per table at the end (`core.db.deferred_writes`). With
    several requests, each must be `batchable`, and one refused before its INSERT (422, 429)
    gets its error in its place while the others go on; a single request raises it."""
    alone = len(requests) == 1
    assert alone or all(batchable(data) for _, data in requests)
    reads = None if alone else _batch_reads(session, [data for _, data in requests])
    made: list[tuple[Post, list[MediaRead], str] | AppError] = []
    with deferred_writes(session) as held:
        for user_id, data in requests:
            mark = held_counts(held)
            try:
                made.append(_prepare_post(session, user_id, data, rate_limits, reads))
            except AppError as exc:
                if alone:
                    raise
                drop_held_since(held, mark)
                made.append(exc)
        created = [m for m in made if not isinstance(m, AppError)]
        _insert_posts(session, [post for post, _, _ in created])
        for post, media, reason in created:
            _set_media(session, post, media, new=True)
            _set_hashtags(session, post, new=True)
            facets = refresh_facets(session, post, new=True, media_ids=[m.id for m in media])
            if not post.is_draft:
                _on_publish(session, post, facets)
            flag_if_held(session, post.moderation_state, "post", post.id, post.author_id,
                         reason=reason)
    session.flush()
    cards = author_cards_and_visibility(session, {post.author_id for post, _, _ in created})
    out: list[Created | AppError] = []
    for m in made:
        if isinstance(m, AppError):
            out.append(m)
            continue
        post, media, _ = m
        card, profile_visibility = cards.get(post.author_id, (None, None))
        read = build_post_reads(session, post.author_id, [post], base_url=base_url,
                                known_media={post.id: list(media)},
                                known_cards={post.author_id: card} if card is not None else {},
                                fresh=True)[0]
        out.append(Created(read, profile_visibility))
    return out


@dataclass(frozen=True)
class _BatchReads:
    """What a batch of creates reads once instead of once per create: the trend counts of all
    their tags and the stored copies of all their texts. Each create also counts the ones
    before it in the batch: their hashtags through `count`, their texts through the spam
    fingerprints held for them."""

    tags: dict[str, analysis.TagUsage]
    repeats: Any

    def count(self, hashtags: Iterable[str]) -> None:
        """A post of the batch with these hashtags (its rows are written after the others'
        analysis): the recent window of each counts it."""
        for tag in set(hashtags):
            was = self.tags.get(tag, analysis.TagUsage(0, 0))
            self.tags[tag] = analysis.TagUsage(min(TREND_COUNT_CAP, was.recent + 1),
                                               was.baseline)


def _batch_reads(session: Session, batch: Sequence[PostCreate]) -> _BatchReads:
    tags = {t.lower() for data in batch
            for t in [*parse_hashtags(data.caption or ""), *(data.style_tags or [])] if t}
    spam = optional_module("tanvi_social.moderation.spam")
    published = [data.caption for data in batch if not data.is_draft]
    return _BatchReads(count_tags(session, tags, None, utcnow()),
                       spam.count_repeats(session, published) if spam is not None else None)


def _prepare_post(session: Session, user_id: int, data: PostCreate, rate_limits: bool,
                  reads: _BatchReads | None = None) -> tuple[Post, list[MediaRead], str]:
    """Everything of a create before its INSERT: the checks (raising), the moderation state,
    the images, the transient `Post` with its analysis; and the review reason if it is held."""
    caption = data.caption or ""
    media_ids = data.media_ids or []
    items = [i.model_dump(mode="json", exclude_none=True) for i in data.outfit_items or []]
    if not data.is_draft:
        _needs_body(caption, media_ids, items)
    if data.community_id is not None:
        _check_community(session, user_id, data.community_id)
    state = screen_text(session, " ".join(filter(None, [data.title, caption])))
    spam_reason = None
    if not data.is_draft:
        state, spam_reason = spam_check(session, user_id, caption, state,
                                        rate_limits=rate_limits,
                                        repeats=reads.repeats if reads else None)
    original = remix.remixable_original(session, user_id, data.remix_of) \
        if data.remix_of is not None else None
    media = media_service.claim_media(session, user_id, media_ids)
    now = utcnow()
    post = _transient_post(
        author_id=user_id, post_type=data.post_type, title=data.title, caption=caption,
        hashtags=parse_hashtags(caption), mentions=resolve_mentions(session, user_id, caption),
        style_tags=data.style_tags or [], outfit_items=items, occasion=data.occasion,
        season=data.season, formality=data.formality,
        visibility=data.visibility or "public", is_draft=data.is_draft,
        allow_comments=True if data.allow_comments is None else data.allow_comments,
        allow_sharing=True if data.allow_sharing is None else data.allow_sharing,
        community_id=data.community_id, moderation_state=state, created_at=now,
        published_at=None if data.is_draft else now,
        hot_score=hot_score(0, 0, 0, 0, now), remix_policy=data.remix_policy or "anyone",
        remix_count=0,
    )
    if original is not None:
        remix.link_remix(session, post, original)
    uncredited = uncredited_photos(post, media)
    if uncredited and post.moderation_state == ModerationState.VISIBLE.value:
        post.moderation_state = ModerationState.HELD.value
    # analysed before the INSERT (its hashtag rows do not exist yet, so nothing to exclude):
    # the analysis goes in with the row instead of an UPDATE after it
    refresh_analysis(session, post, media, counted=reads.tags if reads else None)
    if reads is not None and not post.is_draft:  # the batch's next creates count this one
        reads.count(post.hashtags or [])
    return post, media, "duplicate_photo" if uncredited else (spam_reason or "filter")


def _own_post(session: Session, user_id: int, post_id: int) -> Post:
    post = get_visible_post(session, user_id, post_id)
    if post.author_id != user_id:
        raise Forbidden("Only the author may change this post", code="not_post_author")
    return post


def update_post(session: Session, user_id: int, post_id: int, data: PostUpdate,
                base_url: str = "") -> PostRead:
    """Edit the caller's post; `is_draft: false` publishes a draft (never the reverse)."""
    post = _own_post(session, user_id, post_id)
    if post.post_type == PostType.REPOST.value and data.model_fields_set - {
            "caption", "visibility"}:
        raise InvalidState("A repost can only change its caption and visibility",
                           code="repost_read_only")
    fields = data.model_fields_set
    was_draft = post.is_draft
    if "is_draft" in fields and data.is_draft is not None:
        if data.is_draft and not was_draft:
            raise InvalidState("A published post cannot go back to draft",
                               code="already_published")
        post.is_draft = data.is_draft
    old_mentions = {m["id"] for m in post.mentions or []}
    media: list[MediaRead] | None = None
    if "media_ids" in fields and data.media_ids is not None:
        media = media_service.claim_media(session, user_id, data.media_ids)
        _set_media(session, post, media)
    for name in ("title", "occasion", "season", "formality", "visibility", "allow_comments",
                 "allow_sharing", "post_type", "style_tags", "remix_policy"):
        if name in fields:
            value = getattr(data, name)
            if value is None and name in ("visibility", "allow_comments", "allow_sharing",
                                          "post_type", "style_tags", "remix_policy"):
                continue
            setattr(post, name, value)
    if "outfit_items" in fields:
        post.outfit_items = [i.model_dump(mode="json", exclude_none=True)
                             for i in data.outfit_items or []]
    if "caption" in fields:
        post.caption = data.caption or ""
        post.hashtags = parse_hashtags(post.caption)
        post.mentions = resolve_mentions(session, user_id, post.caption)
    if fields & {"caption", "title"}:
        state = screen_text(session, " ".join(filter(None, [post.title, post.caption])))
        if post.moderation_state == ModerationState.VISIBLE.value:
            post.moderation_state = state
            flag_if_held(session, state, "post", post.id, user_id)
    if media is None:
        media = post_media(session, [post.id]).get(post.id, [])
    if not post.is_draft and post.post_type != PostType.REPOST.value:
        _needs_body(post.caption, [m.id for m in media], post.outfit_items)
    now = utcnow()
    if was_draft and not post.is_draft:
        post.published_at = now
        post.created_at = now
        post.hot_score = hot_score(post.like_count, post.comment_count, post.share_count,
                                   post.save_count, now)
    elif not post.is_draft and fields:
        post.edited_at = now
    session.flush()
    _set_hashtags(session, post)
    facets = refresh_facets(session, post, media_ids=[m.id for m in media])
    refresh_analysis(session, post, media)
    if was_draft and not post.is_draft:
        _on_publish(session, post, facets)
    elif not post.is_draft:
        new = [m for m in post.mentions or [] if m["id"] not in old_mentions]
        _notify_mentions(session, post, new)
        record_event(session, PostUpdated(post_id=post.id, author_id=user_id))
    session.flush()
    return read_post(session, user_id, post, base_url)


def delete_post(session: Session, user_id: int, post_id: int) -> None:
    """Soft-delete the caller's post; the author's posts count and any repost's share fixed."""
    post = _own_post(session, user_id, post_id)
    soft_delete(session, post)


def soft_delete(session: Session, post: Post) -> None:
    """Mark deleted and fix every counter the post contributed to."""
    if post.deleted_at is not None:
        return
    remix.on_delete(session, post)
    post.deleted_at = utcnow()
    counted = (not post.is_draft and post.post_type != PostType.REPOST.value
               and post.moderation_state != ModerationState.REMOVED.value)
    if counted:
        adjust_posts_count(session, post.author_id, -1)
    session.execute(delete(PostHashtag).where(PostHashtag.post_id == post.id))
    if post.repost_of_id is not None:
        shares = session.execute(select(Share.id, Share.user_id)
                                 .where(Share.repost_id == post.id)).all()
        if shares:
            session.execute(delete(Share).where(Share.id.in_([r.id for r in shares])))
            bump_counters(session, post.repost_of_id, share_count=-len(shares))
            for user_id in {r.user_id for r in shares}:  # their `viewer.shared` on the original
                record_event(session, PostViewerStateChanged(post_id=post.repost_of_id,
                                                             user_id=user_id))
    from tanvi_social.content.challenges import withdraw_entry_for_post

    withdraw_entry_for_post(session, post.id)
    record_event(session, PostDeleted(post_id=post.id, author_id=post.author_id))
    session.flush()


def card_is_shared(post: Post) -> bool:
    """Whether the post's read model (minus `viewer`) is the same for every reader who may see
    it: not when it embeds other posts whose visibility depends on the reader."""
    return post.repost_of_id is None and not post.remix_chain


def get_post(session: Session, viewer_id: int | None, post_id: int, base_url: str = "") -> PostRead:
    return read_post(session, viewer_id, get_visible_post(session, viewer_id, post_id), base_url)


def get_analysis(session: Session, viewer_id: int | None, post_id: int) -> AIAnalysis:
    post = get_visible_post(session, viewer_id, post_id)
    result = _ai(post)
    if result is None:
        raise NotFound("No analysis for this post yet", code="analysis_missing")
    return result


@dataclass
class PostFilters:
    post_type: str | None = None
    user_id: int | None = None
    tag: str | None = None
    community_id: int | None = None
    challenge_id: int | None = None
    sort: str = "new"
    period: str = "all"
    drafts: bool = False
    facets: PostFilter = NO_FILTER
    post_ids: Sequence[int] | None = None  # only these (a saved filter's search matches)


PERIODS = {"day": 1, "week": 7, "month": 30, "year": 365}


def list_posts(session: Session, viewer_id: int | None, filters: PostFilters,
               page: PageParams, base_url: str = "") -> tuple[list[PostRead], int]:
    """Visible posts with filters; `sort=new|hot|top` (docs/algorithms.md)."""
    q = select(Post).where(visible_posts_clause(session, viewer_id))
    if filters.drafts:
        if viewer_id is None:
            return [], 0
        q = q.where(Post.author_id == viewer_id, Post.is_draft.is_(True))
    else:
        q = q.where(Post.is_draft.is_(False))
    if filters.post_type:
        q = q.where(Post.post_type == filters.post_type)
    if filters.user_id is not None:
        q = q.where(Post.author_id == filters.user_id)
    elif viewer_id is not None and not filters.drafts:
        muted = graph.muted_ids(session, viewer_id)
        if muted:
            q = q.where(Post.author_id.not_in(muted))
    if filters.tag:
        tag = filters.tag.strip().lstrip("#").lower()
        q = q.where(Post.id.in_(select(PostHashtag.post_id).where(PostHashtag.tag == tag)))
    if filters.community_id is not None:
        q = q.where(Post.community_id == filters.community_id)
    if filters.challenge_id is not None:
        q = q.where(Post.id.in_(select(ChallengeEntry.post_id).where(
            ChallengeEntry.challenge_id == filters.challenge_id)))
    if filters.period in PERIODS:
        q = q.where(Post.created_at >= utcnow() - timedelta(days=PERIODS[filters.period]))
    if filters.facets.active:
        q = q.where(filter_clause(filters.facets, include_reposts=True))
    if filters.post_ids is not None:
        q = q.where(Post.id.in_(list(filters.post_ids)))
    total = count_capped(session, q, page)
    if filters.sort == "hot":
        q = q.order_by(desc(Post.hot_score), desc(Post.id))
    elif filters.sort == "top":
        q = q.order_by(desc(Post.like_count + 2 * Post.comment_count + 3 * Post.share_count
                            + 2 * Post.save_count), desc(Post.id))
    else:
        q = q.order_by(desc(Post.created_at), desc(Post.id))
    posts = session.scalars(q.offset(page.offset).limit(page.per_page)).all()
    if filters.user_id is None and not filters.drafts:
        # Like muted authors, muted words apply to the mixed listing, not to one person's
        # posts; the page is filtered after paging, so it may come back shorter than per_page.
        words = viewer_matcher(session, viewer_id)
        posts = [p for p in posts if not hides(words, viewer_id, p)]
    return build_post_reads(session, viewer_id, posts, base_url=base_url), total


def public_post(session: Session, post_id: int) -> tuple[PostRead, list[MediaRead]]:
    """What the public web page of a post shows (anonymous visibility rules)."""
    post = get_visible_post(session, None, post_id)
    read = read_post(session, None, post)
    return read, read.media
