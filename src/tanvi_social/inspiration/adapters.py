"""The other domains' services this domain uses, each looked up lazily so a domain that has not
landed (or is switched off) simply leaves its part out instead of breaking inspiration."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session


def module(name: str) -> Any | None:
    """`tanvi_social.<name>` if it exists, else None."""
    try:
        return importlib.import_module(f"tanvi_social.{name}")
    except ModuleNotFoundError:
        return None


def media_reads(session: Session, ids: Iterable[int]) -> dict[int, Any]:
    """media.service.media_reads, or {} without the media domain."""
    wanted = [i for i in ids if i]
    svc = module("media.service")
    if svc is None or not wanted:
        return {}
    return svc.media_reads(session, wanted)


def claim_media(session: Session, owner_id: int, media_id: int) -> Any:
    """Attach the caller's own image (NotFound unless it is theirs)."""
    from tanvi_social.core.errors import NotFound

    svc = module("media.service")
    if svc is None:
        raise NotFound("Media not found", code="media_not_found")
    return svc.claim_media(session, owner_id, [media_id])[0]


def colour_from_text(text: str) -> tuple[str, str | None] | None:
    """(#rrggbb, name) for a hex value or a known colour name (media.colors); None otherwise."""
    colors = module("media.colors")
    value = text.strip()
    if colors is None:
        return None
    hex_ = colors.resolve_colour(value)
    if hex_ is None:
        return None
    named = colors.named_color_hex(value)
    name = value.lower() if named is not None else colors.nearest_color_name(hex_)
    return hex_, name


def colour_name(hex_: str) -> str | None:
    """Nearest shipped colour name for a hex value (None without the media domain)."""
    colors = module("media.colors")
    if colors is None:
        return None
    try:
        return str(colors.nearest_color_name(hex_))
    except ValueError:
        return None


def post_media_ids(session: Session, post_ids: Iterable[int]) -> dict[int, list[int]]:
    """Images of each post, in order (content's post↔media link, when it exists)."""
    ids = list(post_ids)
    if not ids:
        return {}
    content_models = module("content.models")
    if content_models is None:
        return {}
    from sqlalchemy import select

    link = getattr(content_models, "PostMedia", None)
    if link is not None:
        out: dict[int, list[int]] = {}
        order = getattr(link, "position", None)
        stmt = select(link.post_id, link.media_id).where(link.post_id.in_(ids))
        if order is not None:
            stmt = stmt.order_by(link.post_id, order)
        for pid, mid in session.execute(stmt):
            out.setdefault(pid, []).append(mid)
        return out
    post = content_models.Post
    if hasattr(post, "media_ids"):
        return {pid: list(mids or []) for pid, mids in
                session.execute(select(post.id, post.media_ids).where(post.id.in_(ids)))}
    return {}
