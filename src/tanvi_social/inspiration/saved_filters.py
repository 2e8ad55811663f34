"""Saved filters: a user's named outfit filter (content.filters) plus optional search text, and
the notification for each new post that matches one with `notify` on.

Only the owner ever sees a saved filter (anyone else gets a 404). At most `MAX_SAVED_FILTERS`
per account; names are unique per account.

Matching a new post (the `post.created` consumer, `match_new_post`) is bounded by the filters
that can match, never by all of them:

1. the post's own values, from the same SQL conditions the listings use
   (`content.filters.post_facets`, one query);
2. the candidate filters, in one indexed query: `notify_key` (the filter's most selective
   "dimension:value", kept only while `notify` is on) must be one of the post's values, and each
   of the filter's other values must be one of the post's too;
3. for a candidate with search text, whether the post's search document matches it (the post
   is indexed right then: the `inspiration.index_posts` job may not have run yet);
4. one notification per owner (however many of their filters match), only when the owner may
   see the post (`content.access.can_view_post`: visibility, blocks, communities), never to the
   author, not when the owner's muted words hide the post from their feeds, and — through
   `notify` — never from someone the owner blocked or muted.

Before all that, inside the unit of work that publishes the post, `concerns_post` (a content
publish watcher) asks whether any other owner's notify-on filter is keyed on one of the post's
values; when none is, the `post.created` step does not open its unit of work at all.

Owners are handled in id order: the first `INLINE_OWNERS` inside the author's request (so their
notification exists when it returns), the others by the job `inspiration.notify_saved_filters`,
`JOB_CHUNK` per unit of work. Each step skips owners already notified about the post, so a
retried job never notifies twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content import service as content_service
from tanvi_social.content.access import can_view_post
from tanvi_social.content.filters import (
    DIMENSIONS,
    NO_FILTER,
    PostFilter,
    merge_filters,
    parse_filter,
    post_facets,
)
from tanvi_social.content.models import ModerationState, Post
from tanvi_social.content.muting import hides, viewer_matcher
from tanvi_social.content.schemas import PostRead
from tanvi_social.core.errors import Conflict, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import search
from tanvi_social.inspiration.models import SavedFilter
from tanvi_social.inspiration.schemas import SavedFilterCreate, SavedFilterRead
from tanvi_social.social.models import Notification
from tanvi_social.social.notifications import notify

MAX_SAVED_FILTERS = 20
NOTIFICATION_TYPE = "saved_filter_match"
INLINE_OWNERS = 25  # owners notified inside the author's request; the rest in a job
JOB_CHUNK = 100  # owners per unit of work in the job (~0.5 s on SQLite, docs/filters.md)
JOB_NAME = "inspiration.notify_saved_filters"
WATCHER = "saved_filters"  # its name among content's publish watchers


def _read(row: SavedFilter) -> SavedFilterRead:
    return SavedFilterRead(
        id=row.id, name=row.name, query=row.query, occasion=row.occasion, season=row.season,
        weather=row.weather, formality=row.formality, price=row.price, price_band=row.price,
        max_price=row.max_price, notify=row.notify, match_count=row.match_count,
        last_matched_at=row.last_matched_at, created_at=row.created_at)


def stored_filter(row: SavedFilter) -> PostFilter:
    return parse_filter({d: getattr(row, d) for d in DIMENSIONS})


def _notify_key(f: PostFilter) -> str | None:
    values = f.values()
    if not values:
        return None
    dim, value = next(iter(values.items()))
    return f"{dim}:{value}"


def create_saved_filter(session: Session, owner_id: int,
                        data: SavedFilterCreate) -> SavedFilterRead:
    """Save a filter. Outfit operators in `query` (`season:winter`) join the fields (a clash is a
    422); a filter needs some value or text, and `notify` needs an outfit value."""
    parsed = search.parse_query(data.query) if data.query else None
    f = merge_filters(data.post_filter(),
                      parsed.post_filter if parsed is not None else NO_FILTER)
    has_text = parsed is not None and not parsed.empty
    if not f.active and not has_text:
        raise ValidationFailed(
            "A saved filter needs an outfit filter or search text", code="empty_saved_filter",
            details=[{"loc": ["body"], "msg": "set occasion, season, weather, formality, price, "
                                              "max_price or query"}])
    if data.notify and not f.active:
        raise ValidationFailed(
            "Notifications need at least one outfit filter", code="notify_needs_filter",
            details=[{"loc": ["body", "notify"],
                      "msg": "set occasion, season, weather, formality, price or max_price, "
                             "or notify: false"}])
    # Serialise the owner's creates (row lock on PostgreSQL; SQLite has one writer) so the cap
    # holds under concurrency.
    session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    count = session.scalar(select(func.count()).select_from(SavedFilter).where(
        SavedFilter.owner_id == owner_id)) or 0
    if count >= MAX_SAVED_FILTERS:
        raise Conflict(f"You can keep at most {MAX_SAVED_FILTERS} saved filters",
                       code="saved_filter_limit")
    row = SavedFilter(owner_id=owner_id, name=data.name, query=data.query, notify=data.notify,
                      notify_key=_notify_key(f) if data.notify else None, match_count=0,
                      created_at=utcnow(), **f.values())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("You already have a saved filter with this name",
                       code="duplicate_saved_filter") from None
    return _read(row)


def list_saved_filters(session: Session, owner_id: int) -> list[SavedFilterRead]:
    """The caller's saved filters, newest first."""
    rows = session.scalars(select(SavedFilter).where(SavedFilter.owner_id == owner_id)
                           .order_by(SavedFilter.id.desc()))
    return [_read(r) for r in rows]


def _own(session: Session, owner_id: int, filter_id: int) -> SavedFilter:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.owner_id != owner_id:
        raise NotFound("Saved filter not found", code="saved_filter_not_found")
    return row


def get_saved_filter(session: Session, owner_id: int, filter_id: int) -> SavedFilterRead:
    return _read(_own(session, owner_id, filter_id))


def delete_saved_filter(session: Session, owner_id: int, filter_id: int) -> None:
    session.delete(_own(session, owner_id, filter_id))
    session.flush()


def saved_filter_posts(session: Session, owner_id: int, filter_id: int, page: PageParams,
                       base_url: str = "") -> tuple[SavedFilterRead, list[PostRead], int]:
    """Run the filter now: the posts the owner may see that match it, newest first."""
    row = _own(session, owner_id, filter_id)
    ids = search.matching_post_ids(session, row.query) if row.query else None
    filters = content_service.PostFilters(facets=stored_filter(row), post_ids=ids, sort="new")
    posts, total = content_service.list_posts(session, owner_id, filters, page, base_url)
    return _read(row), posts, total


def _candidates(session: Session, post: Post, after_owner: int,
                limit: int) -> tuple[dict[int, list[SavedFilter]], int | None]:
    """The matching notify-on filters of the next `limit` owners (ids above `after_owner`),
    by owner, and the last of those owners when more are left."""
    facets = post_facets(session, post.id)
    keys = [f"{d}:{v}" for d, values in facets.items() for v in values]
    if not keys:
        return {}, None
    # Every value of a filter must be one of the post's; its notify_key (one of those values)
    # is what the index finds it by.
    values = []
    for dim in DIMENSIONS:
        column = getattr(SavedFilter, dim)
        mine = sorted(facets.get(dim, ()))
        values.append(or_(column.is_(None), column.in_(mine)) if mine else column.is_(None))
    window = list(session.scalars(
        select(SavedFilter.owner_id).where(
            SavedFilter.notify_key.in_(keys), SavedFilter.owner_id > after_owner,
            SavedFilter.owner_id != post.author_id, *values)
        .distinct().order_by(SavedFilter.owner_id).limit(limit + 1)))
    owners, more = window[:limit], len(window) > limit
    by_owner: dict[int, list[SavedFilter]] = {}
    indexed = False
    if owners:
        for row in session.scalars(select(SavedFilter).where(
                SavedFilter.owner_id.in_(owners), SavedFilter.notify_key.is_not(None), *values)
                                   .order_by(SavedFilter.owner_id, SavedFilter.id)):
            if row.query:
                if not indexed:  # search indexing runs in a job: do not wait for it
                    search.index_post(session, post.id)
                    indexed = True
                if not search.post_matches(session, post.id, row.query):
                    continue
            by_owner.setdefault(row.owner_id, []).append(row)
    return by_owner, (owners[-1] if more else None)


_ANY_CANDIDATE = (
    select(literal(1)).select_from(SavedFilter)
    .where(SavedFilter.notify_key.in_(bindparam("keys", expanding=True)),
           SavedFilter.owner_id != bindparam("author"))
    .limit(1))


def concerns_post(session: Session, post: Post, facets: frozenset[str]) -> bool:
    """Content's publish watcher: could `match_new_post` notify anyone about this post?

    Asked inside the publishing unit of work with the post's filter values (the rows
    `post_facets` reads back later): no when `match_new_post` would return at once, or when no
    notify-on filter of another owner is keyed on one of those values (one indexed query; the
    matcher's own candidates are a subset of these). Then the `post.created` step skips its unit
    of work.
    """
    if (not facets or post.deleted_at is not None or post.is_draft
            or post.repost_of_id is not None
            or post.moderation_state != ModerationState.VISIBLE.value):
        return False
    return session.execute(_ANY_CANDIDATE, {"keys": sorted(facets),
                                            "author": post.author_id}).first() is not None


def match_new_post(session: Session, post_id: int, limit: int = INLINE_OWNERS,
                   after_owner: int = 0) -> tuple[int, int | None]:
    """Notify the next `limit` owners (in id order, after `after_owner`) whose notify-on saved
    filters the newly published post matches (see the module docstring).

    Returns (notifications sent, the last owner handled when more are left, else None).
    Idempotent: an owner already notified about this post is skipped, so a retried or
    resumed run never notifies twice.
    """
    post = session.get(Post, post_id)
    if (post is None or post.deleted_at is not None or post.is_draft
            or post.repost_of_id is not None
            or post.moderation_state != ModerationState.VISIBLE.value):
        return 0, None
    by_owner, cursor = _candidates(session, post, after_owner, limit)
    done = set(session.scalars(select(Notification.recipient_id).where(
        Notification.type == NOTIFICATION_TYPE, Notification.target_type == "post",
        Notification.target_id == post_id, Notification.recipient_id.in_(by_owner)))) \
        if by_owner else set()
    sent = 0
    now = utcnow()
    for owner_id, rows in by_owner.items():
        if owner_id in done or not can_view_post(session, owner_id, post):
            continue
        if hides(viewer_matcher(session, owner_id), owner_id, post):
            continue  # the owner's muted words keep it out of their feeds: no alert either
        note = notify(session, recipient_id=owner_id, actor_id=post.author_id,
                      type=NOTIFICATION_TYPE, target_type="post", target_id=post.id,
                      data={"post_id": post.id, "saved_filter_id": rows[0].id,
                            "saved_filter_name": rows[0].name,
                            "saved_filter_ids": [r.id for r in rows]})
        if note is None:
            continue
        sent += 1
        session.execute(update(SavedFilter).where(SavedFilter.id.in_([r.id for r in rows]))
                        .values(match_count=SavedFilter.match_count + 1, last_matched_at=now)
                        .execution_options(synchronize_session=False))
    return sent, cursor


async def notify_job(platform: Any, *, post_id: int, after_owner: int) -> None:
    """The rest of a large match, `JOB_CHUNK` owners per unit of work."""
    cursor: int | None = after_owner
    while cursor is not None:
        _, cursor = await platform.db.run(match_new_post, post_id, JOB_CHUNK, cursor)


async def on_post_created(platform: Any, post_id: int) -> None:
    """The `post.created` step: the first `INLINE_OWNERS` owners now (their notification is
    there when the author's request returns), any others in the background job."""
    _, cursor = await platform.db.run(match_new_post, post_id, INLINE_OWNERS)
    if cursor is not None:
        from tanvi_social.core.jobs import enqueue

        await enqueue(platform, JOB_NAME, post_id=post_id, after_owner=cursor)


def register(platform: Any) -> None:
    from tanvi_social.core.jobs import register_job

    register_job(JOB_NAME, notify_job)
    content_service.watch_publish(WATCHER, concerns_post)
