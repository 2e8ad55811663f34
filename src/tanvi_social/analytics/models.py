"""Daily roll-up tables that keep the analytics endpoints fast at millions of events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base


class UserActivityDaily(Base):
    """Activity-log rows of one user, counted per UTC day, activity type and hour of day."""

    __tablename__ = "analytics_user_daily"
    __table_args__ = (Index("ix_analytics_user_daily_user_day", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(40))
    hour: Mapped[int] = mapped_column()
    count: Mapped[int] = mapped_column()
    last_at: Mapped[datetime] = mapped_column()


class PlatformDaily(Base):
    """Platform-wide counts per UTC day and metric (posts, reactions, new users, ...)."""

    __tablename__ = "analytics_platform_daily"
    __table_args__ = (Index("ix_analytics_platform_daily_day_metric", "day", "metric",
                            unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column()


class RollupState(Base):
    """How far the roll-up job has got: the first day not yet rolled up."""

    __tablename__ = "analytics_rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_day: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column()
