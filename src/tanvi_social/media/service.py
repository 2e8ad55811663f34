"""Media rules: who may see and change an image, claiming for posts, tags, alt text."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, InvalidState, NotFound
from tanvi_social.core.time import utcnow
from tanvi_social.media import storage
from tanvi_social.media.colors import (
    ciede2000,
    hex_to_lab,
    nearest_color_name,
    normalise_hex,
    resolve_colour,
    rgb_to_hex,
)
from tanvi_social.media.events import (
    MediaFilesReleased,
    MediaTagsChanged,
    MediaUpdated,
    MediaUploaded,
)
from tanvi_social.media.models import Media, MediaHashBand, MediaTag
from tanvi_social.media.processing import ProcessedImage, grid_distance, hamming, hash_bands
from tanvi_social.media.schemas import (
    AltTextDraft,
    DuplicateOf,
    MediaRead,
    MediaUpdate,
    MediaUrls,
    PaletteColour,
    TagCreate,
    TagRead,
    VariantInfo,
)

# Near-duplicate rule (docs/algorithms.md): pHash within 7 bits (the multi-index bands find
# every such pair), dHash within 10 bits, and the 8×8 colour layouts within a mean CIEDE2000 of 5.
DUP_PHASH_MAX = 7
DUP_DHASH_MAX = 10
DUP_GRID_MAX = 5.0
MAX_TAGS_PER_MEDIA = 30
COLOUR_MATCH_DE = 10.0
COLOUR_MATCH_MIN_SHARE = 0.05

VARIANTS = ("original", "feed", "thumbnail", "webp")


def media_urls(media_id: int, access_key: str) -> MediaUrls:
    """The capability URLs of one image's variants."""
    return MediaUrls(**{v: f"/api/media/{media_id}/{v}?k={access_key}" for v in VARIANTS})


def _to_read(media: Media, dup_owner: int | None) -> MediaRead:
    duplicate = None
    if media.duplicate_of_id is not None and dup_owner is not None:
        duplicate = DuplicateOf(media_id=media.duplicate_of_id, author_id=dup_owner,
                                distance=media.duplicate_distance or 0)
    return MediaRead(
        id=media.id, owner_id=media.owner_id, width=media.width, height=media.height,
        content_type=media.content_type, blurhash=media.blurhash, alt_text=media.alt_text,
        needs_alt_text=not (media.alt_text or "").strip(),
        palette=[PaletteColour(**c) for c in media.palette or []],
        urls=media_urls(media.id, media.access_key),
        variants={k: VariantInfo(**v) for k, v in (media.variants or {}).items()},
        phash=media.phash, duplicate_of=duplicate, needs_credit=duplicate is not None,
        attached=media.attached_at is not None, created_at=media.created_at,
    )


def _reads(session: Session, rows: Sequence[Media]) -> dict[int, MediaRead]:
    dup_ids = {m.duplicate_of_id for m in rows if m.duplicate_of_id is not None}
    owners: dict[int, int] = {}
    if dup_ids:
        owners = dict(session.execute(
            select(Media.id, Media.owner_id).where(Media.id.in_(dup_ids))).tuples().all())
    return {m.id: _to_read(m, owners.get(m.duplicate_of_id) if m.duplicate_of_id else None)
            for m in rows}


def media_reads(session: Session, ids: Iterable[int]) -> dict[int, MediaRead]:
    """Read models of the given images (missing ids are simply absent). No access check."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(Media).where(Media.id.in_(wanted))).all()
    return _reads(session, rows)


def claim_media(session: Session, owner_id: int, media_ids: Sequence[int]) -> list[MediaRead]:
    """Attach images to the caller's content: NotFound unless every id exists and is theirs.

    Returns the read models in the order given; marks them attached (their capability URLs
    then work for other viewers).
    """
    wanted = list(dict.fromkeys(media_ids))
    if not wanted:
        return []
    rows = session.scalars(
        select(Media).where(Media.id.in_(wanted), Media.owner_id == owner_id)
    ).all()
    if len(rows) != len(wanted):
        raise NotFound("Media not found", code="media_not_found")
    now = utcnow()
    session.execute(update(Media).where(Media.id.in_(wanted), Media.attached_at.is_(None))
                    .values(attached_at=now))
    for row in rows:
        if row.attached_at is None:
            row.attached_at = now
    reads = _reads(session, rows)
    return [reads[i] for i in wanted]


def revoke_access(session: Session, media_ids: Iterable[int]) -> int:
    """Take images down (post removed by moderation, deleted message...): the capability key is
    rotated, so every URL handed out so far stops working, and the images become unattached
    (owner-only) until claimed again. Returns how many images were revoked."""
    rows = session.scalars(select(Media).where(Media.id.in_(set(media_ids)))).all()
    for row in rows:
        row.access_key = secrets.token_urlsafe(16)
        row.attached_at = None
    session.flush()
    return len(rows)


def owned_media(session: Session, owner_id: int, media_id: int) -> Media:
    """The caller's own image, or NotFound (never reveals someone else's)."""
    media = session.get(Media, media_id)
    if media is None or media.owner_id != owner_id:
        raise NotFound("Media not found", code="media_not_found")
    return media


def visible_media(session: Session, viewer_id: int | None, media_id: int,
                  key: str | None) -> Media:
    """The access rule: the owner always; anyone else needs the capability key of attached media."""
    media = session.get(Media, media_id)
    if media is None:
        raise NotFound("Media not found", code="media_not_found")
    if viewer_id is not None and media.owner_id == viewer_id:
        return media
    if media.attached_at is not None and key is not None and _same(key, media.access_key):
        return media
    raise NotFound("Media not found", code="media_not_found")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def get_media(session: Session, viewer_id: int | None, media_id: int,
              key: str | None = None) -> MediaRead:
    """One image's metadata for a viewer allowed to see it."""
    media = visible_media(session, viewer_id, media_id, key)
    return _reads(session, [media])[media.id]




def list_own_media(session: Session, owner_id: int, *, needs_alt_text: bool | None,
                   offset: int, limit: int) -> tuple[list[MediaRead], int]:
    """The caller's images, newest first; `needs_alt_text=True` lists those still without."""
    where = [Media.owner_id == owner_id]
    if needs_alt_text is True:
        where.append(or_(Media.alt_text.is_(None), func.trim(Media.alt_text) == ""))
    elif needs_alt_text is False:
        where.append(and_(Media.alt_text.is_not(None), func.trim(Media.alt_text) != ""))
    total = session.scalar(select(func.count()).select_from(Media).where(*where)) or 0
    rows = session.scalars(select(Media).where(*where)
                           .order_by(Media.created_at.desc(), Media.id.desc())
                           .offset(offset).limit(limit)).all()
    reads = _reads(session, rows)
    return [reads[m.id] for m in rows], total


# --- upload -------------------------------------------------------------------------------


def find_duplicate(session: Session, owner_id: int, phash: str, dhash: str,
                   colour_grid: list[float]) -> tuple[Media, int] | None:
    """The earliest image of ANOTHER user this one nearly duplicates, and the pHash distance."""
    bands = hash_bands(phash)
    match_any = or_(*[and_(MediaHashBand.band == i, MediaHashBand.value == v)
                      for i, v in enumerate(bands)])
    candidate_ids = select(MediaHashBand.media_id).where(match_any)
    rows = session.scalars(
        select(Media).where(Media.id.in_(candidate_ids), Media.owner_id != owner_id)
        .order_by(Media.id)
    ).all()
    for row in rows:
        distance = hamming(phash, row.phash)
        if distance > DUP_PHASH_MAX or hamming(dhash, row.dhash) > DUP_DHASH_MAX:
            continue
        if row.colour_grid and grid_distance(colour_grid, row.colour_grid) > DUP_GRID_MAX:
            continue
        return row, distance
    return None


def create_media(session: Session, owner_id: int, image: ProcessedImage,
                 alt_text: str | None = None) -> tuple[MediaRead, bool]:
    """Record an uploaded image (files already written). Re-uploading one's own image returns it.

    Returns (media, created).
    """
    alt = _clean_alt(alt_text)
    existing = session.scalars(
        select(Media).where(Media.owner_id == owner_id, Media.sha256 == image.sha256)).first()
    if existing is not None:
        if alt is not None:
            existing.alt_text = alt
            session.flush()
        return _reads(session, [existing])[existing.id], False
    duplicate = find_duplicate(session, owner_id, image.phash, image.dhash, image.colour_grid)
    media = Media(
        owner_id=owner_id, sha256=image.sha256, access_key=secrets.token_urlsafe(16),
        content_type=image.content_type, source_format=image.source_format,
        byte_size=image.byte_size, width=image.width, height=image.height,
        blurhash=image.blurhash, palette=image.palette, variants=image.variant_info(),
        phash=image.phash, dhash=image.dhash, mean_lab=image.mean_lab,
        colour_grid=image.colour_grid, alt_text=alt,
        duplicate_of_id=duplicate[0].id if duplicate else None,
        duplicate_distance=duplicate[1] if duplicate else None,
    )
    try:
        with session.begin_nested():
            session.add(media)
            session.flush()
    except IntegrityError:
        existing = session.scalars(
            select(Media).where(Media.owner_id == owner_id, Media.sha256 == image.sha256)
        ).first()
        if existing is None:
            raise
        return _reads(session, [existing])[existing.id], False
    session.add_all([MediaHashBand(media_id=media.id, band=i, value=v)
                     for i, v in enumerate(hash_bands(image.phash))])
    session.flush()
    record_event(session, MediaUploaded(
        media_id=media.id, owner_id=owner_id,
        duplicate_of_id=duplicate[0].id if duplicate else None,
        duplicate_author_id=duplicate[0].owner_id if duplicate else None))
    return _reads(session, [media])[media.id], True


def _clean_alt(alt_text: str | None) -> str | None:
    if alt_text is None:
        return None
    cleaned = alt_text.strip()
    return cleaned or None


def update_media(session: Session, owner_id: int, media_id: int, data: MediaUpdate) -> MediaRead:
    """Set or clear the alt text (owner only)."""
    media = owned_media(session, owner_id, media_id)
    if "alt_text" in data.model_fields_set:
        media.alt_text = _clean_alt(data.alt_text)
        record_event(session, MediaUpdated(media_id=media_id))
    session.flush()
    return _reads(session, [media])[media.id]


def delete_media(session: Session, owner_id: int, media_id: int) -> None:
    """Delete one's own image that no post or message uses yet (files go when unreferenced)."""
    media = owned_media(session, owner_id, media_id)
    if media.attached_at is not None:
        raise Conflict("This image is used by a post or message; delete that first",
                       code="media_attached")
    digest = media.sha256
    session.delete(media)
    session.flush()
    record_event(session, MediaFilesReleased(digests=(digest,)))


def variant_file(session: Session, viewer_id: int | None, media_id: int, variant: str,
                 key: str | None) -> tuple[str, str, str, bool]:
    """(sha256, ext, content_type, public) of a variant the viewer may fetch."""
    media = visible_media(session, viewer_id, media_id, key)
    info = (media.variants or {}).get(variant)
    if info is None:
        raise NotFound("No such variant", code="variant_not_found")
    public = media.attached_at is not None and key is not None and _same(key, media.access_key)
    return media.sha256, info["ext"], info["content_type"], public


def unreferenced_digests(session: Session, digests: Iterable[str]) -> list[str]:
    """The digests no media row uses any more (their files may be deleted)."""
    wanted = set(digests)
    if not wanted:
        return []
    used = set(session.scalars(select(Media.sha256).where(Media.sha256.in_(wanted))).all())
    return sorted(wanted - used)


# --- garment tags -------------------------------------------------------------------------


def _tag_read(tag: MediaTag) -> TagRead:
    return TagRead(id=tag.id, media_id=tag.media_id, x=tag.x, y=tag.y, w=tag.w, h=tag.h,
                   category=tag.category, brand=tag.brand, colour=tag.colour,
                   colour_hex=tag.colour_hex, price_band=tag.price_band, link=tag.link,
                   fit=tag.fit, wardrobe_item_id=tag.wardrobe_item_id)


def sample_colour(media_dir: Path, media: Media, x: float, y: float, w: float | None,
                  h: float | None) -> str | None:
    """Mean colour of the tagged region (a box, or 5% around a point) from the thumbnail."""
    info = (media.variants or {}).get("thumbnail")
    if info is None:
        return None
    path = storage.file_path(media_dir, media.sha256, "thumbnail", info["ext"])
    try:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"), dtype=np.float64)
    except OSError:
        return None
    height, width = rgb.shape[:2]
    half_w = (w / 2) if w else 0.05
    half_h = (h / 2) if h else 0.05
    cx, cy = (x + w / 2, y + h / 2) if (w and h) else (x, y)
    x0, x1 = int(max(0.0, cx - half_w) * width), int(min(1.0, cx + half_w) * width) + 1
    y0, y1 = int(max(0.0, cy - half_h) * height), int(min(1.0, cy + half_h) * height) + 1
    region = rgb[y0:min(y1, height), x0:min(x1, width)].reshape(-1, 3)
    if region.size == 0:
        return None
    return rgb_to_hex(np.median(region, axis=0).tolist())


def add_tag(session: Session, owner_id: int, media_id: int, data: TagCreate,
            media_dir: Path | None = None) -> TagRead:
    """Tag a garment on one's own photo; a missing colour is sampled from the photo."""
    media = session.scalars(
        select(Media).where(Media.id == media_id).with_for_update()).first()
    if media is None or media.owner_id != owner_id:
        raise NotFound("Media not found", code="media_not_found")
    count = session.scalar(select(func.count()).select_from(MediaTag)
                           .where(MediaTag.media_id == media_id)) or 0
    if count >= MAX_TAGS_PER_MEDIA:
        raise InvalidState(f"A photo holds at most {MAX_TAGS_PER_MEDIA} tags",
                           code="too_many_tags")
    if data.w is not None and data.x + data.w > 1.0001:
        raise InvalidState("The box leaves the photo (x + w > 1)", code="tag_out_of_frame")
    if data.h is not None and data.y + data.h > 1.0001:
        raise InvalidState("The box leaves the photo (y + h > 1)", code="tag_out_of_frame")
    colour, colour_hex = data.colour, None
    if colour is not None:
        colour_hex = resolve_colour(colour)
        if colour_hex is not None and colour.lstrip("#") == colour_hex.lstrip("#"):
            colour = nearest_color_name(colour_hex)  # a hex was given: name it
        elif colour_hex is not None and colour.startswith("#"):
            colour = nearest_color_name(colour_hex)
    elif media_dir is not None:
        colour_hex = sample_colour(media_dir, media, data.x, data.y, data.w, data.h)
        colour = nearest_color_name(colour_hex) if colour_hex else None
    tag = MediaTag(
        media_id=media_id, x=data.x, y=data.y, w=data.w, h=data.h, category=data.category,
        brand=data.brand, brand_key=brand_key(data.brand) if data.brand else None,
        colour=colour.lower() if colour else None, colour_hex=colour_hex,
        price_band=data.price_band, link=str(data.link) if data.link else None, fit=data.fit,
        wardrobe_item_id=data.wardrobe_item_id,
    )
    session.add(tag)
    session.flush()
    record_event(session, MediaTagsChanged(media_id=media_id))
    return _tag_read(tag)


def brand_key(brand: str) -> str:
    """Brands compare case- and space-insensitively ("ZARA " == "zara")."""
    return " ".join(brand.lower().split())


def list_tags(session: Session, viewer_id: int | None, media_id: int,
              key: str | None = None) -> list[TagRead]:
    """Tags of an image the viewer may see, top to bottom."""
    visible_media(session, viewer_id, media_id, key)
    return tags_for(session, [media_id]).get(media_id, [])


def delete_tag(session: Session, owner_id: int, media_id: int, tag_id: int) -> None:
    """Remove one tag from one's own photo."""
    owned_media(session, owner_id, media_id)
    deleted = session.execute(
        delete(MediaTag).where(MediaTag.id == tag_id, MediaTag.media_id == media_id))
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("Tag not found", code="tag_not_found")
    record_event(session, MediaTagsChanged(media_id=media_id))


def clear_tags(session: Session, owner_id: int, media_id: int) -> int:
    """Remove every tag from one's own photo; returns how many."""
    owned_media(session, owner_id, media_id)
    result = session.execute(delete(MediaTag).where(MediaTag.media_id == media_id))
    removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if removed:
        record_event(session, MediaTagsChanged(media_id=media_id))
    return removed


def tags_for(session: Session, media_ids: Iterable[int]) -> dict[int, list[TagRead]]:
    """Garment tags per image (no access check: callers pass images their viewer may see)."""
    ids = set(media_ids)
    if not ids:
        return {}
    rows = session.scalars(select(MediaTag).where(MediaTag.media_id.in_(ids))
                           .order_by(MediaTag.media_id, MediaTag.y, MediaTag.x, MediaTag.id))
    out: dict[int, list[TagRead]] = {}
    for row in rows:
        out.setdefault(row.media_id, []).append(_tag_read(row))
    return out


def find_tagged_media(session: Session, *, brand: str | None = None,
                      category: str | None = None, limit: int = 1000) -> list[int]:
    """Ids of images with a tag of this brand and/or category (case-insensitive), newest first."""
    query = select(MediaTag.media_id).distinct()
    if brand:
        query = query.where(MediaTag.brand_key == brand_key(brand))
    if category:
        query = query.where(func.lower(MediaTag.category) == " ".join(category.lower().split()))
    query = query.order_by(MediaTag.media_id.desc()).limit(limit)
    return list(session.scalars(query).all())


def fit_summary(session: Session, media_ids: Iterable[int] | None = None, *,
                brand: str | None = None) -> list[dict[str, Any]]:
    """Fit notes summed per (brand, category): counts of small / true / large."""
    query = (select(MediaTag.brand_key, func.min(MediaTag.brand), MediaTag.category, MediaTag.fit,
                    func.count())
             .where(MediaTag.fit.is_not(None), MediaTag.brand_key.is_not(None))
             .group_by(MediaTag.brand_key, MediaTag.category, MediaTag.fit))
    if brand:
        query = query.where(MediaTag.brand_key == brand_key(brand))
    if media_ids is not None:
        query = query.where(MediaTag.media_id.in_(set(media_ids)))
    summary: dict[tuple[str | None, str], dict[str, Any]] = {}
    for key, shown, category, fit, count in session.execute(query):
        entry = summary.setdefault((key, category.lower()), {
            "brand": shown, "category": category.lower(), "small": 0, "true": 0, "large": 0,
            "total": 0})
        entry[str(fit)] += count
        entry["total"] += count
    return sorted(summary.values(), key=lambda e: (-e["total"], e["brand"], e["category"]))


# --- colour search ------------------------------------------------------------------------


def media_colour_distances(session: Session, colour: str, *,
                           media_ids: Iterable[int] | None = None,
                           max_distance: float = COLOUR_MATCH_DE) -> dict[int, float]:
    """Images whose palette holds a colour (share ≥ 5%) within CIEDE2000 `max_distance` of
    `colour` (a name or hex), with that smallest distance."""
    target = resolve_colour(colour)
    if target is None:
        return {}
    query = select(Media.id, Media.palette)
    if media_ids is not None:
        query = query.where(Media.id.in_(set(media_ids)))
    ids: list[int] = []
    labs: list[tuple[float, float, float]] = []
    for media_id, palette in session.execute(query):
        for entry in palette or []:
            if entry.get("share", 0) >= COLOUR_MATCH_MIN_SHARE:
                ids.append(media_id)
                labs.append(hex_to_lab(normalise_hex(entry["hex"])))
    if not ids:
        return {}
    distances = ciede2000(np.array([hex_to_lab(target)]), np.array(labs))[0]
    out: dict[int, float] = {}
    for media_id, distance in zip(ids, distances.tolist(), strict=True):
        if distance <= max_distance and distance < out.get(media_id, float("inf")):
            out[media_id] = round(distance, 3)
    return out


# --- alt text -----------------------------------------------------------------------------


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def alt_text_draft(session: Session, owner_id: int, media_id: int) -> AltTextDraft:
    """A draft description from the garment tags and the measured palette, for the owner to edit."""
    media = owned_media(session, owner_id, media_id)
    tags = tags_for(session, [media_id]).get(media_id, [])
    sources: list[str] = []
    items: list[str] = []
    for tag in tags:
        words = [tag.colour, tag.brand, tag.category.lower()]
        phrase = " ".join(w for w in words if w)
        if phrase and phrase not in items:
            items.append(phrase)
    colours = list(dict.fromkeys(c["name"] for c in media.palette or []))[:4]
    orientation = ("portrait" if media.height > media.width * 1.05 else
                   "landscape" if media.width > media.height * 1.05 else "square")
    parts: list[str] = []
    if items:
        sources.append("tags")
        parts.append(f"Outfit photo ({orientation}): {_join(items)}.")
    else:
        parts.append(f"Photo ({orientation}).")
    if colours:
        sources.append("palette")
        parts.append(f"Main colours: {_join(colours)}.")
    draft = " ".join(parts)[:1000]
    return AltTextDraft(draft=draft, sources=sources, current_alt_text=media.alt_text)


# --- GDPR ---------------------------------------------------------------------------------


def export_for_user(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The user's images with their analysis and tags (GDPR export)."""
    rows = session.scalars(select(Media).where(Media.owner_id == user_id).order_by(Media.id)).all()
    reads = _reads(session, rows)
    tags = tags_for(session, reads)
    out = []
    for media_id, read in reads.items():
        item = read.model_dump(mode="json")
        item["tags"] = [t.model_dump(mode="json") for t in tags.get(media_id, [])]
        out.append(item)
    return out


def erase_for_user(session: Session, user_id: int) -> None:
    """Delete the user's images (tags and hash bands cascade); files go after the commit."""
    digests = tuple(sorted(set(session.scalars(
        select(Media.sha256).where(Media.owner_id == user_id)).all())))
    if not digests:
        return
    session.execute(update(Media).where(Media.duplicate_of_id.in_(
        select(Media.id).where(Media.owner_id == user_id))).values(duplicate_of_id=None,
                                                                   duplicate_distance=None))
    session.execute(delete(Media).where(Media.owner_id == user_id))
    record_event(session, MediaFilesReleased(digests=digests))
