"""Request and response models of the media domain (and the cross-domain `MediaRead`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope

VariantName = Literal["original", "feed", "thumbnail", "webp"]
FitNote = Literal["small", "true", "large"]
PriceBand = Literal["budget", "mid_range", "premium", "luxury"]
ALT_TEXT_MAX = 1000


class PaletteColour(BaseModel):
    hex: str = Field(pattern=r"^#[0-9a-f]{6}$")
    name: str
    share: float = Field(ge=0, le=1)


class MediaUrls(BaseModel):
    """Capability URLs: the `k` key in each makes them unguessable (see docs/media.md)."""

    original: str
    feed: str
    thumbnail: str
    webp: str


class VariantInfo(BaseModel):
    width: int
    height: int
    content_type: str
    bytes: int


class DuplicateOf(BaseModel):
    media_id: int
    author_id: int
    post_id: int | None = None
    distance: int


class MediaRead(BaseModel):
    """The stored image as every domain sees it."""

    id: int
    owner_id: int
    width: int
    height: int
    content_type: str
    blurhash: str
    alt_text: str | None = None
    needs_alt_text: bool
    palette: list[PaletteColour]
    urls: MediaUrls
    variants: dict[str, VariantInfo]
    phash: str
    duplicate_of: DuplicateOf | None = None
    needs_credit: bool = False
    attached: bool = False
    created_at: datetime


def reject_nul(value: str | None) -> str | None:
    """Text with NUL characters cannot be stored (PostgreSQL refuses them): a 422, not a 500."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class MediaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alt_text: str | None = Field(default=None, max_length=ALT_TEXT_MAX)

    @field_validator("alt_text")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return reject_nul(value)


class TagCreate(BaseModel):
    """A garment on the photo: a point (x, y) or a box (x, y, w, h), all in 0..1 of the image."""

    model_config = ConfigDict(extra="forbid")

    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float | None = Field(default=None, gt=0, le=1)
    h: float | None = Field(default=None, gt=0, le=1)
    category: str = Field(min_length=1, max_length=40)
    brand: str | None = Field(default=None, min_length=1, max_length=80)
    colour: str | None = Field(default=None, min_length=1, max_length=40)
    price_band: PriceBand | None = None
    link: HttpUrl | None = None
    fit: FitNote | None = None
    wardrobe_item_id: int | None = Field(default=None, ge=1, le=2_147_483_647)

    @field_validator("category", "brand", "colour")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        reject_nul(value)
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("must not be blank")
        return cleaned

    @field_validator("link")
    @classmethod
    def _link_length(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and len(str(value)) > 500:
            raise ValueError("link is longer than 500 characters")
        return value


class GarmentFacts(BaseModel):
    """What a tagged garment says about itself; shared by photo tags and the shop-the-look list."""

    brand: str | None = None
    colour: str | None = None
    colour_hex: str | None = None
    price_band: str | None = None
    link: str | None = None
    fit: str | None = None


class TagRead(GarmentFacts):
    id: int
    media_id: int
    x: float
    y: float
    w: float | None = None
    h: float | None = None
    category: str
    wardrobe_item_id: int | None = None


class AltTextDraft(BaseModel):
    draft: str
    sources: list[str]
    current_alt_text: str | None = None


class MediaResponse(Envelope):
    media: MediaRead


class MediaListResponse(Envelope):
    media: list[MediaRead]
    pagination: Pagination


class TagResponse(Envelope):
    tag: TagRead


class TagsResponse(Envelope):
    tags: list[TagRead]


class AltTextDraftResponse(Envelope):
    alt_text_draft: AltTextDraft
