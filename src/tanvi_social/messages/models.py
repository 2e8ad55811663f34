"""Direct messages: conversations (one-to-one or group), participants, messages, per-user hides."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    REQUEST = "request"      # a message request the participant has not accepted yet
    DECLINED = "declined"


class Conversation(TimestampMixin, Base):
    """`direct_key` ("<low id>:<high id>") makes one-to-one conversations unique per pair.

    In a group, `created_by` is the admin (who may remove people); it passes to the
    longest-standing remaining member when they leave or erase their account.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=ConversationKind.DIRECT.value)
    title: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direct_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    last_message_id: Mapped[int | None] = mapped_column()
    last_message_at: Mapped[datetime | None] = mapped_column(index=True)


class Participant(TimestampMixin, Base):
    """`history_from_id`: someone added to a group sees only the messages after this id (NULL:
    the whole history, for those who were there from the start)."""

    __tablename__ = "conversation_participants"
    __table_args__ = (
        UniqueConstraint("conversation_id", "user_id"),
        Index("ix_conversation_participants_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=ParticipantStatus.ACTIVE.value)
    last_read_message_id: Mapped[int | None] = mapped_column()
    last_read_at: Mapped[datetime | None] = mapped_column()
    unread_count: Mapped[int] = mapped_column(default=0)
    history_from_id: Mapped[int | None] = mapped_column()


class Message(TimestampMixin, Base):
    """`sender_id` is NULL once the sender erased their account (`sender_deleted` is then true).

    A system message ("mia added zoe") has no sender and no body, and `event` set:
    `{"action": "added"|"removed"|"left"|"renamed", "actor_id", "user_ids", "title"}`; its text
    is written when it is read, from the people's current names.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    sender_deleted: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str | None] = mapped_column(String(2000))
    post_id: Mapped[int | None] = mapped_column()
    media_id: Mapped[int | None] = mapped_column()
    unsent_at: Mapped[datetime | None] = mapped_column()
    moderation_state: Mapped[str] = mapped_column(String(16), default="visible")
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class MessageHide(Base):
    """"Delete for me": the message stays for everyone else."""

    __tablename__ = "message_hides"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
