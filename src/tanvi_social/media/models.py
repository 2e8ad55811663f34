"""Stored images, their perceptual-hash bands and the garment tags drawn on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class Media(TimestampMixin, Base):
    """One uploaded image. Files live on disk under `media_dir`, addressed by `sha256`."""

    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("owner_id", "sha256"),
        CheckConstraint("width > 0 AND height > 0", name="positive_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    access_key: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(32))
    source_format: Mapped[str] = mapped_column(String(16))
    byte_size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    blurhash: Mapped[str] = mapped_column(String(64))
    palette: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    variants: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str] = mapped_column(String(16))
    mean_lab: Mapped[list[float]] = mapped_column(JSON, default=list)
    colour_grid: Mapped[list[float] | None] = mapped_column(JSON)
    alt_text: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True)
    duplicate_distance: Mapped[int | None] = mapped_column()
    attached_at: Mapped[datetime | None] = mapped_column()


class MediaHashBand(Base):
    """Multi-index hashing: the 64-bit pHash cut into 8 bytes, one indexed row per byte.

    Two hashes within Hamming distance 7 share at least one equal byte (pigeonhole), so
    near-duplicate candidates come from an index lookup instead of a table scan.
    """

    __tablename__ = "media_hash_bands"
    __table_args__ = (Index("ix_media_hash_bands_band_value", "band", "value"),)

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"),
                                          primary_key=True)
    band: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column()


class MediaTag(TimestampMixin, Base):
    """A garment tagged on a photo ("shop the look"): a point or a box in 0..1 coordinates."""

    __tablename__ = "media_tags"
    __table_args__ = (
        CheckConstraint("x >= 0 AND x <= 1 AND y >= 0 AND y <= 1", name="in_frame"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float | None] = mapped_column(Float)
    h: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(40), index=True)
    brand: Mapped[str | None] = mapped_column(String(80))
    brand_key: Mapped[str | None] = mapped_column(String(80), index=True)
    colour: Mapped[str | None] = mapped_column(String(40))
    colour_hex: Mapped[str | None] = mapped_column(String(7))
    price_band: Mapped[str | None] = mapped_column(String(16))
    link: Mapped[str | None] = mapped_column(String(500))
    fit: Mapped[str | None] = mapped_column(String(8))
    wardrobe_item_id: Mapped[int | None] = mapped_column()
