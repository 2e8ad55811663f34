"""Moderation tables: word list, reports, review queue, audit log, appeals, muted words."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin
from tanvi_social.core.time import utcnow


class TargetType(StrEnum):
    POST = "post"
    COMMENT = "comment"
    PROFILE = "profile"
    COMMUNITY = "community"
    EVENT = "event"
    MESSAGE = "message"


class FilterAction(StrEnum):
    HOLD = "hold"
    REJECT = "reject"


class QueueStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class QueueSource(StrEnum):
    REPORT = "report"
    FILTER = "filter"
    SPAM = "spam"
    APPEAL = "appeal"
    SYSTEM = "system"


class Resolution(StrEnum):
    APPROVE = "approve"
    DISMISS = "dismiss"
    HIDE = "hide"
    REMOVE = "remove"
    WARN = "warn"
    SUSPEND = "suspend"
    BAN = "ban"


class FilterRule(TimestampMixin, Base):
    """One entry of the configurable word list; `key` is the folded pattern (unique)."""

    __tablename__ = "moderation_filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    action: Mapped[str] = mapped_column(String(16), default=FilterAction.HOLD.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class QueueItem(TimestampMixin, Base):
    """One thing to review; every report about the same target while it is open joins it.

    `open_key` is `"<type>:<id>"` while the item is open and NULL afterwards, so the unique
    constraint allows exactly one open item per target (NULLs never collide).
    """

    __tablename__ = "moderation_queue"
    __table_args__ = (Index("ix_moderation_queue_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    open_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QueueStatus.OPEN.value)
    reason: Mapped[str] = mapped_column(String(60))
    details: Mapped[str | None] = mapped_column(String(1000))
    report_count: Mapped[int] = mapped_column(default=0)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_reason: Mapped[str | None] = mapped_column(String(1000))
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Report(TimestampMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("queue_item_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_item_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_queue.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(60))
    details: Mapped[str | None] = mapped_column(String(1000))


class AuditEntry(TimestampMixin, Base):
    """Who did what to which target, and why (append-only)."""

    __tablename__ = "moderation_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    queue_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_queue.id", ondelete="SET NULL"), index=True)
    target_type: Mapped[str | None] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column()
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(String(1000))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Appeal(TimestampMixin, Base):
    __tablename__ = "moderation_appeals"
    __table_args__ = (UniqueConstraint("appealed_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    appealed_item_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_queue.id", ondelete="CASCADE"))
    queue_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_queue.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(String(2000))


class MutedWord(TimestampMixin, Base):
    """A phrase a user does not want to see in their feeds and notifications."""

    __tablename__ = "muted_words"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phrase: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))


class TextFingerprint(TimestampMixin, Base):
    """A hash of each accepted post's text, for the repeated-text spam heuristic."""

    __tablename__ = "spam_fingerprints"
    __table_args__ = (
        Index("ix_spam_fingerprints_digest_created_at", "digest", "created_at"),
        Index("ix_spam_fingerprints_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
