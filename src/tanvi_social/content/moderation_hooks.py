"""How moderation sees content: owners and state changes of posts and comments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content import comments
from tanvi_social.content.access import can_view_post
from tanvi_social.content.events import PostModerated
from tanvi_social.content.models import Comment, ModerationState, Post, PostType
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import InvalidState, NotFound
from tanvi_social.social.counters import adjust_posts_count

REMOVED = ModerationState.REMOVED.value


def post_owner(session: Session, post_id: int) -> int | None:
    return session.scalar(select(Post.author_id).where(Post.id == post_id))


def set_post_state(session: Session, post_id: int, state: str) -> None:
    """Apply a moderation state; a removed post stops counting in its author's posts_count."""
    if state not in {s.value for s in ModerationState}:
        raise InvalidState("Unknown moderation state", code="invalid_state")
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("Post not found", code="post_not_found")
    counted = (post.deleted_at is None and not post.is_draft
               and post.post_type != PostType.REPOST.value)
    if counted and (post.moderation_state == REMOVED) != (state == REMOVED):
        adjust_posts_count(session, post.author_id, -1 if state == REMOVED else 1)
    post.moderation_state = state
    record_event(session, PostModerated(post_id=post.id, state=state))
    session.flush()


def can_view_post_id(session: Session, viewer_id: int, post_id: int) -> bool:
    post = session.get(Post, post_id)
    return post is not None and can_view_post(session, viewer_id, post)


def can_view_comment_id(session: Session, viewer_id: int, comment_id: int) -> bool:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        return False
    return can_view_post_id(session, viewer_id, comment.post_id)


def register(targets: object) -> None:
    """Register `post` and `comment` with `moderation.targets`."""
    register_target = targets.register_target  # type: ignore[attr-defined]
    register_target("post", owner_of=post_owner, set_state=set_post_state,
                    can_view=can_view_post_id)
    register_target("comment", owner_of=comments.comment_owner,
                    set_state=comments.set_comment_state, can_view=can_view_comment_id)
