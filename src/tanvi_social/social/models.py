from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
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
