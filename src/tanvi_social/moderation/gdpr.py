"""GDPR: a user's reports, appeals, muted words and the decisions about them; erasure keeps the
queue's report counts exact."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tanvi_social.core import gdpr
from tanvi_social.moderation.models import Appeal, AuditEntry, MutedWord, QueueItem, Report


def export(session: Session, user_id: int) -> dict[str, Any]:
    reports = session.execute(
        select(Report, QueueItem.status, QueueItem.resolution)
        .join(QueueItem, QueueItem.id == Report.queue_item_id)
        .where(Report.reporter_id == user_id).order_by(Report.id))
    return {
        "reports": [{"target_type": r.target_type, "target_id": r.target_id, "reason": r.reason,
                     "details": r.details, "created_at": r.created_at.isoformat(),
                     "status": status, "outcome": resolution}
                    for r, status, resolution in reports],
        "appeals": [{"appealed_item_id": a.appealed_item_id, "message": a.message,
                     "created_at": a.created_at.isoformat()}
                    for a in session.scalars(select(Appeal).where(Appeal.user_id == user_id))],
        "decisions_about_me": [
            {"action": e.action, "reason": e.reason, "target_type": e.target_type,
             "target_id": e.target_id, "data": e.data, "created_at": e.created_at.isoformat()}
            for e in session.scalars(select(AuditEntry).where(
                AuditEntry.subject_user_id == user_id).order_by(AuditEntry.id))],
        "muted_words": list(session.scalars(
            select(MutedWord.phrase).where(MutedWord.user_id == user_id))),
    }


def erase(session: Session, user_id: int) -> None:
    """Delete the user's reports (fixing each queue item's count), appeals and muted words."""
    counts = session.execute(select(Report.queue_item_id, func.count())
                             .where(Report.reporter_id == user_id)
                             .group_by(Report.queue_item_id)).all()
    for item_id, n in counts:
        session.execute(update(QueueItem).where(QueueItem.id == item_id)
                        .values(report_count=QueueItem.report_count - n))
    session.execute(delete(Report).where(Report.reporter_id == user_id))
    session.execute(delete(Appeal).where(Appeal.user_id == user_id))
    session.execute(delete(MutedWord).where(MutedWord.user_id == user_id))
    # Open items about the user's own things disappear with the things; keep resolved history.
    session.execute(delete(QueueItem).where(QueueItem.owner_id == user_id,
                                            QueueItem.open_key.is_not(None)))


gdpr.register("moderation", export=export, erase=erase, order=50)
