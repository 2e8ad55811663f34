"""Request and read models of `/api/inspiration`, `/api/search` and hashtag follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from tanvi_social.content.filters import PostFilter, PriceIn
from tanvi_social.content.schemas import PostRead
from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope
from tanvi_social.social.cards import AuthorCard

HEX_RE = r"^#[0-9A-Fa-f]{6}$"
TAG_RE = r"^#?[\w\-]{1,100}$"


# ---------------------------------------------------------------- mood boards
class PaletteColour(BaseModel):
    hex: str
    name: str | None = None
    share: float


class MoodBoardCreate(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    mood_type: str = Field(default="inspiration", min_length=1, max_length=30)
    is_public: bool = False


class MoodBoardUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=1000)
    mood_type: str | None = Field(default=None, min_length=1, max_length=30)
    is_public: bool | None = None


class MoodBoardItemCreate(BaseModel):
    kind: Literal["post", "media", "colour", "note"]
    post_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    media_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    colour: str | None = Field(default=None, min_length=1, max_length=40,
                               description="#rrggbb or a colour name (sage, camel, ...)")
    note: str | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> MoodBoardItemCreate:
        needed = {"post": self.post_id, "media": self.media_id, "colour": self.colour,
                  "note": self.note}[self.kind]
        if needed is None:
            field = {"post": "post_id", "media": "media_id"}.get(self.kind, self.kind)
            raise ValueError(f"'{field}' is required for a {self.kind} item")
        return self


class CollaboratorAdd(BaseModel):
    user_id: int = Field(ge=1, le=2**31 - 1)
    role: Literal["editor", "viewer"] = "editor"


class CollaboratorRead(BaseModel):
    user: AuthorCard
    role: str
    added_at: datetime


class MoodBoardItemRead(BaseModel):
    id: int
    kind: str
    post_id: int | None = None
    media_id: int | None = None
    colour_hex: str | None = None
    colour_name: str | None = None
    note: str | None = None
    image_url: str | None = None
    added_by: int
    position: int
    created_at: datetime


class MoodBoardRead(BaseModel):
    id: int
    owner: AuthorCard | None = None
    title: str
    description: str | None = None
    mood_type: str
    is_public: bool
    palette: list[PaletteColour]
    item_count: int
    created_at: datetime
    updated_at: datetime | None = None
    my_role: str | None = None


class MoodBoardDetail(MoodBoardRead):
    items: list[MoodBoardItemRead]
    collaborators: list[CollaboratorRead]


class MoodBoardResponse(Envelope):
    moodboard: MoodBoardDetail


class MoodBoardListResponse(Envelope):
    moodboards: list[MoodBoardRead]
    pagination: Pagination


class MoodBoardItemResponse(Envelope):
    item: MoodBoardItemRead
    palette: list[PaletteColour]


class CollaboratorResponse(Envelope):
    collaborator: CollaboratorRead


# ---------------------------------------------------------------- feeds
class FeedPost(BaseModel):
    """A post as the feeds show it, with why it was chosen."""

    id: int
    author: AuthorCard | None = None
    caption: str | None = None
    hashtags: list[str] = Field(default_factory=list)
    style_tags: list[str] = Field(default_factory=list)
    visibility: str
    community_id: int | None = None
    like_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    save_count: int = 0
    created_at: datetime
    image_url: str | None = None


class FeedItem(BaseModel):
    post: FeedPost
    type: Literal["post", "repost"] = "post"
    reposted_by: AuthorCard | None = None
    reposted_at: datetime | None = None
    reason: str
    score: float | None = None
    factors: dict[str, float] | None = None


class FeedResponse(Envelope):
    items: list[FeedItem]
    next_cursor: str | None = None
    source: str = Field(description="computed | redis | ranked")


class FeedPreferencesRead(BaseModel):
    personalization_strength: float
    feed_types: list[str]
    show_trending: bool
    updated_at: datetime | None = None


FeedType = Literal["following", "compatible", "hashtags", "communities", "trending"]


class FeedPreferencesUpdate(BaseModel):
    personalization_strength: float | None = Field(default=None, ge=0.0, le=2.0)
    feed_types: list[FeedType] | None = Field(default=None, max_length=5)
    show_trending: bool | None = None


class FeedPreferencesResponse(Envelope):
    preferences: FeedPreferencesRead


class FeedbackCreate(BaseModel):
    post_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    author_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    tag: str | None = Field(default=None, pattern=TAG_RE)
    action: Literal["hide", "not_interested", "see_more"]

    @model_validator(mode="after")
    def _one_target(self) -> FeedbackCreate:
        if self.post_id is None and self.author_id is None and self.tag is None:
            raise ValueError("give post_id, author_id or tag")
        return self


class FeedbackRead(BaseModel):
    id: int
    action: str
    post_id: int | None = None
    author_id: int | None = None
    tag: str | None = None
    created_at: datetime


class FeedbackResponse(Envelope):
    feedback: FeedbackRead


# ---------------------------------------------------------------- trends
class TrendRead(BaseModel):
    id: int
    category: str
    name: str
    term: str
    stage: str
    current_count: int = Field(description="distinct accounts in the latest window")
    previous_count: int
    baseline_mean: float
    baseline_std: float
    z_score: float
    growth: float
    mention_count: int
    confidence: float
    window_minutes: int
    first_detected: datetime
    last_detected: datetime
    is_hidden: bool = False


class TrendSummary(BaseModel):
    total: int
    emerging: int
    growing: int
    peak: int
    declining: int


class TrendListResponse(Envelope):
    trends: list[TrendRead]
    trend_summary: TrendSummary
    detected_at: datetime | None = None


class TrendRefreshResult(BaseModel):
    detected: int
    active: int
    usages: int
    detected_at: datetime


class TrendRefreshResponse(Envelope):
    result: TrendRefreshResult


class TrendResponse(Envelope):
    trend: TrendRead


class HashtagFollowRead(BaseModel):
    tag: str
    following: bool
    followers: int


class HashtagFollowResponse(Envelope):
    hashtag: HashtagFollowRead


# ---------------------------------------------------------------- discover
class ColourTrend(BaseModel):
    hex: str | None = None
    name: str
    share: float
    posts: int
    stage: str | None = None


class StyleCategory(BaseModel):
    name: str
    posts: int
    growth: float


class FeaturedItem(BaseModel):
    type: str
    id: int
    title: str
    detail: dict[str, Any] = Field(default_factory=dict)


class DiscoverRead(BaseModel):
    trending_posts: list[FeedItem]
    trending_colors: list[ColourTrend]
    style_categories: list[StyleCategory]
    trends: list[TrendRead]
    featured_communities: list[FeaturedItem]
    challenges: list[FeaturedItem]
    moodboards: list[MoodBoardRead]


class DiscoverResponse(Envelope):
    exploration_results: DiscoverRead


# ---------------------------------------------------------------- recommendations
RecType = Literal["posts", "people", "communities", "events"]


class RecommendationRead(BaseModel):
    id: str = Field(description="'<type>-<item id>': rate it with POST /recommendations/{id}/rate")
    type: str
    item_id: int
    title: str
    score: float
    reasons: list[str]
    post: FeedPost | None = None
    user: AuthorCard | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class RecommendationListResponse(Envelope):
    recommendations: list[RecommendationRead]


class RatingCreate(BaseModel):
    rating: int = Field(ge=1, le=5)
    feedback: str | None = Field(default=None, max_length=500)


class RatingRead(BaseModel):
    id: str
    rating: int
    feedback: str | None = None
    updated_at: datetime


class RatingResponse(Envelope):
    rating: RatingRead


# ---------------------------------------------------------------- search
class SearchHit(BaseModel):
    type: str
    id: int
    title: str
    snippet: str | None = None
    score: float
    post: FeedPost | None = None
    user: AuthorCard | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(Envelope):
    query: str
    type: str
    results: list[SearchHit]
    pagination: Pagination
    operators: dict[str, str] = Field(default_factory=dict)


# ---------------------------------------------------------------- inspirations
class InspirationCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    inspiration_type: Literal["outfit", "style_tip", "color", "look", "moodboard"] = "outfit"
    primary_image_url: str | None = Field(default=None, max_length=500,
                                          pattern=r"^https?://\S+$")
    media_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    style_tags: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("style_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for tag in value:
            t = tag.strip().lstrip("#").lower()
            if not t or len(t) > 50:
                raise ValueError("style tags are 1–50 characters")
            if t not in out:
                out.append(t)
        return out


class InspirationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    creator: AuthorCard | None = None
    title: str
    description: str | None = None
    inspiration_type: str
    primary_image_url: str | None = None
    media_id: int | None = None
    style_tags: list[str]
    views_count: int
    is_featured: bool
    trend_relevance: float = Field(description="share of its tags that are trending now (0..1)")
    created_at: datetime


class InspirationResponse(Envelope):
    inspiration: InspirationRead


class InspirationListResponse(Envelope):
    inspirations: list[InspirationRead]
    pagination: Pagination


# ---------------------------------------------------------------- saved filters
class SavedFilterCreate(PostFilter):
    """A named outfit filter (any of occasion, season, weather, formality, price, max_price)
    with optional search text; `notify` asks for a notification for each new matching post."""

    model_config = ConfigDict(frozen=False, extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=80)
    query: str | None = Field(default=None, max_length=200,
                              description="Search text as in GET /api/search (operators too)")
    price: PriceIn | None = Field(
        default=None, validation_alias=AliasChoices("price", "price_band"),
        description="Some outfit item or garment tag in this band (`price_band` accepted too)")
    notify: bool = True

    @field_validator("name", "query")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = " ".join(value.split())
        return cleaned or None

    @model_validator(mode="after")
    def _named(self) -> SavedFilterCreate:
        if not self.name:
            raise ValueError("name must not be blank")
        return self

    def post_filter(self) -> PostFilter:
        return PostFilter.model_validate(self.values())


class SavedFilterRead(BaseModel):
    id: int
    name: str
    query: str | None = None
    occasion: str | None = None
    season: str | None = None
    weather: str | None = None
    formality: str | None = None
    price: str | None = None
    price_band: str | None = Field(default=None, description="The same as `price` (api.md)")
    max_price: str | None = None
    notify: bool
    match_count: int = Field(description="New posts that notified you through this filter")
    last_matched_at: datetime | None = None
    created_at: datetime


class SavedFilterResponse(Envelope):
    saved_filter: SavedFilterRead


class SavedFilterListResponse(Envelope):
    saved_filters: list[SavedFilterRead]
    limit: int = Field(description="How many saved filters one account may keep")


class SavedFilterPostsResponse(Envelope):
    saved_filter: SavedFilterRead
    posts: list[PostRead]
    pagination: Pagination


# ---------------------------------------------------------------- style wrapped
class WrappedColour(BaseModel):
    name: str
    hex: str = Field(pattern=HEX_RE)
    share: float = Field(description="this colour's part of the period's photographed looks "
                                     "(each look weighs 1, its images equally), 0..1")
    posts: int = Field(description="looks with this colour in a photo's palette")


class WrappedTerm(BaseModel):
    """A garment category or a brand and how many looks of the period carried it."""

    name: str
    posts: int


class WrappedLook(BaseModel):
    post_id: int
    title: str | None = None
    caption: str = Field(description="the first 120 characters of the caption")
    reactions: int
    reactions_by_type: dict[str, int]
    published_at: datetime
    thumbnail_url: str | None = None


class WrappedPlacement(BaseModel):
    challenge_id: int
    title: str
    entry_id: int
    post_id: int
    rank: int = Field(description="leaderboard place: votes, then who reached them first")
    entries: int
    votes: int
    winner: bool
    ended_at: datetime


class WrappedTotals(BaseModel):
    posts: int
    posts_with_photos: int
    reactions: int = Field(description="reactions the period's looks have received")
    new_followers: int = Field(description="follows accepted in the period, still in place")
    challenge_placements: int
    challenge_wins: int


class WrappedRead(BaseModel):
    """The caller's own report for a month or a year (docs/algorithms.md, "Style Wrapped")."""

    user: AuthorCard
    period: str
    period_type: Literal["month", "year"]
    label: str = Field(examples=["November 2026", "2026"])
    starts_at: datetime
    ends_at: datetime
    status: Literal["past", "current", "future"]
    totals: WrappedTotals
    top_colours: list[WrappedColour]
    top_categories: list[WrappedTerm]
    top_brands: list[WrappedTerm]
    most_reacted: list[WrappedLook]
    challenge_placements: list[WrappedPlacement]
    generated_at: datetime


class WrappedResponse(Envelope):
    wrapped: WrappedRead
