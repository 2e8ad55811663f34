"""Media domain events."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MediaUploaded(DomainEvent):
    """A new image is stored; `duplicate_of_id` is set for a near-copy of another user's photo."""

    name: str = field(default="media.uploaded", init=False)
    media_id: int
    owner_id: int
    duplicate_of_id: int | None = None
    duplicate_author_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MediaFilesReleased(DomainEvent):
    """Rows were deleted; files of these digests are removed once no row references them."""

    name: str = field(default="media.files_released", init=False)
    digests: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MediaTagsChanged(DomainEvent):
    """Garment tags were added to or removed from an image (posts showing it refresh what
    they are filtered by)."""

    name: str = field(default="media.tags_changed", init=False)
    media_id: int


@dataclass(frozen=True, kw_only=True)
class MediaUpdated(DomainEvent):
    """An image's alt text changed (the cards of posts showing it embed it)."""

    name: str = field(default="media.updated", init=False)
    media_id: int
