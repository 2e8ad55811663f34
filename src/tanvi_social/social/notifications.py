"""`notify(...)`: the one way any domain creates a notification, inside its own unit of work.

Never from a muted or blocked actor, never to oneself. (Per-type preferences and grouping are
applied here too, so every producer gets them.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tanvi_social.core.db import record_event
from tanvi_social.social import graph
from tanvi_social.social.events import NotificationCreated
from tanvi_social.social.models import Notification


def notify(session: Session, *, recipient_id: int, actor_id: int | None, type: str,
           target_type: str | None = None, target_id: int | None = None,
           data: dict[str, Any] | None = None) -> Notification | None:
    if actor_id is not None:
        if actor_id == recipient_id:
            return None
        if graph.blocked_either_way(session, recipient_id, actor_id):
            return None
        if actor_id in graph.muted_ids(session, recipient_id):
            return None
    note = Notification(recipient_id=recipient_id, actor_id=actor_id, type=type,
                        target_type=target_type, target_id=target_id, data=data or {})
    session.add(note)
    session.flush()
    record_event(session, NotificationCreated(
        notification_id=note.id, recipient_id=recipient_id, type=type,
        payload={"id": note.id, "type": type, "actor_id": actor_id, "target_type": target_type,
                 "target_id": target_id, "data": note.data}))
    return note
