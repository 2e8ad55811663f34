"""Reactions, shares and saves. Uniqueness is a database constraint; counters move in SQL."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content import service
from tanvi_social.content.access import can_view_post, get_visible_post, visible_posts_clause
from tanvi_social.content.events import (
    PostLiked,
    PostSaved,
    PostShared,
    PostViewerStateChanged,
)
from tanvi_social.content.models import (
    Collection,
    CollectionItem,
    Post,
    PostType,
    Reaction,
    Save,
    Share,
    ShareType,
)
from tanvi_social.content.muting import post_texts
from tanvi_social.content.schemas import (
    ReactionCounts,
    ReactionResult,
    SaveRead,
    SaveRequest,
    ShareRead,
    ShareRequest,
)
from tanvi_social.core.db import UTCDateTime, record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social.activities import record_activity
from tanvi_social.social.notifications import notify

# --- reactions ---------------------------------------------------------------------------------


_COUNTS = (select(Reaction.reaction_type, func.count())
           .where(Reaction.post_id == bindparam("post_id")).group_by(Reaction.reaction_type))


def reaction_counts(session: Session, post_id: int) -> ReactionCounts:
    """Exact counts by type, from the reactions themselves."""
    counts = ReactionCounts()
    for kind, n in session.execute(_COUNTS, {"post_id": post_id}):
        if kind in ReactionCounts.model_fields:
            setattr(counts, kind, int(n))
        counts.total += int(n)
    return counts


def react(session: Session, user_id: int, post_id: int, reaction_type: str
          ) -> tuple[ReactionResult, bool]:
    """Like (or love/fire/style_goals) a visible post. Same type again → 409; another type
    changes the reaction (counts by type follow). Returns (result, created)."""
    post = get_visible_post(session, user_id, post_id)
    if not _insert_reaction(session, post_id, user_id, reaction_type):
        existing = session.scalar(select(Reaction).where(Reaction.post_id == post_id,
                                                         Reaction.user_id == user_id))
        if existing is None or existing.reaction_type == reaction_type:
            raise Conflict("You already reacted to this post", code="already_liked")
        existing.reaction_type = reaction_type
        session.flush()
        record_event(session, PostLiked(post_id=post_id, user_id=user_id,
                                        author_id=post.author_id, reaction_type=reaction_type))
        return _result(session, post_id, reaction_type, post.like_count), False
    notify(session, recipient_id=post.author_id, actor_id=user_id, type="like",
           target_type="post", target_id=post_id, data={"reaction_type": reaction_type})
    record_activity(session, user_id=user_id, type="like", target_type="post",
                    target_id=post_id, data={"reaction_type": reaction_type})
    record_event(session, PostLiked(post_id=post_id, user_id=user_id, author_id=post.author_id,
                                    reaction_type=reaction_type))
    result = _result(session, post_id, reaction_type, 0)
    # the counter row is locked from here to the commit: keep this the last statement
    counts = service.bump_counters(session, post_id, known=post, like_count=1)
    result.like_count = counts["likes"]
    return result, True


def _insert_reaction(session: Session, post_id: int, user_id: int, kind: str) -> bool:
    """Insert the reaction unless (post, user) already has one: one statement, no savepoint
    (`INSERT ... ON CONFLICT DO NOTHING RETURNING`, SQLite and PostgreSQL). True if inserted."""
    dialect = session.get_bind().dialect.name
    stmt = _INSERT_REACTION.get(dialect)
    if stmt is None:  # built once per dialect
        table = cast(Table, Reaction.__table__)
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = _INSERT_REACTION[dialect] = (
            insert(table).values(post_id=bindparam("b_post"), user_id=bindparam("b_user"),
                                 reaction_type=bindparam("b_kind"),
                                 created_at=bindparam("b_at", type_=UTCDateTime()))
            .on_conflict_do_nothing(index_elements=[table.c.post_id, table.c.user_id])
            .returning(table.c.id))
    return session.execute(stmt, {"b_post": post_id, "b_user": user_id, "b_kind": kind,
                                  "b_at": utcnow()}).first() is not None


_INSERT_REACTION: dict[str, Any] = {}


def _result(session: Session, post_id: int, kind: str | None, like_count: int) -> ReactionResult:
    return ReactionResult(post_id=post_id, liked=kind is not None, like_type=kind,
                          like_count=like_count, counts=reaction_counts(session, post_id))


def unreact(session: Session, user_id: int, post_id: int) -> ReactionResult:
    """Remove the caller's reaction (404 if there is none)."""
    post = get_visible_post(session, user_id, post_id)
    removed = session.execute(delete(Reaction).where(
        Reaction.post_id == post_id, Reaction.user_id == user_id).returning(Reaction.id)).first()
    if removed is None:
        raise NotFound("You have not reacted to this post", code="not_liked")
    record_event(session, PostViewerStateChanged(post_id=post_id, user_id=user_id))
    counts = service.bump_counters(session, post_id, known=post, like_count=-1)
    return _result(session, post_id, None, counts["likes"])


def get_reactions(session: Session, viewer_id: int | None, post_id: int
                  ) -> tuple[ReactionCounts, service.ViewerState]:
    get_visible_post(session, viewer_id, post_id)
    state = service.viewer_states(session, viewer_id, [post_id])[post_id]
    return reaction_counts(session, post_id), state


def toggle_like(session: Session, user_id: int, post_id: int) -> tuple[bool, int]:
    """The WS6 app's toggle: like if not reacted, else remove the reaction → (liked, likes)."""
    get_visible_post(session, user_id, post_id)
    has = session.scalar(select(Reaction.id).where(Reaction.post_id == post_id,
                                                   Reaction.user_id == user_id))
    if has is None:
        result, _ = react(session, user_id, post_id, "like")
        return True, result.like_count
    result = unreact(session, user_id, post_id)
    return False, result.like_count


# --- shares --------------------------------------------------------------------------------


def share_post(session: Session, user_id: int, post_id: int, data: ShareRequest,
               base_url: str = "") -> ShareRead:
    """Repost (appears in the sharer's followers' feeds), external link, or send to a user."""
    post = get_visible_post(session, user_id, post_id)
    if post.repost_of_id is not None:  # sharing a repost shares the original
        post = get_visible_post(session, user_id, post.repost_of_id)
    if not post.allow_sharing and post.author_id != user_id:
        raise Forbidden("The author turned sharing off for this post", code="sharing_disabled")
    public = can_view_post(session, None, post)
    url = service.share_url(base_url, post.id)
    repost: Post | None = None
    recipient_id = None
    if data.share_type == ShareType.DIRECT.value:
        recipient_id = data.recipient_user_id
        if recipient_id is None:
            raise ValidationFailed("recipient_user_id is required to send a post",
                                   code="recipient_required",
                                   details=[{"loc": ["body", "recipient_user_id"],
                                             "msg": "required for share_type=direct"}])
        recipient = session.get(User, recipient_id)
        if recipient is None or not recipient.is_active or recipient_id == user_id or \
                not can_view_post(session, recipient_id, post):
            raise ValidationFailed("That person cannot be sent this post",
                                   code="recipient_cannot_view",
                                   details=[{"loc": ["body", "recipient_user_id"],
                                             "msg": "unknown, yourself, or cannot see it"}])
    elif not public:
        raise InvalidState("Only public posts can be reposted or shared outside",
                           code="not_shareable")
    share = Share(post_id=post.id, user_id=user_id, share_type=data.share_type,
                  share_platform="internal" if data.share_type != "external"
                  else data.share_platform, caption=data.share_caption,
                  recipient_id=recipient_id)
    if data.share_type == ShareType.REPOST.value:
        caption = data.share_caption or ""
        state = service.screen_text(session, caption)
        now = utcnow()
        repost = Post(author_id=user_id, post_type=PostType.REPOST.value, caption=caption,
                      hashtags=service.parse_hashtags(caption),
                      mentions=service.resolve_mentions(session, user_id, caption),
                      visibility="public", repost_of_id=post.id, moderation_state=state,
                      created_at=now, published_at=now,
                      hot_score=service.hot_score(0, 0, 0, 0, now))
        share.dedupe_key = f"{post.id}:{user_id}"
    try:
        with session.begin_nested():
            if repost is not None:
                session.add(repost)
                session.flush()
                share.repost_id = repost.id
            session.add(share)
    except IntegrityError as exc:
        raise Conflict("You already reposted this post", code="already_reposted") from exc
    if repost is not None:
        service.flag_if_held(session, repost.moderation_state, "post", repost.id, user_id)
        service._set_hashtags(session, repost)
        service._on_publish(session, repost, frozenset())  # a repost has no filter values
    counts = service.bump_counters(session, post.id, known=post, share_count=1)
    if recipient_id is not None:
        notify(session, recipient_id=recipient_id, actor_id=user_id, type="post_sent",
               target_type="post", target_id=post.id,
               data={"post_id": post.id, "caption": data.share_caption or ""},
               text=[data.share_caption, *post_texts(post.title, post.caption, post.hashtags,
                                                     post.style_tags)])
    notify(session, recipient_id=post.author_id, actor_id=user_id, type="share",
           target_type="post", target_id=post.id, data={"share_type": data.share_type},
           text=data.share_caption)
    record_activity(session, user_id=user_id, type="share", target_type="post", target_id=post.id,
                    data={"share_type": data.share_type})
    record_event(session, PostShared(post_id=post.id, user_id=user_id, author_id=post.author_id,
                                     share_type=data.share_type,
                                     repost_id=repost.id if repost else None))
    session.flush()
    repost_read = service.read_post(session, user_id, repost, base_url) if repost else None
    return ShareRead(id=share.id, post_id=post.id, share_type=share.share_type,
                     share_platform=share.share_platform, share_url=url,
                     recipient_user_id=recipient_id, repost=repost_read,
                     share_count=counts["shares"], created_at=share.created_at)


# --- saves ---------------------------------------------------------------------------------


def writable_collection(session: Session, user_id: int, collection_id: int) -> Collection:
    """A collection the user may add to: their own, or a collaborative one they contribute to."""
    from tanvi_social.content.collections import can_add_to, get_collection_row

    collection = get_collection_row(session, collection_id)
    if collection is None or not can_add_to(session, user_id, collection):
        raise NotFound("Collection not found", code="collection_not_found")
    return collection


def save_post(session: Session, user_id: int, post_id: int, data: SaveRequest,
              base_url: str = "") -> SaveRead:
    """Bookmark a visible post (409 if already saved), optionally into a collection."""
    post = get_visible_post(session, user_id, post_id)
    collection = None
    if data.collection_id is not None:
        collection = writable_collection(session, user_id, data.collection_id)
    save = Save(post_id=post_id, user_id=user_id, collection_id=data.collection_id,
                notes=data.notes, save_reason=data.save_reason)
    try:
        with session.begin_nested():
            session.add(save)
    except IntegrityError as exc:
        raise Conflict("You already saved this post", code="already_saved") from exc
    if collection is not None:
        from tanvi_social.content.collections import add_item_row

        add_item_row(session, collection, post_id, user_id, data.notes, missing_ok=True)
    service.bump_counters(session, post_id, known=post, save_count=1)
    record_activity(session, user_id=user_id, type="save", target_type="post", target_id=post_id)
    record_event(session, PostSaved(post_id=post_id, user_id=user_id, author_id=post.author_id))
    session.flush()
    return SaveRead(id=save.id, post_id=post_id, collection_id=save.collection_id,
                    notes=save.notes, save_reason=save.save_reason, created_at=save.created_at,
                    post=service.read_post(session, user_id, post, base_url))


def unsave_post(session: Session, user_id: int, post_id: int) -> None:
    """Remove the bookmark (and the collection item it filed)."""
    get_visible_post(session, user_id, post_id)
    save = session.scalar(select(Save).where(Save.post_id == post_id, Save.user_id == user_id))
    if save is None:
        raise NotFound("You have not saved this post", code="not_saved")
    if save.collection_id is not None:
        removed = session.execute(delete(CollectionItem).where(
            CollectionItem.collection_id == save.collection_id,
            CollectionItem.post_id == post_id, CollectionItem.added_by_id == user_id,
        ).returning(CollectionItem.id)).all()
        if removed:
            session.execute(update(Collection).where(Collection.id == save.collection_id)
                            .values(items_count=Collection.items_count - len(removed)))
    session.delete(save)
    session.flush()
    record_event(session, PostViewerStateChanged(post_id=post_id, user_id=user_id))
    service.bump_counters(session, post_id, save_count=-1)


def list_saves(session: Session, user_id: int, collection_id: int | None, page: PageParams,
               base_url: str = "") -> tuple[list[SaveRead], int]:
    """The caller's saves of posts they can still see, newest first."""
    q = (select(Save, Post).join(Post, Post.id == Save.post_id)
         .where(Save.user_id == user_id, visible_posts_clause(session, user_id)))
    if collection_id is not None:
        q = q.where(Save.collection_id == collection_id)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(Save.id.desc()).offset(page.offset)
                           .limit(page.per_page)).all()
    reads = {p.id: p for p in service.build_post_reads(session, user_id, [r[1] for r in rows],
                                                       base_url=base_url)}
    return [SaveRead(id=s.id, post_id=s.post_id, collection_id=s.collection_id, notes=s.notes,
                     save_reason=s.save_reason, created_at=s.created_at, post=reads[p.id])
            for s, p in rows], total
