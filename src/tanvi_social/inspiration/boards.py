"""Mood boards: items (posts, images, colours, notes), collaborators with roles, computed palette.

Who sees a board: its owner and collaborators always; anyone else only when it is public and
neither side blocked the other. Who changes it: the owner (everything) and editors (items only).
Anything a caller may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.models import MoodBoard, MoodBoardCollaborator, MoodBoardItem
from tanvi_social.inspiration.schemas import (
    CollaboratorAdd,
    CollaboratorRead,
    MoodBoardCreate,
    MoodBoardDetail,
    MoodBoardItemCreate,
    MoodBoardItemRead,
    MoodBoardRead,
    MoodBoardUpdate,
    PaletteColour,
)
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards

MAX_ITEMS = 200
MAX_COLLABORATORS = 50
PALETTE_SIZE = 6


def merge_palettes(palettes: Iterable[tuple[list[dict[str, Any]], float]],
                   size: int = PALETTE_SIZE) -> list[dict[str, Any]]:
    """Weighted sum of colour shares by colour (name, else hex), top `size`, renormalised to 1."""
    totals: dict[str, dict[str, Any]] = {}
    for palette, weight in palettes:
        for colour in palette or []:
            hex_ = str(colour.get("hex", "")).lower()
            if not hex_:
                continue
            key = str(colour.get("name") or hex_).lower()
            entry = totals.setdefault(key, {"hex": hex_, "name": colour.get("name"), "share": 0.0,
                                            "best": -1.0})
            share = float(colour.get("share", 0.0)) * weight
            entry["share"] += share
            if share > entry["best"]:
                entry["best"], entry["hex"] = share, hex_
    ranked = sorted(totals.values(), key=lambda e: (-e["share"], e["hex"]))[:size]
    total = sum(e["share"] for e in ranked)
    return [{"hex": e["hex"], "name": e["name"], "share": round(e["share"] / total, 4)}
            for e in ranked] if total > 0 else []


def _role(session: Session, board: MoodBoard, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    if board.owner_id == user_id:
        return "owner"
    return session.scalar(select(MoodBoardCollaborator.role).where(
        MoodBoardCollaborator.board_id == board.id, MoodBoardCollaborator.user_id == user_id))


def _visible_board(session: Session, viewer_id: int | None, board_id: int) -> tuple[MoodBoard,
                                                                                   str | None]:
    board = session.get(MoodBoard, board_id)
    if board is None:
        raise NotFound("Mood board not found", code="moodboard_not_found")
    role = _role(session, board, viewer_id)
    if role is not None:
        return board, role
    if not board.is_public or (viewer_id is not None and graph.blocked_either_way(
            session, viewer_id, board.owner_id)):
        raise NotFound("Mood board not found", code="moodboard_not_found")
    return board, None


def _editable_board(session: Session, user_id: int, board_id: int, *,
                    owner_only: bool = False) -> MoodBoard:
    board, role = _visible_board(session, user_id, board_id)
    if role == "owner" or (role == "editor" and not owner_only):
        return board
    raise Forbidden("You cannot change this mood board", code="moodboard_forbidden")


def _read(board: MoodBoard, cards: dict[int, Any], role: str | None) -> MoodBoardRead:
    return MoodBoardRead(
        id=board.id, owner=cards.get(board.owner_id), title=board.title,
        description=board.description, mood_type=board.mood_type, is_public=board.is_public,
        palette=[PaletteColour(**c) for c in board.palette or []], item_count=board.item_count,
        created_at=board.created_at, updated_at=board.updated_at, my_role=role)


def _visible_post_ids(session: Session, viewer_id: int | None, post_ids: set[int]) -> set[int]:
    if not post_ids:
        return set()
    access = adapters.module("content.access")
    models = adapters.module("content.models")
    if access is None or models is None:
        return set()
    post = models.Post
    return set(session.scalars(select(post.id).where(
        post.id.in_(post_ids), access.visible_posts_clause(session, viewer_id))))


def _item_reads(session: Session, viewer_id: int | None,
                items: list[MoodBoardItem]) -> list[MoodBoardItemRead]:
    visible = _visible_post_ids(session, viewer_id, {i.post_id for i in items if i.post_id})
    post_media = adapters.post_media_ids(session, visible)
    media_ids = {i.media_id for i in items if i.media_id}
    media_ids |= {mids[0] for mids in post_media.values() if mids}
    media = adapters.media_reads(session, media_ids)
    out = []
    for item in items:
        if item.kind == "post" and item.post_id not in visible:
            continue  # the post was deleted or is no longer visible to this viewer
        image = None
        if item.media_id and item.media_id in media:
            image = media[item.media_id].urls.feed
        elif item.post_id and post_media.get(item.post_id):
            first = media.get(post_media[item.post_id][0])
            image = first.urls.feed if first else None
        out.append(MoodBoardItemRead(
            id=item.id, kind=item.kind, post_id=item.post_id, media_id=item.media_id,
            colour_hex=item.colour_hex, colour_name=item.colour_name, note=item.note,
            image_url=image, added_by=item.added_by, position=item.position,
            created_at=item.created_at))
    return out


def _collaborators(session: Session, board_id: int) -> list[CollaboratorRead]:
    rows = session.scalars(select(MoodBoardCollaborator).where(
        MoodBoardCollaborator.board_id == board_id).order_by(MoodBoardCollaborator.id)).all()
    cards = author_cards(session, [r.user_id for r in rows])
    return [CollaboratorRead(user=cards[r.user_id], role=r.role, added_at=r.created_at)
            for r in rows if r.user_id in cards]


def _detail(session: Session, viewer_id: int | None, board: MoodBoard,
            role: str | None) -> MoodBoardDetail:
    items = session.scalars(select(MoodBoardItem).where(MoodBoardItem.board_id == board.id)
                            .order_by(MoodBoardItem.position, MoodBoardItem.id)).all()
    base = _read(board, author_cards(session, [board.owner_id]), role)
    return MoodBoardDetail(**base.model_dump(), items=_item_reads(session, viewer_id, list(items)),
                           collaborators=_collaborators(session, board.id))


def recompute_palette(session: Session, board: MoodBoard) -> list[dict[str, Any]]:
    """The board's palette from its items: images' palettes (weight 1) and pinned colours (1)."""
    items = session.scalars(select(MoodBoardItem).where(MoodBoardItem.board_id == board.id)).all()
    post_media = adapters.post_media_ids(session, {i.post_id for i in items if i.post_id})
    media_ids = {i.media_id for i in items if i.media_id}
    for mids in post_media.values():
        media_ids.update(mids)
    media = adapters.media_reads(session, media_ids)
    palettes: list[tuple[list[dict[str, Any]], float]] = []
    for item in items:
        ids = [item.media_id] if item.media_id else post_media.get(item.post_id or 0, [])
        for mid in ids:
            if mid in media:
                palettes.append(([c.model_dump() for c in media[mid].palette], 1.0 / len(ids)))
        if item.colour_hex:
            palettes.append(([{"hex": item.colour_hex, "name": item.colour_name,
                               "share": 1.0}], 1.0))
    board.palette = merge_palettes(palettes)
    return board.palette


def create_board(session: Session, owner_id: int, body: MoodBoardCreate) -> MoodBoardDetail:
    """Create a board owned by the caller."""
    board = MoodBoard(owner_id=owner_id, title=body.title.strip(), description=body.description,
                      mood_type=body.mood_type, is_public=body.is_public, palette=[], item_count=0)
    session.add(board)
    session.flush()
    return _detail(session, owner_id, board, "owner")


def get_board(session: Session, viewer_id: int | None, board_id: int) -> MoodBoardDetail:
    """A visible board with its visible items and collaborators."""
    board, role = _visible_board(session, viewer_id, board_id)
    return _detail(session, viewer_id, board, role)


def list_boards(session: Session, viewer_id: int | None, params: PageParams, *,
                user_id: int | None = None) -> tuple[list[MoodBoardRead], int]:
    """Boards the viewer may see: their own and shared ones (signed in), else public ones."""
    stmt = select(MoodBoard)
    if user_id is not None:
        stmt = stmt.where(MoodBoard.owner_id == user_id)
        if viewer_id != user_id:
            shared = select(MoodBoardCollaborator.board_id).where(
                MoodBoardCollaborator.user_id == (viewer_id or 0))
            stmt = stmt.where(or_(MoodBoard.is_public.is_(True), MoodBoard.id.in_(shared)))
            if viewer_id is not None and graph.blocked_either_way(session, viewer_id, user_id):
                return [], 0
    elif viewer_id is not None:
        shared = select(MoodBoardCollaborator.board_id).where(
            MoodBoardCollaborator.user_id == viewer_id)
        stmt = stmt.where(or_(MoodBoard.owner_id == viewer_id, MoodBoard.id.in_(shared)))
    else:
        stmt = stmt.where(MoodBoard.is_public.is_(True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(MoodBoard.id.desc()).offset(params.offset)
                           .limit(params.per_page)).all()
    cards = author_cards(session, {b.owner_id for b in rows})
    return [_read(b, cards, _role(session, b, viewer_id)) for b in rows], total


def update_board(session: Session, user_id: int, board_id: int,
                 body: MoodBoardUpdate) -> MoodBoardDetail:
    """Owner only: title, description, mood type, public/private."""
    board = _editable_board(session, user_id, board_id, owner_only=True)
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is None and key in ("title", "mood_type", "is_public"):
            continue
        setattr(board, key, value.strip() if key == "title" else value)
    board.updated_at = utcnow()
    session.flush()
    return _detail(session, user_id, board, "owner")


def delete_board(session: Session, user_id: int, board_id: int) -> None:
    """Owner only."""
    board = _editable_board(session, user_id, board_id, owner_only=True)
    session.delete(board)


def add_item(session: Session, user_id: int, board_id: int,
             body: MoodBoardItemCreate) -> tuple[MoodBoardItemRead, list[PaletteColour]]:
    """Owner or editor: pin a visible post, an own image, a colour or a note."""
    board = _editable_board(session, user_id, board_id)
    if board.item_count >= MAX_ITEMS:
        raise Conflict(f"A mood board holds at most {MAX_ITEMS} items", code="moodboard_full")
    item = MoodBoardItem(board_id=board.id, kind=body.kind, added_by=user_id,
                         position=board.item_count)
    if body.kind == "post":
        access = adapters.module("content.access")
        if access is None:
            raise NotFound("Post not found", code="post_not_found")
        access.get_visible_post(session, user_id, body.post_id)
        item.post_id = body.post_id
    elif body.kind == "media":
        assert body.media_id is not None
        adapters.claim_media(session, user_id, body.media_id)
        item.media_id = body.media_id
    elif body.kind == "colour":
        assert body.colour is not None
        found = adapters.colour_from_text(body.colour)
        if found is None:
            raise ValidationFailed("Unknown colour: give #rrggbb or a colour name",
                                   code="unknown_colour",
                                   details=[{"loc": ["body", "colour"], "msg": "unknown colour"}])
        item.colour_hex, item.colour_name = found
    else:
        item.note = (body.note or "").strip()
    session.add(item)
    session.execute(update(MoodBoard).where(MoodBoard.id == board.id)
                    .values(item_count=MoodBoard.item_count + 1, updated_at=utcnow()))
    session.flush()
    session.refresh(board)
    palette = recompute_palette(session, board)
    reads = _item_reads(session, user_id, [item])
    return reads[0], [PaletteColour(**c) for c in palette]


def remove_item(session: Session, user_id: int, board_id: int, item_id: int) -> None:
    """Owner or editor."""
    board = _editable_board(session, user_id, board_id)
    item = session.get(MoodBoardItem, item_id)
    if item is None or item.board_id != board.id:
        raise NotFound("Item not found", code="item_not_found")
    session.delete(item)
    session.execute(update(MoodBoard).where(MoodBoard.id == board.id)
                    .values(item_count=MoodBoard.item_count - 1, updated_at=utcnow()))
    session.flush()
    session.refresh(board)
    recompute_palette(session, board)


def add_collaborator(session: Session, user_id: int, board_id: int,
                     body: CollaboratorAdd) -> CollaboratorRead:
    """Owner only; the invitee must exist and not be blocked either way."""
    board = _editable_board(session, user_id, board_id, owner_only=True)
    if body.user_id == board.owner_id:
        raise Conflict("The owner is already on the board", code="already_owner")
    target = session.get(User, body.user_id)
    if target is None or not target.is_active or graph.blocked_either_way(
            session, user_id, body.user_id):
        raise NotFound("User not found", code="user_not_found")
    count = session.scalar(select(func.count()).where(
        MoodBoardCollaborator.board_id == board.id)) or 0
    if count >= MAX_COLLABORATORS:
        raise Conflict("Too many collaborators", code="too_many_collaborators")
    row = MoodBoardCollaborator(board_id=board.id, user_id=body.user_id, role=body.role,
                                invited_by=user_id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Already a collaborator", code="already_collaborator") from exc
    from tanvi_social.social.notifications import notify

    notify(session, recipient_id=body.user_id, actor_id=user_id, type="moodboard_invite",
           target_type="moodboard", target_id=board.id,
           data={"title": board.title, "role": body.role})
    card = author_cards(session, [body.user_id])[body.user_id]
    return CollaboratorRead(user=card, role=row.role, added_at=row.created_at)


def remove_collaborator(session: Session, user_id: int, board_id: int, member_id: int) -> None:
    """The owner removes anyone; a collaborator may leave."""
    board, role = _visible_board(session, user_id, board_id)
    if role != "owner" and user_id != member_id:
        raise Forbidden("Only the owner can remove collaborators", code="moodboard_forbidden")
    deleted = session.execute(delete(MoodBoardCollaborator).where(
        MoodBoardCollaborator.board_id == board.id, MoodBoardCollaborator.user_id == member_id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Collaborator not found", code="collaborator_not_found")
