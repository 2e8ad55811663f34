"""Scheduled work of the community domain: event reminders.

`send_event_reminders` is idempotent: each RSVP is claimed with a conditional update
(`reminder_sent_at IS NULL`) before its notification is created in the same transaction, so a
reminder is sent once however often (or however concurrently) the job runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.community.models import RSVP, Event, EventStatus, RSVPResponse, RSVPStatus
from tanvi_social.core.time import isoformat, utcnow
from tanvi_social.social.notifications import notify

REMINDER_LEAD = timedelta(hours=24)
REMINDER_EVERY_SECONDS = 300


def send_event_reminders(session: Session, now: datetime | None = None,
                         lead: timedelta = REMINDER_LEAD) -> int:
    """Remind confirmed, maybe and interested attendees of events starting within `lead`."""
    now = now or utcnow()
    rows = session.execute(
        select(RSVP.id, RSVP.user_id, RSVP.status, Event.id.label("event_id"), Event.title,
               Event.start_at, Event.timezone)
        .join(Event, Event.id == RSVP.event_id)
        .where(Event.status == EventStatus.SCHEDULED.value, Event.moderation_state == "visible",
               Event.start_at > now, Event.start_at <= now + lead,
               RSVP.reminder_sent_at.is_(None),
               (RSVP.status == RSVPStatus.CONFIRMED.value)
               | RSVP.response.in_((RSVPResponse.MAYBE.value, RSVPResponse.INTERESTED.value)))
        .order_by(Event.start_at, RSVP.id).limit(5000)).all()
    sent = 0
    for row in rows:
        claimed = session.execute(update(RSVP).where(RSVP.id == row.id,
                                                     RSVP.reminder_sent_at.is_(None))
                                  .values(reminder_sent_at=now))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        notify(session, recipient_id=row.user_id, actor_id=None, type="event_reminder",
               target_type="event", target_id=row.event_id,
               data={"title": row.title, "start_at": isoformat(row.start_at),
                     "timezone": row.timezone, "status": row.status})
        sent += 1
    session.flush()
    return sent


async def event_reminders_job(platform: Any, **_: Any) -> int:
    """The job body registered with core.jobs."""
    return int(await platform.db.run(send_event_reminders))
