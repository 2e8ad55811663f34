"""`record_activity(...)`: the caller's own activity log, written by every domain's services."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from tanvi_social.core.db import execute_write
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social.models import Activity

# a Core INSERT built once: the row is written at once, without an ORM flush
_INSERT = insert(cast(Table, Activity.__table__))


def record_activity(session: Session, *, user_id: int, type: str, target_type: str | None = None,
                    target_id: int | None = None, data: dict[str, Any] | None = None) -> None:
    """Append one entry to the user's activity log (in the caller's unit of work)."""
    execute_write(session, _INSERT, {"user_id": user_id, "type": type, "target_type": target_type,
                                     "target_id": target_id, "data": data or {},
                                     "created_at": utcnow()})


def list_activities(session: Session, user_id: int, page: PageParams, *, type: str | None = None,
                    since: datetime | None = None) -> tuple[list[Any], int]:
    """The caller's own log, newest first; filters: type, since."""
    from tanvi_social.social.schemas import ActivityRead

    where = [Activity.user_id == user_id]
    if type:
        where.append(Activity.type == type)
    if since is not None:
        where.append(Activity.created_at >= since)
    total = session.scalar(select(func.count()).select_from(Activity).where(*where)) or 0
    rows = session.scalars(select(Activity).where(*where)
                           .order_by(Activity.created_at.desc(), Activity.id.desc())
                           .offset(page.offset).limit(page.per_page))
    return [ActivityRead(id=a.id, type=a.type, target_type=a.target_type, target_id=a.target_id,
                         data=a.data or {}, created_at=a.created_at) for a in rows], total


def export_activities(session: Session, user_id: int) -> list[dict[str, Any]]:
    return [{"type": a.type, "target_type": a.target_type, "target_id": a.target_id,
             "data": a.data, "created_at": a.created_at.isoformat()}
            for a in session.scalars(select(Activity).where(Activity.user_id == user_id)
                                     .order_by(Activity.id))]


def erase_activities(session: Session, user_id: int) -> None:
    session.execute(delete(Activity).where(Activity.user_id == user_id))
