"""Request and response models of `/api/social`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
VisibilityValue = Literal["public", "followers", "private"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- profiles ---------------------------------------------------------------------------------

class ProfileWrite(_Strict):
    """Fields a user may set on their own profile (nothing else is accepted)."""

    display_name: Annotated[str, StringConstraints(strip_whitespace=True,
                                                   max_length=60)] | None = None
    bio: Annotated[str, StringConstraints(max_length=500)] | None = None
    avatar_url: Annotated[str, StringConstraints(max_length=500,
                                                 pattern=r"^(https?://|/)\S*$")] | None = None
    avatar_media_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True,
                                               max_length=100)] | None = None
    style_tags: Annotated[list[ShortText], Field(max_length=30)] | None = Field(
        default=None, description="Curated vocabulary slugs and free tags (kept apart)")
    favorite_colors: Annotated[list[ShortText], Field(max_length=20)] | None = None
    favorite_brands: Annotated[list[ShortText], Field(max_length=30)] | None = None
    occasions: Annotated[list[ShortText], Field(max_length=20)] | None = None
    budget_band: Literal["budget", "mid", "premium", "luxury"] | None = None
    size_info: dict[Annotated[str, StringConstraints(max_length=30)],
                    Annotated[str, StringConstraints(max_length=30)]] | None = Field(
        default=None, max_length=20, description="Private: visible to the owner only")
    visibility: VisibilityValue | None = None
    allow_followers: bool | None = None


class ViewerState(BaseModel):
    is_self: bool = False
    is_following: bool = False
    is_followed_by: bool = False
    follow_requested: bool = False
    is_muted: bool = False
    is_blocking: bool = False


class ProfileCard(BaseModel):
    """The public card every signed-in or anonymous viewer may see (unless blocked)."""

    user_id: int
    username: str
    display_name: str | None = None
    avatar_url: str | None = None
    avatar_media_id: int | None = None
    is_verified: bool = False
    visibility: VisibilityValue = "public"
    followers_count: int = 0
    following_count: int = 0
    posts_count: int = 0


class ProfileRead(ProfileCard):
    """A profile as the viewer may see it: `is_limited` means only the public card is shown."""

    is_limited: bool = False
    bio: str | None = None
    location: str | None = None
    style_tags: list[str] = Field(default_factory=list)
    custom_tags: list[str] = Field(default_factory=list)
    favorite_colors: list[str] = Field(default_factory=list)
    favorite_brands: list[str] = Field(default_factory=list)
    occasions: list[str] = Field(default_factory=list)
    budget_band: str | None = None
    allow_followers: bool = True
    size_info: dict[str, str] | None = Field(default=None, description="Owner only")
    moderation_state: str | None = Field(default=None, description="Owner only")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    viewer: ViewerState = Field(default_factory=ViewerState)


class ProfileResponse(Envelope):
    profile: ProfileRead


class ProfileListResponse(Envelope):
    profiles: list[ProfileRead]
    pagination: Pagination


class StyleTermRead(BaseModel):
    kind: str
    slug: str
    label: str
    description: str


class VocabularyResponse(Envelope):
    vocabulary: list[StyleTermRead]


# --- connections ------------------------------------------------------------------------------

class UserRef(_Strict):
    user_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class ConnectionRead(BaseModel):
    id: int
    follower_id: int
    target_id: int
    status: Literal["pending", "accepted"]
    created_at: datetime
    style_compatibility_score: int | None = None
    shared_style_tags: list[str] = Field(default_factory=list)


class ConnectionResponse(Envelope):
    connection: ConnectionRead


class ConnectionInfo(BaseModel):
    style_compatibility_score: int | None = Field(
        default=None, description="Null when the other side's style details are private to you")
    shared_style_tags: list[str] = Field(default_factory=list)
    connected_since: datetime
    interaction_count: int = 0


class ConnectedProfile(ProfileCard):
    connection_info: ConnectionInfo


class FollowersResponse(Envelope):
    followers: list[ConnectedProfile]
    pagination: Pagination


class FollowingResponse(Envelope):
    following: list[ConnectedProfile]
    pagination: Pagination


class FollowRequestRead(BaseModel):
    id: int
    requester: ProfileCard
    target_id: int
    created_at: datetime


class FollowRequestsResponse(Envelope):
    follow_requests: list[FollowRequestRead]
    pagination: Pagination


class RelationRead(BaseModel):
    user: ProfileCard
    created_at: datetime


class BlockResponse(Envelope):
    block: RelationRead


class MuteResponse(Envelope):
    mute: RelationRead


class RelationListResponse(Envelope):
    users: list[RelationRead]
    pagination: Pagination


# --- compatibility / suggestions --------------------------------------------------------------

class CompatibilityRead(BaseModel):
    user_id: int
    score: int = Field(ge=0, le=100)
    reasons: list[str]
    shared: dict[str, list[str]]


class CompatibilityResponse(Envelope):
    compatibility: CompatibilityRead


class SuggestionRead(BaseModel):
    user: ProfileCard
    score: float
    compatibility: int | None = None
    mutual_followers: int = 0
    reason: str
    reasons: list[str]


class SuggestionsResponse(Envelope):
    suggestions: list[SuggestionRead]


# --- influencers ------------------------------------------------------------------------------

InfluencerType = Literal["style_enthusiast", "fashion_blogger", "brand_ambassador", "celebrity"]
ExpertiseLevel = Literal["beginner", "intermediate", "expert", "master"]


class InfluencerApply(_Strict):
    influencer_type: InfluencerType = "style_enthusiast"
    expertise_level: ExpertiseLevel = "intermediate"
    style_specialties: Annotated[list[ShortText], Field(max_length=10)] = Field(
        default_factory=list)
    content_categories: Annotated[list[ShortText], Field(max_length=10)] = Field(
        default_factory=list)
    statement: Annotated[str, StringConstraints(max_length=1000)] = ""


class InfluencerVerify(_Strict):
    decision: Literal["verified", "rejected"] = "verified"


class InfluenceMetrics(BaseModel):
    followers: int
    engagement_rate: float
    growth_rate_30d: float
    posts_30d: int
    reach_component: float
    engagement_component: float
    growth_component: float
    activity_component: float


class InfluencerRead(BaseModel):
    id: int
    user: ProfileCard
    influencer_type: str
    expertise_level: str
    style_specialties: list[str]
    content_categories: list[str]
    verification_status: str
    verified_at: datetime | None = None
    created_at: datetime
    influence_score: float = Field(ge=0, le=100)
    tier: Literal["nano", "micro", "mid", "macro", "mega"]
    metrics: InfluenceMetrics


class InfluencerResponse(Envelope):
    influencer: InfluencerRead


class InfluencerListResponse(Envelope):
    influencers: list[InfluencerRead]
    pagination: Pagination


# --- notifications / activities ---------------------------------------------------------------

class NotificationRead(BaseModel):
    id: int
    type: str
    text: str
    actor: ProfileCard | None = None
    actors: list[ProfileCard] = Field(default_factory=list, description="Newest first, up to 3")
    actor_count: int
    target_type: str | None = None
    target_id: int | None = None
    data: dict[str, object] = Field(default_factory=dict)
    is_read: bool
    created_at: datetime
    updated_at: datetime | None = None


class NotificationResponse(Envelope):
    notification: NotificationRead


class NotificationListResponse(Envelope):
    notifications: list[NotificationRead]
    unread_count: int
    pagination: Pagination


class UnreadCountResponse(Envelope):
    unread_count: int


class ReadAllResponse(Envelope):
    updated: int


class NotificationPreferences(_Strict):
    preferences: dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], bool] = Field(
        max_length=50)


class PreferencesResponse(Envelope):
    preferences: dict[str, bool]


class ActivityRead(BaseModel):
    id: int
    type: str
    target_type: str | None = None
    target_id: int | None = None
    data: dict[str, object] = Field(default_factory=dict)
    created_at: datetime


class ActivityListResponse(Envelope):
    activities: list[ActivityRead]
    pagination: Pagination
