"""Putting things in the review queue: one open item per target, shared by every report and flag."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.moderation.models import QueueItem, QueueSource, QueueStatus


def open_key(target_type: str, target_id: int) -> str:
    return f"{target_type}:{target_id}"


def open_item_for(session: Session, target_type: str, target_id: int) -> QueueItem | None:
    return session.scalar(select(QueueItem).where(
        QueueItem.open_key == open_key(target_type, target_id)))


def ensure_open_item(session: Session, *, target_type: str, target_id: int, owner_id: int | None,
                     source: str, reason: str, details: str | None = None) -> QueueItem:
    """The open item for the target, created if there is none (the unique key decides races)."""
    item = open_item_for(session, target_type, target_id)
    if item is not None:
        return item
    item = QueueItem(target_type=target_type, target_id=target_id, owner_id=owner_id,
                     open_key=open_key(target_type, target_id), source=source,
                     status=QueueStatus.OPEN.value, reason=reason[:60],
                     details=details[:1000] if details else None, report_count=0)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        existing = open_item_for(session, target_type, target_id)
        if existing is None:
            raise
        return existing
    return item


def flag_for_review(session: Session, *, target_type: str, target_id: int,
                    owner_id: int | None = None, reason: str = "filter",
                    source: str = QueueSource.FILTER.value, details: str | None = None) -> int:
    """Queue a target for review (filters, spam checks, duplicate photos); returns the item id."""
    item = ensure_open_item(session, target_type=target_type, target_id=target_id,
                            owner_id=owner_id, source=source, reason=reason, details=details)
    return item.id


def bump_reports(session: Session, item_id: int, delta: int) -> None:
    """Adjust an item's report count atomically."""
    session.execute(update(QueueItem).where(QueueItem.id == item_id)
                    .values(report_count=QueueItem.report_count + delta))


def has_open_item(session: Session, target_type: str, target_ids: Select[Any] | list[int]) -> bool:
    """Whether an open queue item names any of these targets (moderators may then look).

    `target_ids` is a list or a `select()` of ids (e.g. every message of a conversation).
    """
    if isinstance(target_ids, list) and not target_ids:
        return False
    return session.scalar(select(QueueItem.id).where(
        QueueItem.status == QueueStatus.OPEN.value, QueueItem.target_type == target_type,
        QueueItem.target_id.in_(target_ids)).limit(1)) is not None
