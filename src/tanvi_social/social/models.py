from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class ConnectionState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Connection(TimestampMixin, Base):
    """A follow (accepted) or a follow request (pending) from `follower` to `target`."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("follower_id", "target_id"),
        CheckConstraint("follower_id <> target_id", name="no_self_follow"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=ConnectionState.ACCEPTED.value)


class Block(TimestampMixin, Base):
    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("blocker_id", "blocked_id"),
        CheckConstraint("blocker_id <> blocked_id", name="no_self_block"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Mute(TimestampMixin, Base):
    __tablename__ = "mutes"
    __table_args__ = (
        UniqueConstraint("muter_id", "muted_id"),
        CheckConstraint("muter_id <> muted_id", name="no_self_mute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    muter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    muted_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Visibility(StrEnum):
    PUBLIC = "public"
    FOLLOWERS = "followers"
    PRIVATE = "private"


class Profile(TimestampMixin, Base):
    """The style profile; one per user, created at registration."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    bio: Mapped[str | None] = mapped_column(String(500))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    avatar_media_id: Mapped[int | None] = mapped_column()
    location: Mapped[str | None] = mapped_column(String(100))
    style_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    favorite_colors: Mapped[list[str]] = mapped_column(JSON, default=list)
    favorite_brands: Mapped[list[str]] = mapped_column(JSON, default=list)
    occasions: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_band: Mapped[str | None] = mapped_column(String(16))
    size_info: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    allow_followers: Mapped[bool] = mapped_column(default=True)
    followers_count: Mapped[int] = mapped_column(default=0)
    following_count: Mapped[int] = mapped_column(default=0)
    posts_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None] = mapped_column()


class Notification(TimestampMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_read", "recipient_id", "is_read", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    type: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_read: Mapped[bool] = mapped_column(default=False)


class Activity(TimestampMixin, Base):
    """The user's own activity log."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
