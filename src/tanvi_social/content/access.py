"""The one rule for who may see a post, used by every read path (here and in other domains).

A post is visible to a viewer when all of these hold:

* it is not deleted;
* the viewer is its author — who also sees their drafts and posts a moderator or a filter
  `held` or `hidden` (never `removed`) — or else:
  * it is published (not a draft) and its moderation state is `visible`;
  * neither side blocked the other;
  * its visibility allows it: `public` to everyone — unless the author's profile is not public,
    in which case only to followers (a private account's posts are for its followers);
    `followers` to accepted followers only; `private` to the author only;
  * a community post is visible only to those who may see its community
    (`community.access.can_view_community`, once that domain exists).

Anything not visible is reported as 404 by callers, never 403, so existence does not leak.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import Session

from tanvi_social.content.models import ModerationState, Post, PostVisibility
from tanvi_social.core.errors import NotFound
from tanvi_social.social import graph
from tanvi_social.social.models import Profile


def _community_access() -> Any | None:
    try:
        return importlib.import_module("tanvi_social.community.access")
    except ModuleNotFoundError:
        return None


def _author_profile_public(session: Session, author_id: int) -> bool:
    vis = session.scalar(select(Profile.visibility).where(Profile.user_id == author_id))
    return vis is None or vis == "public"


def can_view_post(session: Session, viewer_id: int | None, post: Post) -> bool:
    """True when `viewer_id` (None = anonymous) may see `post` (see the module docstring)."""
    if post.deleted_at is not None or post.moderation_state == ModerationState.REMOVED.value:
        return False
    if viewer_id is not None and viewer_id == post.author_id:
        return True
    if post.is_draft or post.moderation_state != ModerationState.VISIBLE.value:
        return False
    if post.visibility == PostVisibility.PRIVATE.value:
        return False
    # signed in: block, follow and the author's profile visibility in one statement
    relation = graph.relation(session, viewer_id, post.author_id) \
        if viewer_id is not None else None
    if relation is not None and relation.blocked:
        return False
    if post.community_id is not None:
        community = _community_access()
        if community is not None and not community.can_view_community(
                session, viewer_id, post.community_id):
            return False
    if relation is None:
        return post.visibility == PostVisibility.PUBLIC.value and _author_profile_public(
            session, post.author_id)
    if post.visibility == PostVisibility.PUBLIC.value and relation.author_public:
        return True
    return relation.following


def get_visible_post(session: Session, viewer_id: int | None, post_id: int) -> Post:
    """The post if the viewer may see it, else NotFound (also for posts that do not exist)."""
    post = session.get(Post, post_id)
    if post is None or not can_view_post(session, viewer_id, post):
        raise NotFound("Post not found", code="post_not_found")
    return post


def _community_clause(session: Session, viewer_id: int | None) -> ColumnElement[bool]:
    community = _community_access()
    if community is None:
        return true()
    clause_fn = getattr(community, "visible_communities_clause", None)
    if clause_fn is not None:
        return or_(Post.community_id.is_(None), clause_fn(session, viewer_id, Post.community_id))
    ids = session.scalars(select(Post.community_id).where(Post.community_id.is_not(None))
                          .distinct()).all()
    allowed = [cid for cid in ids if community.can_view_community(session, viewer_id, cid)]
    return or_(Post.community_id.is_(None), Post.community_id.in_(allowed))


def visible_posts_clause(session: Session, viewer_id: int | None) -> ColumnElement[bool]:
    """A boolean clause for `select(Post).where(...)` equal to `can_view_post` row by row."""
    non_public_profile = exists(select(Profile.user_id).where(
        Profile.user_id == Post.author_id, Profile.visibility != "public"))
    published = and_(Post.is_draft.is_(False),
                     Post.moderation_state == ModerationState.VISIBLE.value)
    base = and_(Post.deleted_at.is_(None),
                Post.moderation_state != ModerationState.REMOVED.value)
    community = _community_clause(session, viewer_id)
    if viewer_id is None:
        return and_(base, published, community, Post.visibility == PostVisibility.PUBLIC.value,
                    not_(non_public_profile))
    blocked = graph.blocked_ids(session, viewer_id)
    following = graph.following_ids(session, viewer_id)
    following_clause = Post.author_id.in_(following) if following else false()
    audience = or_(
        and_(Post.visibility == PostVisibility.PUBLIC.value, not_(non_public_profile)),
        and_(Post.visibility.in_((PostVisibility.PUBLIC.value, PostVisibility.FOLLOWERS.value)),
             following_clause),
    )
    others = and_(published, community, audience)
    if blocked:
        others = and_(others, Post.author_id.not_in(blocked))
    return and_(base, or_(Post.author_id == viewer_id, others))



def followed_authors_clause(session: Session, viewer_id: int, following: Collection[int],
                            authors: Iterable[int]) -> ColumnElement[bool]:
    """Posts by `authors` that the viewer may see, for authors the viewer follows (`following`:
    `graph.following_ids(viewer)`) or is; other authors are dropped. The same rows as
    `visible_posts_clause` restricted to those authors, without its per-row profile check: a
    follower sees public and followers-only posts whatever the author's profile visibility.
    For the home timeline, whose authors are exactly these; unlike `visible_posts_clause` it
    leaves out the viewer's own drafts (a timeline shows published posts)."""
    wanted = set(authors)
    allowed = sorted((wanted & set(following)) | (wanted & {viewer_id}))
    if not allowed:
        return false()
    published = and_(Post.is_draft.is_(False),
                     Post.moderation_state == ModerationState.VISIBLE.value)
    base = and_(Post.deleted_at.is_(None),
                Post.moderation_state != ModerationState.REMOVED.value)
    others = and_(published, _community_clause(session, viewer_id),
                  Post.visibility.in_((PostVisibility.PUBLIC.value,
                                       PostVisibility.FOLLOWERS.value)))
    blocked = graph.blocked_ids(session, viewer_id)
    if blocked:
        others = and_(others, Post.author_id.not_in(blocked))
    # a timeline shows what was published: the viewer's own drafts stay in their drafts list
    own = and_(Post.author_id == viewer_id, Post.is_draft.is_(False))
    return and_(Post.author_id.in_(allowed), base, or_(own, others))
