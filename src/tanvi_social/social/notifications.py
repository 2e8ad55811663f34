"""`notify(...)`: the one way any domain creates a notification, inside its own unit of work.

Never from a muted or blocked actor, never to oneself, never of a type the recipient switched
off, never when the triggering `text` (a comment, a mentioning caption) contains one of the
recipient's muted words (`moderation.muted`: whole words, case- and accent-insensitive).
Notifications of a grouped type on the same target fold into the newest unread one ("Mia and 12
others liked your post"). A notification from someone the recipient follows also
counts as an interaction on that follow (`connection_info.interaction_count`).

The read side (list, unread count, read, delete, preferences) lives here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from tanvi_social.core.db import UTCDateTime, record_event
from tanvi_social.core.errors import NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social import graph
from tanvi_social.social.events import NotificationCreated
from tanvi_social.social.models import (
    Block,
    Connection,
    ConnectionState,
    Mute,
    Notification,
    NotificationPreference,
)

# Every type a user can switch off (producers in other domains use these names).
NOTIFICATION_TYPES = [
    "follow", "follow_request", "follow_approved", "like", "comment", "reply", "mention",
    "share", "save", "challenge", "event", "community", "mentorship", "message", "moderation",
    "system", "remix", "saved_filter_match",
]
# Types folded per target while unread; the others (requests, mentions, …) stay one per event.
GROUPED_TYPES = {"follow", "like", "comment", "reply", "share", "save", "comment_like", "vote",
                 "rsvp", "community_join"}
MAX_GROUPED_ACTORS = 50
# Actions that are not interactions with the recipient's content.
_NOT_INTERACTIONS = {"follow", "follow_request", "follow_approved"}

_TEMPLATES = {
    "follow": "{actors} started following you",
    "follow_request": "{actors} asked to follow you",
    "follow_approved": "{actors} accepted your follow request",
    "like": "{actors} liked your {target}",
    "comment": "{actors} commented on your {target}",
    "reply": "{actors} replied to your comment",
    "comment_like": "{actors} liked your comment",
    "mention": "{actors} mentioned you",
    "share": "{actors} shared your {target}",
    "save": "{actors} saved your {target}",
    "vote": "{actors} voted for your {target}",
    "rsvp": "{actors} answered your {target}",
    "community_join": "{actors} joined your {target}",
    "remix": "{actors} remixed your {target}",
    "saved_filter_match": "{actors} posted a look matching your saved filter",
}


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _type_enabled(session: Session, recipient_id: int, type: str) -> bool:
    enabled = session.scalar(select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == recipient_id, NotificationPreference.type == type))
    return enabled is not False


_R = bindparam("recipient", type_=Integer())
_ACT = bindparam("actor", type_=Integer())
_TYPE = bindparam("type", type_=String())
# built once (building a statement costs more than running it): see social/graph.py
_GATE = select(
    exists(select(Block.id).where(or_((Block.blocker_id == _R) & (Block.blocked_id == _ACT),
                                      (Block.blocker_id == _ACT) & (Block.blocked_id == _R)))),
    exists(select(Mute.id).where(Mute.muter_id == _R, Mute.muted_id == _ACT)),
    select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == _R, NotificationPreference.type == _TYPE)
    .scalar_subquery())
_COUNT_INTERACTION = (
    update(Connection).where(Connection.follower_id == _ACT, Connection.target_id == _R,
                             Connection.state == ConnectionState.ACCEPTED.value)
    .values(interaction_count=Connection.interaction_count + 1,
            last_interaction_at=bindparam("b_now", type_=UTCDateTime()))
    .execution_options(synchronize_session=False))
_OPEN_GROUP = (
    select(Notification).where(
        Notification.recipient_id == _R, Notification.type == _TYPE,
        Notification.target_type == bindparam("target_type"),
        Notification.target_id == bindparam("target_id"), Notification.is_read.is_(False))
    .order_by(Notification.id.desc()).limit(1))


def _gate(session: Session, recipient_id: int, actor_id: int, type: str) -> tuple[bool, bool]:
    """(actor hidden from the recipient: blocked either way or muted, type enabled), one
    statement instead of three on every notification."""
    row = session.execute(_GATE, {"recipient": recipient_id, "actor": actor_id,
                                  "type": type}).one()
    return bool(row[0]) or bool(row[1]), row[2] is not False and row[2] != 0


def _count_interaction(session: Session, actor_id: int, recipient_id: int) -> None:
    session.execute(_COUNT_INTERACTION, {"actor": actor_id, "recipient": recipient_id,
                                         "b_now": utcnow()})


def _muted_text(session: Session, recipient_id: int, texts: Sequence[str | None]) -> bool:
    if not any(texts):
        return False
    try:
        from tanvi_social.moderation.muted import matcher_for
    except ModuleNotFoundError:  # pragma: no cover - moderation is part of the product
        return False
    return matcher_for(session, recipient_id).matches(*texts)


def notify(session: Session, *, recipient_id: int, actor_id: int | None, type: str,
           target_type: str | None = None, target_id: int | None = None,
           data: dict[str, Any] | None = None,
           text: str | Sequence[str | None] | None = None) -> Notification | None:
    """Create (or fold into a group) a notification; None when it must not be sent.

    `text` is the content that triggered it (a comment's body; a post's title, caption and
    tags), checked against the recipient's muted words.
    """
    if actor_id is not None:
        if actor_id == recipient_id:
            return None
        hidden, enabled = _gate(session, recipient_id, actor_id, type)
        if hidden:
            return None
        if type not in _NOT_INTERACTIONS:
            _count_interaction(session, actor_id, recipient_id)
        if not enabled:
            return None
    elif not _type_enabled(session, recipient_id, type):
        return None
    if text is not None and _muted_text(session, recipient_id,
                                        [text] if isinstance(text, str) else list(text)):
        return None
    now = utcnow()
    note: Notification | None = None
    grouped = False
    if type in GROUPED_TYPES and target_id is not None and actor_id is not None:
        if target_type is not None:
            note = session.scalar(_OPEN_GROUP, {"recipient": recipient_id, "type": type,
                                                "target_type": target_type,
                                                "target_id": target_id})
        else:
            note = session.scalar(
                select(Notification).where(
                    Notification.recipient_id == recipient_id, Notification.type == type,
                    Notification.target_type.is_(None), Notification.target_id == target_id,
                    Notification.is_read.is_(False))
                .order_by(Notification.id.desc()).limit(1))
    if note is not None:
        actors = [a for a in (note.actor_ids or []) if a != actor_id]
        if len(actors) == len(note.actor_ids or []):
            note.actor_count = note.actor_count + 1
        assert actor_id is not None
        note.actor_ids = [actor_id, *actors][:MAX_GROUPED_ACTORS]
        note.actor_id = actor_id
        note.updated_at = now
        if data:
            note.data = {**(note.data or {}), **data}
        grouped = True
    else:
        note = Notification(recipient_id=recipient_id, actor_id=actor_id, type=type,
                            target_type=target_type, target_id=target_id, data=data or {},
                            actor_ids=[actor_id] if actor_id is not None else [],
                            actor_count=1 if actor_id is not None else 0, created_at=now)
        session.add(note)
    session.flush()
    record_event(session, NotificationCreated(
        notification_id=note.id, recipient_id=recipient_id, type=type,
        payload={"id": note.id, "type": type, "actor_id": actor_id, "target_type": target_type,
                 "target_id": target_id, "data": note.data, "actor_count": note.actor_count,
                 "grouped": grouped}))
    return note


# --- reading ----------------------------------------------------------------------------------

def _hidden_actor_clause(session: Session, user_id: int) -> Any:
    hidden = graph.blocked_ids(session, user_id) | graph.muted_ids(session, user_id)
    if not hidden:
        return None
    return or_(Notification.actor_id.is_(None), Notification.actor_id.not_in(hidden))


def _where(session: Session, user_id: int, unread_only: bool = False) -> list[Any]:
    where: list[Any] = [Notification.recipient_id == user_id]
    clause = _hidden_actor_clause(session, user_id)
    if clause is not None:
        where.append(clause)
    if unread_only:
        where.append(Notification.is_read.is_(False))
    return where


def unread_count(session: Session, user_id: int) -> int:
    """Unread notifications, not counting those from people now blocked or muted."""
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(*_where(session, user_id, True))) or 0


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, Any]]:
    from tanvi_social.social.service import cards

    people = cards(session, ids)
    return {uid: ((c.display_name or c.username), c) for uid, c in people.items()}


def _text(type: str, target_type: str | None, names: list[str], count: int,
          data: dict[str, Any]) -> str:
    if data.get("text"):
        return str(data["text"])
    if not names:
        actors = "Someone" if count else "Tanvi"
    elif count <= 1:
        actors = names[0]
    elif count == 2 and len(names) >= 2:
        actors = f"{names[0]} and {names[1]}"
    else:
        others = count - 1
        actors = f"{names[0]} and {others} other{'s' if others > 1 else ''}"
    template = _TEMPLATES.get(type, "{actors}: " + type.replace("_", " "))
    return template.format(actors=actors, target=(target_type or "post").replace("_", " "))


def _reads(session: Session, rows: list[Notification], hidden: set[int]) -> list[Any]:
    from tanvi_social.social.schemas import NotificationRead

    ids = {a for n in rows for a in (n.actor_ids or [])[:3] if a not in hidden}
    names = _names(session, ids)
    out = []
    for n in rows:
        actors = [a for a in (n.actor_ids or []) if a in names][:3]
        out.append(NotificationRead(
            id=n.id, type=n.type,
            text=_text(n.type, n.target_type, [names[a][0] for a in actors], n.actor_count,
                       n.data or {}),
            actor=names[n.actor_id][1] if n.actor_id in names else None,
            actors=[names[a][1] for a in actors], actor_count=n.actor_count,
            target_type=n.target_type, target_id=n.target_id, data=n.data or {},
            is_read=n.is_read, created_at=n.created_at, updated_at=n.updated_at))
    return out


def list_notifications(session: Session, user_id: int, page: PageParams,
                       unread_only: bool = False) -> tuple[list[Any], int, int]:
    """Newest first (a group moves up when someone joins it); returns (items, total, unread)."""
    where = _where(session, user_id, unread_only)
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    rows = list(session.scalars(
        select(Notification).where(*where)
        .order_by(func.coalesce(Notification.updated_at, Notification.created_at).desc(),
                  Notification.id.desc())
        .offset(page.offset).limit(page.per_page)))
    hidden = graph.blocked_ids(session, user_id) | graph.muted_ids(session, user_id)
    return _reads(session, rows, hidden), total, unread_count(session, user_id)


def _own(session: Session, user_id: int, notification_id: int) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.recipient_id != user_id:
        raise NotFound("Notification not found", code="notification_not_found")
    return note


def mark_read(session: Session, user_id: int, notification_id: int) -> Any:
    """Mark one of the caller's notifications read."""
    note = _own(session, user_id, notification_id)
    note.is_read = True
    session.flush()
    return _reads(session, [note], set())[0]


def mark_all_read(session: Session, user_id: int) -> int:
    return _rowcount(session.execute(update(Notification).where(
        Notification.recipient_id == user_id, Notification.is_read.is_(False))
        .values(is_read=True).execution_options(synchronize_session=False)))


def delete_notification(session: Session, user_id: int, notification_id: int) -> None:
    session.delete(_own(session, user_id, notification_id))


def get_preferences(session: Session, user_id: int) -> dict[str, bool]:
    """Every type with the caller's switch (on unless turned off)."""
    stored = dict(session.execute(select(NotificationPreference.type,
                                         NotificationPreference.enabled)
                                  .where(NotificationPreference.user_id == user_id)).all())
    return {t: bool(stored.get(t, True)) for t in NOTIFICATION_TYPES}


def set_preferences(session: Session, user_id: int, values: dict[str, bool]) -> dict[str, bool]:
    """Switch types on or off; unknown types are a 422."""
    unknown = sorted(set(values) - set(NOTIFICATION_TYPES))
    if unknown:
        raise ValidationFailed("Unknown notification type", code="unknown_notification_type",
                               details=[{"loc": ["body", "preferences", t],
                                         "msg": f"one of {NOTIFICATION_TYPES}"} for t in unknown])
    for type_, enabled in values.items():
        row = session.get(NotificationPreference, (user_id, type_))
        if row is None:
            session.add(NotificationPreference(user_id=user_id, type=type_, enabled=enabled))
        else:
            row.enabled = enabled
    session.flush()
    return get_preferences(session, user_id)


def purge_expired(session: Session, retention_days: int) -> int:
    """Delete notifications whose last activity is older than the retention period."""
    cutoff = utcnow() - timedelta(days=retention_days)
    return _rowcount(session.execute(delete(Notification).where(
        func.coalesce(Notification.updated_at, Notification.created_at) < cutoff)
        .execution_options(synchronize_session=False)))


def erase_actor(session: Session, user_id: int) -> None:
    """GDPR: drop the user's notifications and remove them from others' groups."""
    session.execute(delete(Notification).where(or_(Notification.recipient_id == user_id,
                                                   Notification.actor_id == user_id))
                    .execution_options(synchronize_session=False))
    token = str(user_id)
    for note in session.scalars(select(Notification).where(
            cast(Notification.actor_ids, String).like(f"%{token}%"))):
        if user_id in (note.actor_ids or []):
            rest = [a for a in note.actor_ids if a != user_id]
            if not rest and note.actor_count <= 1:
                session.delete(note)
                continue
            note.actor_ids = rest
            note.actor_count = max(len(rest), note.actor_count - 1)
            note.actor_id = rest[0] if rest else None
    session.flush()

