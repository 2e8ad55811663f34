"""Media rules: who may see and change an image, claiming for posts, tags, alt text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.core.errors import NotFound
from tanvi_social.core.time import utcnow
from tanvi_social.media.models import Media
from tanvi_social.media.schemas import (
    DuplicateOf,
    MediaRead,
    MediaUrls,
    PaletteColour,
    VariantInfo,
)

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
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def get_media(session: Session, viewer_id: int | None, media_id: int,
              key: str | None = None) -> MediaRead:
    """One image's metadata for a viewer allowed to see it."""
    media = visible_media(session, viewer_id, media_id, key)
    return _reads(session, [media])[media.id]


