"""Community tables: communities and memberships, events and RSVPs, mentorship, daily style tips."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class Privacy(StrEnum):
    PUBLIC = "public"  # listed; anyone reads; anyone joins (or asks, with requires_approval)
    PRIVATE = "private"  # listed (card only); members read; joining always needs approval
    SECRET = "secret"  # invisible to non-members; joining only by invitation


class CommunityRole(StrEnum):
    CREATOR = "creator"
    ADMIN = "admin"
    MODERATOR = "moderator"
    MEMBER = "member"


ROLE_RANK = {CommunityRole.MEMBER.value: 1, CommunityRole.MODERATOR.value: 2,
             CommunityRole.ADMIN.value: 3, CommunityRole.CREATOR.value: 4}


class MemberStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # asked to join, waiting for a moderator
    INVITED = "invited"  # invited by a moderator, waiting for the user
    BANNED = "banned"


class Community(TimestampMixin, Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), default="style")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    privacy: Mapped[str] = mapped_column(String(16), default=Privacy.PUBLIC.value, index=True)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    members_count: Mapped[int] = mapped_column(default=0)
    pending_count: Mapped[int] = mapped_column(default=0)
    moderation_state: Mapped[str] = mapped_column(String(16), default="visible")
    updated_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()


class Membership(TimestampMixin, Base):
    """One row per (community, user). Leaving deletes it; a ban keeps it as `banned`."""

    __tablename__ = "community_members"
    __table_args__ = (
        UniqueConstraint("community_id", "user_id"),
        Index("ix_community_members_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default=CommunityRole.MEMBER.value)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value)
    join_reason: Mapped[str | None] = mapped_column(String(500))
    joined_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()


class ModerationLog(TimestampMixin, Base):
    """Role changes, bans, unbans, approvals and invitations inside a community."""

    __tablename__ = "community_mod_log"
    __table_args__ = (Index("ix_community_mod_log_community_id_id", "community_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    old_role: Mapped[str | None] = mapped_column(String(16))
    new_role: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))


class EventType(StrEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Event(TimestampMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("max_attendees IS NULL OR max_attendees > 0", name="positive_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    event_type: Mapped[str] = mapped_column(String(16), default=EventType.ONLINE.value)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    dress_code: Mapped[str | None] = mapped_column(String(100))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location_name: Mapped[str | None] = mapped_column(String(200))
    location_address: Mapped[str | None] = mapped_column(String(500))
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    meeting_platform: Mapped[str | None] = mapped_column(String(50))
    meeting_id: Mapped[str | None] = mapped_column(String(100))
    meeting_password: Mapped[str | None] = mapped_column(String(100))
    max_attendees: Mapped[int | None] = mapped_column()
    allow_guests: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.SCHEDULED.value)
    going_count: Mapped[int] = mapped_column(default=0)  # places taken: confirmed yes + guests
    yes_count: Mapped[int] = mapped_column(default=0)  # confirmed "yes" answers
    maybe_count: Mapped[int] = mapped_column(default=0)
    interested_count: Mapped[int] = mapped_column(default=0)
    no_count: Mapped[int] = mapped_column(default=0)
    waitlist_count: Mapped[int] = mapped_column(default=0)
    queue_seq: Mapped[int] = mapped_column(default=0)  # hands out waitlist arrival numbers
    moderation_state: Mapped[str] = mapped_column(String(16), default="visible")
    cancelled_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()


class RSVPResponse(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    INTERESTED = "interested"
    NO = "no"


class RSVPStatus(StrEnum):
    CONFIRMED = "confirmed"  # a "yes" holding 1 + guest_count places
    WAITLISTED = "waitlisted"  # a "yes" waiting for places, ordered by queue_number
    NONE = "none"  # maybe / interested / no


class RSVP(TimestampMixin, Base):
    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_rsvps_event_status_queue", "event_id", "status", "queue_number"),
        CheckConstraint("guest_count >= 0", name="guests_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RSVPStatus.NONE.value)
    guest_count: Mapped[int] = mapped_column(default=0)
    queue_number: Mapped[int | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(String(500))
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()


class CalendarFeed(Base):
    """Version of a user's private calendar-feed token (bumping it revokes old links)."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class Mentor(TimestampMixin, Base):
    __tablename__ = "mentors"
    __table_args__ = (
        CheckConstraint("active_mentees >= 0 AND active_mentees <= max_mentees",
                        name="mentee_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    headline: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    experience_years: Mapped[int] = mapped_column(default=0)
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_mentees: Mapped[int] = mapped_column(default=3)
    active_mentees: Mapped[int] = mapped_column(default=0)
    is_accepting: Mapped[bool] = mapped_column(default=True)
    rating_sum: Mapped[int] = mapped_column(default=0)
    reviews_count: Mapped[int] = mapped_column(default=0)
    sessions_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None] = mapped_column()


class MentorshipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Mentorship(TimestampMixin, Base):
    __tablename__ = "mentorships"
    __table_args__ = (
        Index("uq_mentorships_open_pair", "mentor_id", "mentee_id", unique=True,
              sqlite_where=text("status IN ('pending', 'active')"),
              postgresql_where=text("status IN ('pending', 'active')")),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id", ondelete="CASCADE"),
                                           index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=MentorshipStatus.PENDING.value)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(String(1000))
    response_note: Mapped[str | None] = mapped_column(String(1000))
    accepted_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    rating: Mapped[int | None] = mapped_column()
    review: Mapped[str | None] = mapped_column(String(2000))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime | None] = mapped_column()


class MentorshipSession(TimestampMixin, Base):
    __tablename__ = "mentorship_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_mentorship_sessions_mentor_start", "mentor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    topic: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")


class StyleTip(TimestampMixin, Base):
    """Style tips. The starter library (origin `library`) is reference data from the migration;
    tips written by users have origin `community` and a soft link to their author."""

    __tablename__ = "style_tips"
    __table_args__ = ({"info": {"reference": True}},)

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(16), default="community", index=True)
    author_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the table is reference data
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40), index=True)
    style_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(16), default="easy")
    like_count: Mapped[int] = mapped_column(default=0)
    save_count: Mapped[int] = mapped_column(default=0)


class TipReaction(TimestampMixin, Base):
    """A like or a save of a tip (kind = like | save), unique per user."""

    __tablename__ = "tip_reactions"
    __table_args__ = (UniqueConstraint("tip_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("style_tips.id", ondelete="CASCADE"),
                                        index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))


class DailyTip(Base):
    """The tip served to a user on a day (stable for the day; no repeat within 30 days)."""

    __tablename__ = "daily_tips"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    tip_id: Mapped[int] = mapped_column(ForeignKey("style_tips.id", ondelete="CASCADE"),
                                        index=True)
