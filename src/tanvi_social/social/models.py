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
    accepted_at: Mapped[datetime | None] = mapped_column()
    interaction_count: Mapped[int] = mapped_column(default=0)
    last_interaction_at: Mapped[datetime | None] = mapped_column()


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
    style_tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # curated vocabulary slugs
    custom_tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # free tags
    favorite_colors: Mapped[list[str]] = mapped_column(JSON, default=list)
    favorite_brands: Mapped[list[str]] = mapped_column(JSON, default=list)
    occasions: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_band: Mapped[str | None] = mapped_column(String(16))
    size_info: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    allow_followers: Mapped[bool] = mapped_column(default=True)
    # visible | held | hidden | removed (moderation): non-owners see only the bare card otherwise
    moderation_state: Mapped[str] = mapped_column(String(16), default="visible")
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
    # Grouping: the same kind on the same target folds into one unread row ("Mia and 12 others").
    actor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # newest first, capped
    actor_count: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column()


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


class NotificationPreference(Base):
    """A user's per-type switch; a missing row means the type is on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)


class VocabularyKind(StrEnum):
    STYLE = "style"
    OCCASION = "occasion"
    BUDGET = "budget"


class StyleTerm(Base):
    """The curated style vocabulary (reference data inserted by the migration)."""

    __tablename__ = "style_vocabulary"
    __table_args__ = (UniqueConstraint("kind", "slug"), {"info": {"reference": True}})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)


class InfluencerStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Influencer(TimestampMixin, Base):
    """An application for (and then the status of) a style influencer."""

    __tablename__ = "influencers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    influencer_type: Mapped[str] = mapped_column(String(30))
    expertise_level: Mapped[str] = mapped_column(String(20))
    style_specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(String(1000), default="")
    verification_status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
