"""Request and response models of `/api/community`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope
from tanvi_social.social.cards import AuthorCard

PrivacyLit = Literal["public", "private", "secret"]
RoleLit = Literal["creator", "admin", "moderator", "member"]
AssignableRole = Literal["admin", "moderator", "member"]
CategoryLit = Literal["style", "brand", "occasion", "color", "trend", "local", "other"]
EventTypeLit = Literal["online", "in_person", "hybrid"]
ResponseLit = Literal["yes", "maybe", "interested", "no"]
DifficultyLit = Literal["easy", "medium", "advanced"]

_ZONES: frozenset[str] | None = None


def check_zone(value: str) -> str:
    """A valid IANA time zone name (e.g. `Europe/Paris`)."""
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    if value not in _ZONES:
        raise ValueError("unknown IANA time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown IANA time zone") from exc
    return value


def _tags(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        tag = "-".join(raw.strip().lower().lstrip("#").replace("_", "-").split())
        if tag and tag not in out:
            out.append(tag[:40])
    return out


Tag: Any = Field(default_factory=list, max_length=20)


# ----------------------------------------------------------------------------- communities
class CommunityCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=3, max_length=100)
    description: str = Field(default="", max_length=2000)
    category: CategoryLit = "style"
    tags: list[str] = Field(default_factory=list, max_length=20)
    privacy: PrivacyLit = "public"
    requires_approval: bool = False
    rules: list[str] = Field(default_factory=list, max_length=30)
    cover_image_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if len(v) < 3:
            raise ValueError("at least 3 visible characters")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return _tags(v)

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: list[str]) -> list[str]:
        out = [r.strip()[:500] for r in v if r.strip()]
        return out


class CommunityUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, min_length=3, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    category: CategoryLit | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    privacy: PrivacyLit | None = None
    requires_approval: bool | None = None
    rules: list[str] | None = Field(default=None, max_length=30)
    cover_image_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _tags(v)

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [r.strip()[:500] for r in v if r.strip()]


class ViewerMembership(BaseModel):
    role: RoleLit | None = None
    status: Literal["active", "pending", "invited", "banned"] | None = None
    can_post: bool = False
    can_moderate: bool = False


class CommunityRead(BaseModel):
    id: int
    name: str
    description: str
    category: str
    tags: list[str]
    privacy: PrivacyLit
    requires_approval: bool
    rules: list[str]
    cover_image_url: str | None
    members_count: int
    pending_count: int | None = Field(
        default=None, description="Only shown to the community's moderators")
    creator: AuthorCard | None
    created_at: datetime
    viewer: ViewerMembership


class CommunityResponse(Envelope):
    community: CommunityRead


class CommunityListResponse(Envelope):
    communities: list[CommunityRead]
    pagination: Pagination


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    join_reason: str | None = Field(default=None, max_length=500)


class MemberRead(BaseModel):
    user: AuthorCard
    role: RoleLit
    status: Literal["active", "pending", "invited", "banned"]
    join_reason: str | None = None
    joined_at: datetime | None
    requested_at: datetime


class MembershipResponse(Envelope):
    membership: MemberRead
    community: CommunityRead


class MemberListResponse(Envelope):
    members: list[MemberRead]
    pagination: Pagination


class BanRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    reason: str | None = Field(default=None, max_length=500)


class RoleRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: AssignableRole


class InviteRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: int = Field(ge=1, le=2_147_483_647)


class ModLogEntry(BaseModel):
    id: int
    action: Literal["role_change", "ban", "unban", "approve", "reject", "invite"]
    actor: AuthorCard | None
    target: AuthorCard | None
    old_role: str | None
    new_role: str | None
    reason: str | None
    created_at: datetime


class ModLogResponse(Envelope):
    entries: list[ModLogEntry]
    pagination: Pagination


# ----------------------------------------------------------------------------- events
class _EventFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(default=None, min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    event_type: EventTypeLit | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    dress_code: str | None = Field(default=None, max_length=100)
    start_at: datetime | None = Field(
        default=None, description="ISO-8601; without an offset it is read in `timezone`")
    end_at: datetime | None = None
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Paris"])
    location_name: str | None = Field(default=None, max_length=200)
    location_address: str | None = Field(default=None, max_length=500)
    meeting_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    meeting_platform: str | None = Field(default=None, max_length=50)
    meeting_id: str | None = Field(default=None, max_length=100)
    meeting_password: str | None = Field(default=None, max_length=100)
    max_attendees: int | None = Field(default=None, ge=1, le=100_000)
    allow_guests: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _tags(v)


class EventCreate(_EventFields):
    title: str = Field(min_length=3, max_length=200)
    event_type: EventTypeLit = "online"
    start_at: datetime
    end_at: datetime
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Paris"])
    community_id: int | None = Field(default=None, ge=1, le=2_147_483_647)

    @model_validator(mode="after")
    def _where(self) -> EventCreate:
        if self.event_type in ("online", "hybrid") and not self.meeting_url:
            raise ValueError("online and hybrid events need a meeting_url")
        if self.event_type in ("in_person", "hybrid") and not (
                self.location_name or self.location_address):
            raise ValueError("in-person and hybrid events need a location")
        return self


class EventUpdate(_EventFields):
    pass


class EventTiming(BaseModel):
    start_at: datetime = Field(description="UTC")
    end_at: datetime = Field(description="UTC")
    timezone: str
    start_local: str = Field(description="ISO-8601 in the event's zone, with its offset")
    end_local: str
    duration_minutes: int


class EventLocation(BaseModel):
    name: str | None
    address: str | None


class MeetingDetails(BaseModel):
    url: str | None
    platform: str | None
    meeting_id: str | None
    password: str | None


class EventCounts(BaseModel):
    going: int = Field(description="Places taken: confirmed yes answers plus their guests")
    yes: int
    maybe: int
    interested: int
    no: int
    waitlist: int
    places_left: int | None


class ViewerRSVP(BaseModel):
    response: ResponseLit
    status: Literal["confirmed", "waitlisted", "none"]
    guest_count: int
    waitlist_position: int | None


class EventRead(BaseModel):
    id: int
    title: str
    description: str
    event_type: EventTypeLit
    tags: list[str]
    dress_code: str | None
    status: Literal["scheduled", "cancelled"]
    timing: EventTiming
    location: EventLocation | None
    meeting_platform: str | None
    meeting: MeetingDetails | None = Field(
        default=None, description="Only for the organiser and confirmed attendees")
    max_attendees: int | None
    allow_guests: bool
    counts: EventCounts
    organizer: AuthorCard | None
    community_id: int | None
    viewer_rsvp: ViewerRSVP | None
    is_organizer: bool
    created_at: datetime


class EventResponse(Envelope):
    event: EventRead


class EventListResponse(Envelope):
    events: list[EventRead]
    pagination: Pagination


class RSVPRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    response: ResponseLit
    guest_count: int = Field(default=0, ge=0, le=10)
    notes: str | None = Field(default=None, max_length=500)


class RSVPRead(BaseModel):
    event_id: int
    response: ResponseLit
    status: Literal["confirmed", "waitlisted", "none"]
    guest_count: int
    waitlist_position: int | None
    notes: str | None
    updated_at: datetime


class RSVPResponse(Envelope):
    rsvp: RSVPRead | None
    counts: EventCounts


class AttendeeRead(BaseModel):
    user: AuthorCard
    response: ResponseLit
    status: Literal["confirmed", "waitlisted", "none"]
    guest_count: int
    waitlist_position: int | None
    notes: str | None
    responded_at: datetime


class AttendeeListResponse(Envelope):
    attendees: list[AttendeeRead]
    counts: EventCounts
    pagination: Pagination


class CalendarToken(BaseModel):
    token: str
    url: str = Field(description="Path of the private feed; keep it secret")


class CalendarTokenResponse(Envelope):
    calendar: CalendarToken


# ----------------------------------------------------------------------------- mentorship
class AvailabilitySlot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["18:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["20:00"])
    timezone: str = Field(default="UTC", max_length=64)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return check_zone(v)

    @model_validator(mode="after")
    def _order(self) -> AvailabilitySlot:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class MentorCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    headline: str = Field(default="", max_length=120)
    bio: str = Field(default="", max_length=2000)
    expertise: list[str] = Field(min_length=1, max_length=15)
    experience_years: int = Field(default=0, ge=0, le=80)
    availability: list[AvailabilitySlot] = Field(default_factory=list, max_length=21)
    max_mentees: int = Field(default=3, ge=1, le=50)
    is_accepting: bool = True

    @field_validator("expertise")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        out = _tags(v)
        if not out:
            raise ValueError("at least one expertise tag")
        return out


class MentorUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    headline: str | None = Field(default=None, max_length=120)
    bio: str | None = Field(default=None, max_length=2000)
    expertise: list[str] | None = Field(default=None, min_length=1, max_length=15)
    experience_years: int | None = Field(default=None, ge=0, le=80)
    availability: list[AvailabilitySlot] | None = Field(default=None, max_length=21)
    max_mentees: int | None = Field(default=None, ge=1, le=50)
    is_accepting: bool | None = None

    @field_validator("expertise")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _tags(v)


class MatchInfo(BaseModel):
    score: float = Field(description="0–100; see docs/algorithms.md, Mentor matching")
    shared_tags: list[str]
    reasons: list[str]


class MentorRead(BaseModel):
    id: int
    user: AuthorCard
    headline: str
    bio: str
    expertise: list[str]
    experience_years: int
    availability: list[AvailabilitySlot]
    max_mentees: int
    active_mentees: int
    places_left: int
    is_accepting: bool
    average_rating: float | None
    reviews_count: int
    sessions_count: int
    match: MatchInfo | None = None
    created_at: datetime


class MentorResponse(Envelope):
    mentor: MentorRead


class MentorListResponse(Envelope):
    mentors: list[MentorRead]
    pagination: Pagination


class MentorshipRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    goals: list[str] = Field(default_factory=list, max_length=15)
    message: str | None = Field(default=None, max_length=1000)

    @field_validator("goals")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return _tags(v)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    note: str | None = Field(default=None, max_length=1000)


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    starts_at: datetime = Field(description="ISO-8601 with an offset (or UTC)")
    duration_minutes: int = Field(default=60, ge=15, le=240)
    topic: str = Field(default="", max_length=200)


class SessionRead(BaseModel):
    id: int
    mentorship_id: int
    starts_at: datetime
    ends_at: datetime
    topic: str
    status: str


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    rating: int = Field(ge=1, le=5)
    review: str | None = Field(default=None, max_length=2000)


class MentorshipRead(BaseModel):
    id: int
    mentor_id: int
    mentor: AuthorCard | None
    mentee: AuthorCard | None
    status: Literal["pending", "active", "declined", "completed", "cancelled"]
    goals: list[str]
    message: str | None
    response_note: str | None
    created_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    rating: int | None
    review: str | None
    sessions: list[SessionRead]


class MentorshipResponse(Envelope):
    mentorship: MentorshipRead


class MentorshipListResponse(Envelope):
    mentorships: list[MentorshipRead]
    pagination: Pagination


class SessionResponse(Envelope):
    session: SessionRead


# ----------------------------------------------------------------------------- tips
class TipCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=5, max_length=200)
    body: str = Field(min_length=20, max_length=3000)
    category: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z\-]*$")
    style_tags: list[str] = Field(default_factory=list, max_length=10)
    difficulty: DifficultyLit = "easy"

    @field_validator("style_tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return _tags(v)


class TipViewer(BaseModel):
    liked: bool = False
    saved: bool = False


class TipRead(BaseModel):
    id: int
    title: str
    body: str
    category: str
    style_tags: list[str]
    difficulty: str
    origin: Literal["library", "community"]
    author: AuthorCard | None
    like_count: int
    save_count: int
    viewer: TipViewer
    created_at: datetime


class TipResponse(Envelope):
    tip: TipRead


class TipListResponse(Envelope):
    tips: list[TipRead]
    pagination: Pagination


class DailyTipRead(BaseModel):
    day: date
    tip: TipRead
    matched_tags: list[str]
    reason: str


class DailyTipResponse(Envelope):
    daily_tip: DailyTipRead


class TipReactionResponse(Envelope):
    tip_id: int
    liked: bool
    saved: bool
    like_count: int
    save_count: int
