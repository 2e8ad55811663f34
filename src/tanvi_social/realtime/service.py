"""Who may receive what: stream recipients and topic permissions (sync, one unit of work each)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.core.errors import NotFound
from tanvi_social.social import graph
from tanvi_social.social.models import Mute


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        return None


def feed_recipients(session: Session, author_id: int, post_id: int, visibility: str | None,
                    candidates: Iterable[int]) -> set[int]:
    """Among `candidates` (users with a stream here), who gets a `post.created` for this post.

    The author's followers who may see the post, have not muted the author and did not mute a
    word the post contains, plus the author (their other devices). A draft, private, held or
    removed post reaches nobody but its author.
    """
    known = set(candidates)
    if not known:
        return set()
    out = {author_id} & known
    content_models = _optional("tanvi_social.content.models")
    post = session.get(content_models.Post, post_id) if content_models is not None else None
    if content_models is not None and post is None:
        return set()
    if post is not None:
        visibility = post.visibility
    if visibility not in ("public", "followers"):
        return out
    followers = graph.follower_ids(session, author_id) & known
    if not followers:
        return out
    # One query for "who muted the author" among the followers (graph.muted_ids is per muter).
    muted_by = set(session.scalars(select(Mute.muter_id).where(
        Mute.muted_id == author_id, Mute.muter_id.in_(followers))))
    followers -= muted_by
    if post is not None:
        access = importlib.import_module("tanvi_social.content.access")
        if post.community_id is not None or post.is_draft or post.deleted_at is not None \
                or post.moderation_state != "visible":
            followers = {uid for uid in followers if access.can_view_post(session, uid, post)}
        followers -= _muting_followers(session, post, followers)
    return out | followers


def _muting_followers(session: Session, post: Any, followers: set[int]) -> set[int]:
    """Those of `followers` whose muted words the post contains (one query for all of them)."""
    muted = _optional("tanvi_social.moderation.muted")
    muting = _optional("tanvi_social.content.muting")
    if muted is None or muting is None or not followers:
        return set()
    texts = muting.post_texts(post.title, post.caption, post.hashtags, post.style_tags)
    original = session.get(type(post), post.repost_of_id) if post.repost_of_id else None
    if original is not None:  # a repost is shown as its original
        texts += muting.post_texts(original.title, original.caption, original.hashtags,
                                   original.style_tags)
    return {uid for uid, m in muted.matchers_for(session, followers).items()
            if m.matches(*texts)}


def check_post_topic(session: Session, user_id: int, post_id: int) -> None:
    """NotFound unless the user may watch the post's live counts (i.e. may see the post)."""
    access = _optional("tanvi_social.content.access")
    if access is None:
        raise NotFound("Post not found", code="post_not_found")
    access.get_visible_post(session, user_id, post_id)


def check_event_topic(session: Session, user_id: int, event_id: int) -> None:
    """NotFound unless the user may see the event (its community, if any, must be visible)."""
    access = _optional("tanvi_social.community.access")
    models = _optional("tanvi_social.community.models")
    if access is None or models is None or not hasattr(models, "Event"):
        raise NotFound("Event not found", code="event_not_found")
    if hasattr(access, "can_view_event"):
        if not access.can_view_event(session, user_id, event_id):
            raise NotFound("Event not found", code="event_not_found")
        return
    event = session.get(models.Event, event_id)
    if event is None:
        raise NotFound("Event not found", code="event_not_found")
    organizer = getattr(event, "organizer_id", None)
    if organizer is not None and graph.blocked_either_way(session, user_id, organizer):
        raise NotFound("Event not found", code="event_not_found")
    community_id = getattr(event, "community_id", None)
    if community_id is not None and not access.can_view_community(session, user_id, community_id):
        raise NotFound("Event not found", code="event_not_found")


def check_topics(session: Session, user_id: int, posts: list[int], events: list[int]) -> None:
    """Every requested topic must be visible to the user (one unit of work for all)."""
    for post_id in posts:
        check_post_topic(session, user_id, post_id)
    for event_id in events:
        check_event_topic(session, user_id, event_id)
