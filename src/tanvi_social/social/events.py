from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class NotificationCreated(DomainEvent):
    """Published after commit; the realtime streams and web push deliver it."""

    name: str = field(default="notification.created", init=False)
    notification_id: int
    recipient_id: int
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class UserFollowed(DomainEvent):
    """An accepted follow (direct, or a request approved)."""

    name: str = field(default="user.followed", init=False)
    follower_id: int
    target_id: int


@dataclass(frozen=True, kw_only=True)
class FollowRequested(DomainEvent):
    name: str = field(default="user.follow_requested", init=False)
    follower_id: int
    target_id: int
    request_id: int


@dataclass(frozen=True, kw_only=True)
class UserUnfollowed(DomainEvent):
    name: str = field(default="user.unfollowed", init=False)
    follower_id: int
    target_id: int


@dataclass(frozen=True, kw_only=True)
class UserBlocked(DomainEvent):
    """Caches of either side's timelines must drop the other's content."""

    name: str = field(default="user.blocked", init=False)
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True, kw_only=True)
class UserUnblocked(DomainEvent):
    name: str = field(default="user.unblocked", init=False)
    blocker_id: int
    blocked_id: int


@dataclass(frozen=True, kw_only=True)
class UserMuted(DomainEvent):
    """The muter's feeds must drop the muted account's posts."""

    name: str = field(default="user.muted", init=False)
    muter_id: int
    muted_id: int


@dataclass(frozen=True, kw_only=True)
class UserUnmuted(DomainEvent):
    name: str = field(default="user.unmuted", init=False)
    muter_id: int
    muted_id: int


@dataclass(frozen=True, kw_only=True)
class ProfileUpdated(DomainEvent):
    """Cached profile/author cards of this user must be refreshed."""

    name: str = field(default="profile.updated", init=False)
    user_id: int
