"""Threaded comments and comment likes. `comment_count` counts live, visible comments exactly."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.content import service
from tanvi_social.content.access import get_visible_post
from tanvi_social.content.events import CommentAdded
from tanvi_social.content.models import Comment, CommentLike, ModerationState, Post
from tanvi_social.content.schemas import CommentLikeResult, CommentRead
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social import graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify

MAX_DEPTH = 3  # a top-level comment has depth 0; replies nest at most three levels deep
VISIBLE = ModerationState.VISIBLE.value


def _counts_live(c: Comment) -> bool:
    return c.deleted_at is None and c.moderation_state == VISIBLE


def _adjust(session: Session, comment: Comment, delta: int, post: Post | None = None) -> None:
    """A comment starts or stops counting: post comment_count and parent reply_count. `post`:
    the post as this unit of work read it (its hot score then goes in the same UPDATE)."""
    service.bump_counters(session, comment.post_id, known=post, comment_count=delta)
    if comment.parent_id is not None:
        session.execute(update(Comment).where(Comment.id == comment.parent_id)
                        .values(reply_count=Comment.reply_count + delta)
                        .execution_options(synchronize_session=False))


def _visible_comment(session: Session, viewer_id: int | None, comment_id: int
                     ) -> tuple[Comment, Post]:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound("Comment not found", code="comment_not_found")
    try:
        post = get_visible_post(session, viewer_id, comment.post_id)
    except NotFound:
        raise NotFound("Comment not found", code="comment_not_found") from None
    if comment.moderation_state != VISIBLE and comment.author_id != viewer_id:
        raise NotFound("Comment not found", code="comment_not_found")
    if viewer_id is not None and comment.author_id is not None and \
            graph.blocked_either_way(session, viewer_id, comment.author_id):
        raise NotFound("Comment not found", code="comment_not_found")
    return comment, post


def add_comment(session: Session, user_id: int, post_id: int, content: str,
                parent_comment_id: int | None) -> CommentRead:
    """Comment on a visible post (or reply within its thread, up to MAX_DEPTH)."""
    post = get_visible_post(session, user_id, post_id)
    if not post.allow_comments and post.author_id != user_id:
        raise Forbidden("Comments are turned off for this post", code="comments_disabled")
    parent = None
    if parent_comment_id is not None:
        parent, _ = _visible_comment(session, user_id, parent_comment_id)
        if parent.post_id != post_id:
            raise NotFound("Comment not found", code="comment_not_found")
        if parent.depth >= MAX_DEPTH:
            raise ValidationFailed(
                f"Replies nest at most {MAX_DEPTH} levels deep", code="comment_depth_limit",
                details=[{"loc": ["body", "parent_comment_id"], "msg": "too deep"}])
    state = service.screen_text(session, content)
    comment = Comment(post_id=post_id, author_id=user_id,
                      parent_id=parent.id if parent else None,
                      depth=parent.depth + 1 if parent else 0, body=content,
                      moderation_state=state)
    session.add(comment)
    session.flush()
    service.flag_if_held(session, state, "comment", comment.id, user_id)
    if state == VISIBLE:
        _adjust(session, comment, 1, post)
        notify(session, recipient_id=post.author_id, actor_id=user_id, type="comment",
               target_type="post", target_id=post_id,
               data={"comment_id": comment.id, "excerpt": content[:80]}, text=content)
        if parent is not None and parent.author_id is not None and \
                parent.author_id != post.author_id:
            notify(session, recipient_id=parent.author_id, actor_id=user_id, type="reply",
                   target_type="comment", target_id=parent.id,
                   data={"comment_id": comment.id, "post_id": post_id, "excerpt": content[:80]},
                   text=content)
        for m in service.resolve_mentions(session, user_id, content):
            from tanvi_social.content.access import can_view_post

            if m["id"] != post.author_id and can_view_post(session, m["id"], post):
                notify(session, recipient_id=m["id"], actor_id=user_id, type="mention",
                       target_type="comment", target_id=comment.id,
                       data={"post_id": post_id, "comment_id": comment.id}, text=content)
        record_event(session, CommentAdded(comment_id=comment.id, post_id=post_id,
                                           author_id=user_id, parent_id=comment.parent_id))
    record_activity(session, user_id=user_id, type="comment", target_type="post",
                    target_id=post_id, data={"comment_id": comment.id,
                                             "is_reply": parent is not None})
    session.flush()
    return _reads(session, user_id, [comment])[0]


def _reads(session: Session, viewer_id: int | None, comments: list[Comment]) -> list[CommentRead]:
    cards = author_cards(session, {c.author_id for c in comments if c.author_id is not None})
    liked: set[int] = set()
    if viewer_id is not None and comments:
        liked = set(session.scalars(select(CommentLike.comment_id).where(
            CommentLike.user_id == viewer_id,
            CommentLike.comment_id.in_([c.id for c in comments]))))
    out = []
    for c in comments:
        deleted = c.deleted_at is not None
        out.append(CommentRead(
            id=c.id, post_id=c.post_id,
            author=None if deleted or c.author_id is None else cards.get(c.author_id),
            parent_comment_id=c.parent_id, depth=c.depth, content="" if deleted else c.body,
            like_count=c.like_count, reply_count=c.reply_count,
            moderation_state=c.moderation_state, is_deleted=deleted, liked=c.id in liked,
            created_at=c.created_at, edited_at=c.edited_at))
    return out


def list_comments(session: Session, viewer_id: int | None, post_id: int, page: PageParams
                  ) -> tuple[list[CommentRead], int]:
    """Top-level comments, oldest first, each with its whole reply tree (loaded level by level).

    Hidden: comments held or hidden by moderation (except the viewer's own), comments by
    accounts blocked either way. Deleted comments stay as empty tombstones while replies remain.
    """
    get_visible_post(session, viewer_id, post_id)
    blocked = graph.blocked_ids(session, viewer_id) if viewer_id is not None else set()

    def shown(q):
        q = q.where(Comment.post_id == post_id)
        state_ok = Comment.moderation_state == VISIBLE
        if viewer_id is not None:
            state_ok = state_ok | (Comment.author_id == viewer_id)
        q = q.where(state_ok)
        if blocked:
            q = q.where(Comment.author_id.is_(None) | Comment.author_id.not_in(blocked))
        return q.where(Comment.deleted_at.is_(None) | (Comment.reply_count > 0))

    roots_q = shown(select(Comment).where(Comment.parent_id.is_(None)))
    total = session.scalar(select(func.count()).select_from(roots_q.subquery())) or 0
    roots = list(session.scalars(roots_q.order_by(Comment.created_at, Comment.id)
                                 .offset(page.offset).limit(page.per_page)))
    all_comments = list(roots)
    level = [c.id for c in roots]
    children: dict[int, list[Comment]] = {}
    for _ in range(MAX_DEPTH):
        if not level:
            break
        rows = list(session.scalars(shown(select(Comment).where(Comment.parent_id.in_(level)))
                                    .order_by(Comment.created_at, Comment.id)))
        for r in rows:
            children.setdefault(r.parent_id or 0, []).append(r)
        all_comments.extend(rows)
        level = [r.id for r in rows]
    reads = {r.id: r for r in _reads(session, viewer_id, all_comments)}

    def tree(c: Comment) -> CommentRead:
        read = reads[c.id]
        read.replies = [tree(child) for child in children.get(c.id, [])]
        return read

    return [tree(c) for c in roots], total


def update_comment(session: Session, user_id: int, comment_id: int, content: str) -> CommentRead:
    """Edit one's own comment (others: 403 when visible, else 404)."""
    comment, _ = _visible_comment(session, user_id, comment_id)
    if comment.author_id != user_id:
        raise Forbidden("Only the author may edit this comment", code="not_comment_author")
    state = service.screen_text(session, content)
    was_live = _counts_live(comment)
    comment.body = content
    comment.edited_at = utcnow()
    if state != VISIBLE and comment.moderation_state == VISIBLE:
        comment.moderation_state = state
        service.flag_if_held(session, state, "comment", comment.id, user_id)
    if was_live and not _counts_live(comment):
        _adjust(session, comment, -1)
    session.flush()
    return _reads(session, user_id, [comment])[0]


def delete_comment(session: Session, user_id: int, comment_id: int, is_moderator: bool) -> None:
    """The comment's author, the post's author or a moderator may delete it (soft)."""
    comment, post = _visible_comment(session, user_id, comment_id)
    if user_id not in (comment.author_id, post.author_id) and not is_moderator:
        raise Forbidden("You may not delete this comment", code="not_comment_author")
    remove_comment(session, comment)


def remove_comment(session: Session, comment: Comment) -> None:
    if comment.deleted_at is not None:
        return
    was_live = _counts_live(comment)
    comment.deleted_at = utcnow()
    comment.body = ""
    session.flush()
    if was_live:
        _adjust(session, comment, -1)


def set_comment_state(session: Session, comment_id: int, state: str) -> None:
    """Moderation: move a comment between visible/held/hidden/removed, counters following."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("Comment not found", code="comment_not_found")
    if state not in {s.value for s in ModerationState}:
        raise InvalidState("Unknown moderation state", code="invalid_state")
    was_live = _counts_live(comment)
    comment.moderation_state = state
    now_live = _counts_live(comment)
    session.flush()
    if was_live != now_live:
        _adjust(session, comment, 1 if now_live else -1)


def comment_owner(session: Session, comment_id: int) -> int | None:
    return session.scalar(select(Comment.author_id).where(Comment.id == comment_id))


def like_comment(session: Session, user_id: int, comment_id: int) -> CommentLikeResult:
    comment, _ = _visible_comment(session, user_id, comment_id)
    try:
        with session.begin_nested():
            session.add(CommentLike(comment_id=comment_id, user_id=user_id))
    except IntegrityError as exc:
        raise Conflict("You already liked this comment", code="already_liked") from exc
    count = session.execute(update(Comment).where(Comment.id == comment_id)
                            .values(like_count=Comment.like_count + 1)
                            .returning(Comment.like_count)
                            .execution_options(synchronize_session=False)).scalar_one()
    if comment.author_id is not None:
        notify(session, recipient_id=comment.author_id, actor_id=user_id, type="comment_like",
               target_type="comment", target_id=comment_id, data={"post_id": comment.post_id})
    return CommentLikeResult(comment_id=comment_id, liked=True, like_count=count)


def unlike_comment(session: Session, user_id: int, comment_id: int) -> CommentLikeResult:
    _visible_comment(session, user_id, comment_id)
    removed = session.execute(delete(CommentLike).where(
        CommentLike.comment_id == comment_id, CommentLike.user_id == user_id,
    ).returning(CommentLike.id)).first()
    if removed is None:
        raise NotFound("You have not liked this comment", code="not_liked")
    count = session.execute(update(Comment).where(Comment.id == comment_id)
                            .values(like_count=Comment.like_count - 1)
                            .returning(Comment.like_count)
                            .execution_options(synchronize_session=False)).scalar_one()
    return CommentLikeResult(comment_id=comment_id, liked=False, like_count=count)
