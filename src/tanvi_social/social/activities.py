"""`record_activity(...)`: the caller's own activity log, written by every domain's services."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tanvi_social.social.models import Activity


def record_activity(session: Session, *, user_id: int, type: str, target_type: str | None = None,
                    target_id: int | None = None, data: dict[str, Any] | None = None) -> None:
    session.add(Activity(user_id=user_id, type=type, target_type=target_type,
                         target_id=target_id, data=data or {}))
