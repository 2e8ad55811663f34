"""Request and response models of the content domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope
from tanvi_social.media.schemas import GarmentFacts, MediaRead
from tanvi_social.social.cards import AuthorCard

CAPTION_MAX = 2200
COMMENT_MAX = 1000
MAX_MEDIA = 10
MAX_ITEMS = 20
MAX_TAGS = 20
ID = Field(ge=1, le=2_147_483_647)
DbId = Annotated[int, Field(ge=1, le=2_147_483_647)]

PostTypeIn = Literal["outfit", "style_tip", "inspiration", "review"]
VisibilityIn = Literal["public", "followers", "private"]
ReactionIn = Literal["like", "love", "fire", "style_goals"]
PriceBand = Literal["budget", "mid_range", "premium", "luxury"]
Season = Literal["spring", "summer", "autumn", "winter", "all_season"]
Formality = Literal["casual", "smart_casual", "business_casual", "business", "formal",
                    "black_tie"]
SortIn = Literal["hot", "new", "top"]
PeriodIn = Literal["day", "week", "month", "year", "all"]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


RemixPolicyIn = Literal["anyone", "followers", "nobody"]


class OutfitItem(BaseModel):
    """One garment or accessory of the outfit."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    category: str | None = Field(default=None, max_length=40,
                                 examples=["top", "jeans", "sneakers", "blazer", "bag"])
    colour: str | None = Field(default=None, max_length=40, examples=["sage", "#9caf88"])
    brand: str | None = Field(default=None, max_length=80)
    price_band: PriceBand | None = None
    link: HttpUrl | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        cleaned = _clean(value)
        if not cleaned:
            raise ValueError("must not be blank")
        return cleaned

    @field_validator("category", "colour", "brand")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return _clean(value)

    @field_validator("link")
    @classmethod
    def _link_length(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and len(str(value)) > 500:
            raise ValueError("link is longer than 500 characters")
        return value


def _bounded_tags(values: list[str] | None, what: str) -> list[str] | None:
    """Optional tag list: each at most 40 characters, then normalised by `_tags`."""
    if values is None:
        return None
    if any(len(v) > 40 for v in values):
        raise ValueError(f"{what} is at most 40 characters")
    return _tags(values)


def _tags(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        t = " ".join(v.strip().lower().lstrip("#").split())
        if not t:
            raise ValueError("tags must not be blank")
        if t not in out:
            out.append(t)
    return out


class PostFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200)
    caption: str | None = Field(default=None, max_length=CAPTION_MAX)
    media_ids: list[DbId] | None = Field(default=None, max_length=MAX_MEDIA,
                                         description="Your uploaded images, in order (1–10)")
    outfit_items: list[OutfitItem] | None = Field(default=None, max_length=MAX_ITEMS)
    occasion: str | None = Field(default=None, max_length=50, examples=["work", "date"])
    season: Season | None = None
    formality: Formality | None = None
    style_tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    visibility: VisibilityIn | None = None
    allow_comments: bool | None = None
    allow_sharing: bool | None = None
    remix_policy: RemixPolicyIn | None = Field(
        default=None, description="Who may remix this post (default anyone); changeable any time")

    @field_validator("media_ids")
    @classmethod
    def _media(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        if any(v < 1 or v > 2_147_483_647 for v in value):
            raise ValueError("media ids must be positive integers")
        if len(set(value)) != len(value):
            raise ValueError("media ids must be distinct")
        return value

    @field_validator("style_tags")
    @classmethod
    def _style_tags(cls, value: list[str] | None) -> list[str] | None:
        return _bounded_tags(value, "a style tag")

    @field_validator("title", "occasion")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return _clean(value)


class PostCreate(PostFields):
    """A new post. A published post needs at least one image or a non-blank caption."""

    post_type: PostTypeIn = "outfit"
    is_draft: bool = False
    community_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    remix_of: int | None = Field(
        default=None, ge=1, le=2_147_483_647,
        description="Recreate this look: the post remixed (visible to you, its policy allowing)")


class PostUpdate(PostFields):
    """Changes to a post (only the fields sent change). `is_draft: false` publishes a draft."""

    post_type: PostTypeIn | None = None
    is_draft: bool | None = None


class ScoreBlock(BaseModel):
    score: float
    reasons: list[str]
    scheme: str | None = None
    components: dict[str, float] | None = None


class AIAnalysis(BaseModel):
    version: int
    style_score: ScoreBlock
    trend_relevance: ScoreBlock
    color_harmony: ScoreBlock
    occasion_fit: ScoreBlock
    computed_at: datetime | None = None


class ViewerState(BaseModel):
    liked: bool = False
    like_type: str | None = None
    saved: bool = False
    shared: bool = False


class RemixLink(BaseModel):
    """A post in a remix's chain of credit and its author."""

    post_id: int
    author: AuthorCard


class RemixCredit(BaseModel):
    """An item copied from the remixed post, credited to the post and author it came from."""

    source: Literal["photo_tag", "outfit_item"]
    name: str | None = None
    category: str | None = None
    brand: str | None = None
    colour: str | None = None
    price_band: str | None = None
    link: str | None = None
    from_post_id: int
    from_author_id: int


class Mention(BaseModel):
    id: int
    username: str


class PostRead(BaseModel):
    id: int
    author: AuthorCard
    post_type: str
    title: str | None = None
    caption: str
    hashtags: list[str]
    mentions: list[Mention]
    style_tags: list[str]
    outfit_items: list[dict[str, Any]]
    occasion: str | None = None
    season: str | None = None
    formality: str | None = None
    visibility: str
    is_draft: bool
    allow_comments: bool
    allow_sharing: bool
    community_id: int | None = None
    challenge_id: int | None = None
    repost_of_id: int | None = None
    repost_of: PostRead | None = None
    remix_of_id: int | None = None
    remix_root_id: int | None = None
    remix_of: RemixLink | None = Field(default=None, description="The post remixed, if visible")
    remix_chain: list[RemixLink] = Field(
        default_factory=list, description="Chain of credit, root first (posts you may see)")
    remix_credits: list[RemixCredit] = Field(default_factory=list)
    remix_policy: str = "anyone"
    remix_count: int = 0
    media: list[MediaRead]
    like_count: int
    comment_count: int
    share_count: int
    save_count: int
    hot_score: float
    moderation_state: str
    ai_analysis: AIAnalysis | None = None
    share_url: str
    created_at: datetime
    published_at: datetime | None = None
    edited_at: datetime | None = None
    viewer: ViewerState


class PostResponse(Envelope):
    post: PostRead


class PostListResponse(Envelope):
    posts: list[PostRead]
    pagination: Pagination


class RemixListResponse(Envelope):
    post_id: int
    remixes: list[PostRead]
    pagination: Pagination


class AnalysisResponse(Envelope):
    ai_analysis: AIAnalysis


# --- reactions -----------------------------------------------------------------------------

class ReactionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    like_type: ReactionIn = "like"


class ReactionCounts(BaseModel):
    like: int = 0
    love: int = 0
    fire: int = 0
    style_goals: int = 0
    total: int = 0


class ReactionResult(BaseModel):
    post_id: int
    liked: bool
    like_type: str | None = None
    like_count: int
    counts: ReactionCounts


class ReactionResponse(Envelope):
    like: ReactionResult


class ReactionCountsResponse(Envelope):
    post_id: int
    counts: ReactionCounts
    viewer: ViewerState


# --- comments ------------------------------------------------------------------------------

class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=COMMENT_MAX)
    parent_comment_id: int | None = Field(default=None, ge=1, le=2_147_483_647)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class CommentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=COMMENT_MAX)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class CommentRead(BaseModel):
    id: int
    post_id: int
    author: AuthorCard | None = None
    parent_comment_id: int | None = None
    depth: int
    content: str
    like_count: int
    reply_count: int
    moderation_state: str
    is_deleted: bool
    liked: bool = False
    created_at: datetime
    edited_at: datetime | None = None
    replies: list[CommentRead] = Field(default_factory=list)


class CommentResponse(Envelope):
    comment: CommentRead


class CommentListResponse(Envelope):
    comments: list[CommentRead]
    pagination: Pagination


class CommentLikeResult(BaseModel):
    comment_id: int
    liked: bool
    like_count: int


class CommentLikeResponse(Envelope):
    like: CommentLikeResult


# --- shares --------------------------------------------------------------------------------

class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share_type: Literal["repost", "external", "direct"] = "repost"
    share_platform: Literal["internal", "instagram", "tiktok", "pinterest", "whatsapp",
                            "facebook", "x", "email", "link"] = "internal"
    share_caption: str | None = Field(default=None, max_length=CAPTION_MAX)
    recipient_user_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class ShareRead(BaseModel):
    id: int
    post_id: int
    share_type: str
    share_platform: str
    share_url: str
    recipient_user_id: int | None = None
    repost: PostRead | None = None
    share_count: int
    created_at: datetime


class ShareResponse(Envelope):
    share: ShareRead


# --- saves and collections ------------------------------------------------------------------

class SaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    notes: str | None = Field(default=None, max_length=1000)
    save_reason: str | None = Field(default=None, max_length=50,
                                    examples=["outfit_inspiration", "shopping_list"])


class SaveRead(BaseModel):
    id: int
    post_id: int
    collection_id: int | None = None
    notes: str | None = None
    save_reason: str | None = None
    created_at: datetime
    post: PostRead | None = None


class SaveResponse(Envelope):
    save: SaveRead


class SaveListResponse(Envelope):
    saves: list[SaveRead]
    pagination: Pagination


CollectionType = Literal["custom", "seasonal", "occasion", "color", "brand"]


class CollectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    collection_type: CollectionType = "custom"
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    is_public: bool = False
    is_collaborative: bool = False
    contributor_ids: list[DbId] = Field(default_factory=list, max_length=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        cleaned = _clean(value)
        if not cleaned:
            raise ValueError("must not be blank")
        return cleaned

    @field_validator("tags")
    @classmethod
    def _t(cls, value: list[str]) -> list[str]:
        if any(len(v) > 40 for v in value):
            raise ValueError("a tag is at most 40 characters")
        return _tags(value)

    @field_validator("contributor_ids")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(v < 1 or v > 2_147_483_647 for v in value):
            raise ValueError("user ids must be positive integers")
        return list(dict.fromkeys(value))


class CollectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    collection_type: CollectionType | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)
    is_public: bool | None = None
    is_collaborative: bool | None = None
    contributor_ids: list[DbId] | None = Field(default=None, max_length=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = _clean(value)
        if not cleaned:
            raise ValueError("must not be blank")
        return cleaned

    @field_validator("tags")
    @classmethod
    def _t(cls, value: list[str] | None) -> list[str] | None:
        return _bounded_tags(value, "a tag")

    @field_validator("contributor_ids")
    @classmethod
    def _ids(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        if any(v < 1 or v > 2_147_483_647 for v in value):
            raise ValueError("user ids must be positive integers")
        return list(dict.fromkeys(value))


class CollectionItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_id: int = Field(ge=1, le=2_147_483_647)
    notes: str | None = Field(default=None, max_length=1000)


class CollectionItemRead(BaseModel):
    id: int
    post_id: int
    added_by: AuthorCard | None = None
    notes: str | None = None
    created_at: datetime
    post: PostRead


class CollectionRead(BaseModel):
    id: int
    owner: AuthorCard
    name: str
    description: str | None = None
    collection_type: str
    tags: list[str]
    is_public: bool
    is_collaborative: bool
    contributors: list[AuthorCard]
    items_count: int
    created_at: datetime
    updated_at: datetime | None = None
    can_add: bool = False


class CollectionResponse(Envelope):
    collection: CollectionRead


class CollectionDetailResponse(Envelope):
    collection: CollectionRead
    items: list[CollectionItemRead]
    pagination: Pagination


class CollectionListResponse(Envelope):
    collections: list[CollectionRead]
    pagination: Pagination


class CollectionItemResponse(Envelope):
    item: CollectionItemRead


# --- challenges --------------------------------------------------------------------------------

class ChallengeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=5000)
    challenge_type: Literal["style", "color", "theme", "brand", "season"] = "style"
    hashtag: str | None = Field(default=None, max_length=100)
    rules: list[str] = Field(default_factory=list, max_length=20)
    required_items: list[str] = Field(default_factory=list, max_length=20)
    difficulty: Literal["easy", "medium", "hard", "expert"] = "medium"
    has_prizes: bool = False
    prize_description: str | None = Field(default=None, max_length=500)
    starts_at: datetime | None = None
    ends_at: datetime

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        cleaned = _clean(value)
        if not cleaned or len(cleaned) < 3:
            raise ValueError("must be at least 3 visible characters")
        return cleaned

    @field_validator("hashtag")
    @classmethod
    def _hashtag(cls, value: str | None) -> str | None:
        if value is None:
            return None
        tag = value.strip().lstrip("#").lower()
        if not tag or not all(ch.isalnum() or ch == "_" for ch in tag):
            raise ValueError("a hashtag is letters, digits and underscores")
        return tag

    @field_validator("rules", "required_items")
    @classmethod
    def _lines(cls, value: list[str]) -> list[str]:
        if any(len(v) > 200 for v in value):
            raise ValueError("each entry is at most 200 characters")
        return [v.strip() for v in value if v.strip()]


class ChallengeViewer(BaseModel):
    joined: bool = False
    entry_id: int | None = None
    votes_cast: int = 0


class ChallengeRead(BaseModel):
    id: int
    creator: AuthorCard | None = None
    title: str
    description: str
    challenge_type: str
    hashtag: str | None = None
    rules: list[str]
    required_items: list[str]
    difficulty: str
    has_prizes: bool
    prize_description: str | None = None
    starts_at: datetime
    ends_at: datetime
    status: Literal["upcoming", "open", "closed"]
    participants_count: int
    entries_count: int
    winners: list[int]
    winners_recorded: bool
    created_at: datetime
    viewer: ChallengeViewer


class ChallengeResponse(Envelope):
    challenge: ChallengeRead


class ChallengeListResponse(Envelope):
    challenges: list[ChallengeRead]
    pagination: Pagination


class EntrySubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_id: int = Field(ge=1, le=2_147_483_647)


class EntryRead(BaseModel):
    id: int
    challenge_id: int
    post: PostRead
    user: AuthorCard | None = None
    rank: int | None = Field(default=None, description="Only once the challenge is closed")
    vote_count: int | None = Field(default=None, description="Hidden while voting is open")
    voted: bool = False
    created_at: datetime


class EntryResponse(Envelope):
    entry: EntryRead


class EntryListResponse(Envelope):
    entries: list[EntryRead]
    ordering: Literal["shuffled", "leaderboard"]
    pagination: Pagination


class VoteResult(BaseModel):
    entry_id: int
    voted: bool


class VoteResponse(Envelope):
    vote: VoteResult


class ParticipationResponse(Envelope):
    challenge: ChallengeRead


PostRead.model_rebuild()
CommentRead.model_rebuild()


class ShopItem(GarmentFacts):
    source: Literal["photo_tag", "outfit_item"]
    media_id: int | None = None
    name: str | None = None
    category: str | None = None
    x: float | None = None
    y: float | None = None


class ShopResponse(Envelope):
    post_id: int
    items: list[ShopItem]


class SimilarPost(BaseModel):
    post: PostRead
    distance: float = Field(description="Palette distance (CIEDE2000, lower is closer)")


class SimilarPaletteResponse(Envelope):
    post_id: int
    similar: list[SimilarPost]


class BrandFitRow(BaseModel):
    brand: str
    category: str
    small: int
    true: int
    large: int
    total: int
    verdict: Literal["runs small", "true to size", "runs large"] | None = None


class BrandFitResponse(Envelope):
    brand: str
    fit: list[BrandFitRow]
