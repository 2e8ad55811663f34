"""Content domain events (wire names agreed with realtime, inspiration and analytics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PostCreated(DomainEvent):
    """A post was published (drafts publish this when they go live)."""

    name: str = field(default="post.created", init=False)
    post_id: int
    author_id: int
    visibility: str = "public"
    hashtags: list[str] = field(default_factory=list)
    community_id: int | None = None
    repost_of_id: int | None = None
    # Names of the publish watchers (content.service.PUBLISH_WATCHERS) that said, inside the
    # publishing unit of work, that this post concerns them; None when none was asked, so a
    # consumer keyed on it does its work as if it were named.
    interested: tuple[str, ...] | None = None

    def concerns(self, watcher: str) -> bool:
        """Whether the watcher named `watcher` has anything to do about this post."""
        return self.interested is None or watcher in self.interested


@dataclass(frozen=True, kw_only=True)
class PostUpdated(DomainEvent):
    name: str = field(default="post.updated", init=False)
    post_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True)
class PostDeleted(DomainEvent):
    name: str = field(default="post.deleted", init=False)
    post_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True)
class PostEngagementChanged(DomainEvent):
    """Counters after a like/unlike, comment, share or save: `{likes, comments, shares, saves}`."""

    name: str = field(default="post.engagement", init=False)
    post_id: int
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PostLiked(DomainEvent):
    name: str = field(default="post.liked", init=False)
    post_id: int
    user_id: int
    author_id: int = 0
    reaction_type: str = "like"


@dataclass(frozen=True, kw_only=True)
class PostSaved(DomainEvent):
    name: str = field(default="post.saved", init=False)
    post_id: int
    user_id: int
    author_id: int = 0


@dataclass(frozen=True, kw_only=True)
class PostShared(DomainEvent):
    name: str = field(default="post.shared", init=False)
    post_id: int
    user_id: int
    author_id: int = 0
    share_type: str = "repost"
    repost_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class CommentAdded(DomainEvent):
    name: str = field(default="comment.created", init=False)
    comment_id: int
    post_id: int
    author_id: int
    parent_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class PostRemixCountChanged(DomainEvent):
    """A remix (`remix_id`) of `post_id` was published or deleted: its `remix_count` changed."""

    name: str = field(default="post.remixes", init=False)
    post_id: int
    remix_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class PostModerated(DomainEvent):
    """A moderator or a filter changed the post's moderation state."""

    name: str = field(default="post.moderated", init=False)
    post_id: int
    state: str


@dataclass(frozen=True, kw_only=True)
class PostViewerStateChanged(DomainEvent):
    """`user_id`'s own state on `post_id` (reaction, save, share) changed: the `viewer` block of
    the post card that user reads."""

    name: str = field(default="post.viewer_state", init=False)
    post_id: int
    user_id: int


@dataclass(frozen=True, kw_only=True)
class PostsErased(DomainEvent):
    """Posts removed without a `post.deleted` each (an account's erasure takes its posts and
    the reposts of them)."""

    name: str = field(default="post.erased", init=False)
    post_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class PostsReanalysed(DomainEvent):
    """A job recomputed the `ai_analysis` of these posts (trend counts move over time)."""

    name: str = field(default="post.reanalysed", init=False)
    post_ids: list[int] = field(default_factory=list)
