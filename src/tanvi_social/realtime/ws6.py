"""The WS6 mobile app's three calls, mapped onto content's services (api.md "Mobile client
compatibility"). Shapes are exactly what the app renders; nothing here has rules of its own."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content import engagement
from tanvi_social.content import service as content
from tanvi_social.content.schemas import PostRead, ShareRequest
from tanvi_social.core.errors import ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import as_utc
from tanvi_social.social import graph
from tanvi_social.social.models import Profile

DEFAULT_AVATAR = "👤"
PLATFORMS = {"instagram", "tiktok", "pinterest", "whatsapp", "facebook", "x", "email", "link"}
PLATFORM_ALIASES = {"twitter": "x", "copy": "link", "copylink": "link", "mail": "email"}


class WS6User(BaseModel):
    id: int
    name: str
    avatar: str
    location: str
    followers: int
    isFollowing: bool


class WS6Outfit(BaseModel):
    style: str
    confidence: int = Field(ge=0, le=100)
    occasion: str
    items: list[str]


class WS6Post(BaseModel):
    id: int
    user: WS6User
    outfit: WS6Outfit
    image: str
    caption: str
    likes: int
    comments: int
    shares: int
    timestamp: str = Field(description="ISO-8601 UTC with Z")
    isLiked: bool
    isBookmarked: bool
    tags: list[str]


class WS6FeedResponse(BaseModel):
    posts: list[WS6Post]
    hasMore: bool


class WS6LikeResponse(BaseModel):
    success: bool = True
    liked: bool
    likes: int


class WS6ShareOutfit(BaseModel):
    """The app's outfit object; it must name the post being shared (`id`, `post_id` or `postId`)."""

    model_config = ConfigDict(extra="allow")

    id: int | str | None = None
    post_id: int | str | None = None
    postId: int | str | None = None

    def target(self) -> int:
        for value in (self.post_id, self.postId, self.id):
            if isinstance(value, int) and not isinstance(value, bool) and \
                    1 <= value <= 2_147_483_647:
                return value
            if isinstance(value, str) and value.isdigit() and 0 < len(value) <= 10 and \
                    1 <= int(value) <= 2_147_483_647:
                return int(value)
        raise ValidationFailed("outfit must name the post to share (id)",
                               code="outfit_post_required",
                               details=[{"loc": ["body", "outfit", "id"], "msg": "required"}])


class WS6ShareRequest(BaseModel):
    outfit: WS6ShareOutfit
    platforms: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("platforms")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        if any(len(p) > 40 for p in value):
            raise ValueError("platform names are at most 40 characters")
        return value


class WS6ShareResponse(BaseModel):
    success: bool = True
    shareUrl: str


def _iso(at: datetime) -> str:
    return as_utc(at).isoformat().replace("+00:00", "Z")


def _confidence(post: PostRead) -> int:
    if post.ai_analysis is None:
        return 0
    return max(0, min(100, round(post.ai_analysis.style_score.score * 100)))


def to_ws6(post: PostRead, profile: dict[int, tuple[str | None, int]], following: set[int]
           ) -> WS6Post:
    author = post.author
    location, followers = profile.get(author.id, (None, 0))
    items = [str(i.get("name")) for i in post.outfit_items if isinstance(i, dict) and i.get("name")]
    image = post.media[0].urls.feed if post.media else ""
    return WS6Post(
        id=post.id,
        user=WS6User(id=author.id, name=author.display_name or author.username,
                     avatar=author.avatar_url or DEFAULT_AVATAR, location=location or "",
                     followers=followers, isFollowing=author.id in following),
        outfit=WS6Outfit(style=post.style_tags[0] if post.style_tags else post.post_type,
                         confidence=_confidence(post), occasion=post.occasion or "", items=items),
        image=image, caption=post.caption, likes=post.like_count, comments=post.comment_count,
        shares=post.share_count, timestamp=_iso(post.published_at or post.created_at),
        isLiked=post.viewer.liked, isBookmarked=post.viewer.saved, tags=list(post.hashtags))


def feed(session: Session, viewer_id: int | None, page: int, limit: int,
         base_url: str) -> WS6FeedResponse:
    """Visible posts, newest first (muted authors left out), in the app's shape."""
    reads, total = content.list_posts(session, viewer_id, content.PostFilters(),
                                      PageParams(page=page, per_page=limit), base_url)
    authors = {p.author.id for p in reads}
    profile: dict[int, tuple[str | None, int]] = {}
    if authors:
        profile = {r.user_id: (r.location, r.followers_count) for r in session.execute(
            select(Profile.user_id, Profile.location, Profile.followers_count)
            .where(Profile.user_id.in_(authors)))}
    following = graph.following_ids(session, viewer_id) if viewer_id is not None else set()
    return WS6FeedResponse(posts=[to_ws6(p, profile, following) for p in reads],
                           hasMore=page * limit < total)


def toggle_like(session: Session, user_id: int, post_id: int) -> WS6LikeResponse:
    liked, likes = engagement.toggle_like(session, user_id, post_id)
    return WS6LikeResponse(liked=liked, likes=likes)


def share(session: Session, user_id: int, data: WS6ShareRequest, base_url: str) -> WS6ShareResponse:
    """One external share per named platform (unknown names count as a copied link)."""
    post_id = data.outfit.target()
    names: list[str] = []
    for raw in data.platforms or ["link"]:
        name = raw.strip().lower()
        name = PLATFORM_ALIASES.get(name, name)
        name = name if name in PLATFORMS else "link"
        if name not in names:
            names.append(name)
    url = ""
    for name in names:
        result = engagement.share_post(session, user_id, post_id, ShareRequest(
            share_type="external", share_platform=name), base_url)
        url = result.share_url
    return WS6ShareResponse(shareUrl=url)
