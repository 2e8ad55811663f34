"""`/api/media`: upload, metadata, variants, alt text, garment tags, alt-text draft.

Access rule (docs/media.md): the owner sees everything; anyone else needs the image's capability
key (`?k=`, present in every URL the API hands out) AND the image must be attached to content.
Everything else is a 404, so existence never leaks.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse

from tanvi_social.accounts.deps import CurrentUser, OptionalUser, WriterUser
from tanvi_social.core.deps import PlatformDep, enforce_rate_limit
from tanvi_social.core.errors import (
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from tanvi_social.core.pagination import PageDep, Pagination
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.media import service, storage
from tanvi_social.media.processing import process_image
from tanvi_social.media.schemas import (
    ALT_TEXT_MAX,
    AltTextDraftResponse,
    MediaListResponse,
    MediaResponse,
    MediaUpdate,
    TagCreate,
    TagResponse,
    TagsResponse,
    VariantName,
)

router = APIRouter(prefix="/api/media", tags=["media"])

MediaId = Annotated[int, Path(ge=1, le=2_147_483_647)]
KeyParam = Annotated[str | None,
                     Query(max_length=64, description="The capability key from the URL")]
UPLOADS_PER_MINUTE = 30
IMMUTABLE = "public, max-age=31536000, immutable"
OWNER_ONLY = "private, max-age=3600"


@router.post("", status_code=201, responses=error_responses(
    Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, 429))
async def upload_media(
    user: WriterUser, platform: PlatformDep, response: Response,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC, at most 16 MiB")],
    alt_text: Annotated[str | None, Form(max_length=ALT_TEXT_MAX)] = None,
) -> MediaResponse:
    """Upload an image: verified, oriented, stripped of metadata, stored with its variants.

    Answers 200 with the existing image when the caller uploads the same image again.
    """
    await enforce_rate_limit(platform, response, f"media_upload:u{user.user_id}",
                             UPLOADS_PER_MINUTE, 60, "Too many uploads; try again in a minute")
    limit = platform.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Images are limited to {limit // (1024 * 1024)} MiB",
                              code="file_too_large")
    if not data:
        raise ValidationFailed("The file is empty", code="empty_file")
    if alt_text is not None and "\x00" in alt_text:
        raise ValidationFailed("alt_text must not contain NUL characters", code="validation_error")
    processed = await anyio.to_thread.run_sync(process_image, data)
    await anyio.to_thread.run_sync(storage.save, platform.settings.media_dir, processed)
    media, created = await platform.db.run(service.create_media, user.user_id, processed,
                                           alt_text)
    if not created:
        response.status_code = 200
    message = ("Image uploaded" if created else "You already uploaded this image")
    if media.needs_credit:
        message += "; it looks like another member's photo, please credit the original"
    return MediaResponse(media=media, message=message)


@router.get("", responses=error_responses(Unauthorized))
async def list_my_media(
    user: CurrentUser, platform: PlatformDep, page: PageDep,
    needs_alt_text: Annotated[bool | None, Query(
        description="true: only images still without alt text (flagged to their owner)")] = None,
) -> MediaListResponse:
    """The caller's own images, newest first."""
    items, total = await platform.db.read(service.list_own_media, user.user_id,
                                          needs_alt_text=needs_alt_text, offset=page.offset,
                                          limit=page.per_page)
    flagged = sum(1 for m in items if m.needs_alt_text)
    message = f"{flagged} image(s) on this page need alt text" if flagged else None
    return MediaListResponse(media=items, pagination=Pagination.build(page, total),
                             message=message)


@router.get("/{media_id}", responses=error_responses(NotFound, Unauthorized))
async def get_media(media_id: MediaId, user: OptionalUser, platform: PlatformDep,
                    k: KeyParam = None) -> MediaResponse:
    """An image's metadata: size, blurhash, palette, URLs, alt text, duplicate flag."""
    viewer = user.user_id if user else None
    media = await platform.db.read(service.get_media, viewer, media_id, k)
    return MediaResponse(media=media)


@router.put("/{media_id}", responses=error_responses(NotFound, Unauthorized, Forbidden))
async def update_media(media_id: MediaId, body: MediaUpdate, user: WriterUser,
                       platform: PlatformDep) -> MediaResponse:
    """Set or clear the alt text of one's own image (≤ 1,000 characters)."""
    media = await platform.db.run(service.update_media, user.user_id, media_id, body)
    return MediaResponse(media=media, message="Image updated")


@router.delete("/{media_id}", responses=error_responses(NotFound, Conflict, Unauthorized,
                                                        Forbidden))
async def delete_media(media_id: MediaId, user: WriterUser,
                       platform: PlatformDep) -> MessageResponse:
    """Delete one's own image that no post or message uses (409 otherwise)."""
    await platform.db.run(service.delete_media, user.user_id, media_id)
    return MessageResponse(message="Image deleted")


@router.get("/{media_id}/alt-text-draft", responses=error_responses(NotFound, Unauthorized))
async def alt_text_draft(media_id: MediaId, user: WriterUser,
                         platform: PlatformDep) -> AltTextDraftResponse:
    """A draft alt text from the garment tags and measured colours, for the owner to edit."""
    draft = await platform.db.read(service.alt_text_draft, user.user_id, media_id)
    return AltTextDraftResponse(alt_text_draft=draft)


@router.get("/{media_id}/tags", responses=error_responses(NotFound, Unauthorized))
async def list_tags(media_id: MediaId, user: OptionalUser, platform: PlatformDep,
                    k: KeyParam = None) -> TagsResponse:
    """The garment tags on an image ("shop the look"), top to bottom."""
    viewer = user.user_id if user else None
    tags = await platform.db.read(service.list_tags, viewer, media_id, k)
    return TagsResponse(tags=tags)


@router.post("/{media_id}/tags", status_code=201,
             responses=error_responses(NotFound, InvalidState, Unauthorized, Forbidden))
async def add_tag(media_id: MediaId, body: TagCreate, user: WriterUser,
                  platform: PlatformDep) -> TagResponse:
    """Tag a garment on one's own photo (a missing colour is measured from the photo)."""
    tag = await platform.db.run(service.add_tag, user.user_id, media_id, body,
                                platform.settings.media_dir)
    return TagResponse(tag=tag, message="Tag added")


@router.delete("/{media_id}/tags", responses=error_responses(NotFound, Unauthorized, Forbidden))
async def clear_tags(media_id: MediaId, user: WriterUser,
                     platform: PlatformDep) -> MessageResponse:
    """Remove every tag from one's own photo."""
    removed = await platform.db.run(service.clear_tags, user.user_id, media_id)
    return MessageResponse(message=f"{removed} tag(s) removed")


@router.delete("/{media_id}/tags/{tag_id}",
               responses=error_responses(NotFound, Unauthorized, Forbidden))
async def delete_tag(media_id: MediaId, tag_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
                     user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Remove one tag from one's own photo."""
    await platform.db.run(service.delete_tag, user.user_id, media_id, tag_id)
    return MessageResponse(message="Tag removed")


@router.get("/{media_id}/{variant}", response_class=FileResponse,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
                             "description": "The image bytes"},
                       **error_responses(NotFound, Unauthorized)})
async def get_variant(media_id: MediaId, variant: VariantName, user: OptionalUser,
                      platform: PlatformDep, k: KeyParam = None) -> FileResponse:
    """The image bytes of one variant: original, feed (≤1080×1350), thumbnail (≤320), webp."""
    viewer = user.user_id if user else None
    sha, ext, content_type, public = await platform.db.read(
        service.variant_file, viewer, media_id, variant, k)
    path = storage.file_path(platform.settings.media_dir, sha, variant, ext)
    if not await anyio.Path(path).is_file():
        raise NotFound("The image file is missing", code="media_file_missing")
    headers = {"Cache-Control": IMMUTABLE if public else OWNER_ONLY,
               "ETag": f'"{sha[:32]}-{variant}"'}
    if not public:
        headers["Vary"] = "Authorization"
    return FileResponse(path, media_type=content_type, headers=headers)
