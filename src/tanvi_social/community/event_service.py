"""Events: create/update/cancel, RSVPs with exact capacity and an ordered waitlist, calendars.

Capacity rule: a confirmed "yes" holds 1 + guest_count places; `going_count` is the sum over
confirmed answers and never exceeds `max_attendees`. Every RSVP change locks the event row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite runs units of work one at a time), so concurrent
answers are serialised per event and the counts stay exact. A "yes" that does not fit, or that
arrives while others are already waiting, joins the waitlist with the next arrival number; when
places free up, the waitlist is promoted strictly in arrival order (the head must fit before anyone
behind it is considered), and each promoted user is notified.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.community import access
from tanvi_social.community.events import EventCancelled, RSVPChanged
from tanvi_social.community.models import (
    RSVP,
    CalendarFeed,
    Community,
    Event,
    EventStatus,
    RSVPResponse,
    RSVPStatus,
)
from tanvi_social.community.schemas import (
    AttendeeRead,
    CalendarToken,
    EventCounts,
    EventCreate,
    EventLocation,
    EventRead,
    EventTiming,
    EventUpdate,
    MeetingDetails,
    RSVPRead,
    RSVPRequest,
    ViewerRSVP,
)
from tanvi_social.community.service import MODERATOR, flag, rank_of, screen
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.social import graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify


def _not_found() -> NotFound:
    return NotFound("Event not found", code="event_not_found")


def to_utc(value: datetime, zone: str) -> datetime:
    """A datetime without an offset is wall-clock time in `zone`; the result is UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def _local(value: datetime, zone: str) -> str:
    return as_utc(value).astimezone(ZoneInfo(zone)).isoformat()


# ----------------------------------------------------------------------------- visibility
def can_view_event(session: Session, viewer_id: int | None, event: Event) -> bool:
    if viewer_id is not None and viewer_id == event.organizer_id:
        return event.moderation_state != "removed"
    if event.moderation_state != "visible":
        return False
    if viewer_id is not None and graph.blocked_either_way(session, viewer_id, event.organizer_id):
        return False
    if event.community_id is not None:
        return access.can_view_community(session, viewer_id, event.community_id)
    return True


def visible_events_clause(session: Session, viewer_id: int | None) -> ColumnElement[bool]:
    """Row-by-row equal to `can_view_event`, for listings."""
    community_ok = or_(Event.community_id.is_(None),
                       access.visible_communities_clause(session, viewer_id, Event.community_id))
    clause = and_(Event.moderation_state == "visible", community_ok)
    if viewer_id is None:
        return clause
    blocked = graph.blocked_ids(session, viewer_id)
    if blocked:
        clause = and_(clause, Event.organizer_id.not_in(blocked))
    return or_(clause, and_(Event.organizer_id == viewer_id, Event.moderation_state != "removed"))


def visible_event(session: Session, viewer_id: int | None, event_id: int,
                  lock: bool = False) -> Event:
    q = select(Event).where(Event.id == event_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    event = session.scalar(q)
    if event is None or not can_view_event(session, viewer_id, event):
        raise _not_found()
    return event


# ----------------------------------------------------------------------------- reads
def counts_of(event: Event) -> EventCounts:
    left = None if event.max_attendees is None else max(0, event.max_attendees - event.going_count)
    return EventCounts(going=event.going_count, yes=event.yes_count, maybe=event.maybe_count,
                       interested=event.interested_count, no=event.no_count,
                       waitlist=event.waitlist_count, places_left=left)


def waitlist_position(session: Session, rsvp: RSVP) -> int | None:
    if rsvp.status != RSVPStatus.WAITLISTED.value or rsvp.queue_number is None:
        return None
    return int(session.scalar(select(func.count()).select_from(RSVP).where(
        RSVP.event_id == rsvp.event_id, RSVP.status == RSVPStatus.WAITLISTED.value,
        RSVP.queue_number <= rsvp.queue_number)) or 0)


def event_reads(session: Session, viewer_id: int | None,
                events: Sequence[Event]) -> list[EventRead]:
    """Meeting credentials only for the organiser and confirmed attendees."""
    if not events:
        return []
    ids = [e.id for e in events]
    mine: dict[int, RSVP] = {}
    if viewer_id is not None:
        mine = {r.event_id: r for r in session.scalars(select(RSVP).where(
            RSVP.user_id == viewer_id, RSVP.event_id.in_(ids)))}
    cards = author_cards(session, {e.organizer_id for e in events})
    out: list[EventRead] = []
    for e in events:
        r = mine.get(e.id)
        is_org = viewer_id is not None and viewer_id == e.organizer_id
        confirmed = r is not None and r.status == RSVPStatus.CONFIRMED.value
        has_meeting = bool(e.meeting_url or e.meeting_id or e.meeting_password)
        meeting = (MeetingDetails(url=e.meeting_url, platform=e.meeting_platform,
                                  meeting_id=e.meeting_id, password=e.meeting_password)
                   if (is_org or confirmed) and has_meeting else None)
        location = (EventLocation(name=e.location_name, address=e.location_address)
                    if e.location_name or e.location_address else None)
        start, end = as_utc(e.start_at), as_utc(e.end_at)
        viewer_rsvp = None
        if r is not None:
            viewer_rsvp = ViewerRSVP(response=r.response, status=r.status,
                                     guest_count=r.guest_count,
                                     waitlist_position=waitlist_position(session, r))
        out.append(EventRead(
            id=e.id, title=e.title, description=e.description,
            event_type=e.event_type, tags=list(e.tags or []),
            dress_code=e.dress_code, status=e.status,
            timing=EventTiming(start_at=start, end_at=end, timezone=e.timezone,
                               start_local=_local(start, e.timezone),
                               end_local=_local(end, e.timezone),
                               duration_minutes=int((end - start).total_seconds() // 60)),
            location=location, meeting_platform=e.meeting_platform, meeting=meeting,
            max_attendees=e.max_attendees, allow_guests=e.allow_guests, counts=counts_of(e),
            organizer=cards.get(e.organizer_id), community_id=e.community_id,
            viewer_rsvp=viewer_rsvp, is_organizer=is_org, created_at=e.created_at))
    return out


def read_event(session: Session, viewer_id: int | None, event: Event) -> EventRead:
    session.flush()
    return event_reads(session, viewer_id, [event])[0]


# ----------------------------------------------------------------------------- create / update
def _check_times(start: datetime, end: datetime, *, new: bool) -> None:
    if end <= start:
        raise ValidationFailed("end_at must be after start_at", code="invalid_event_time",
                               details=[{"loc": ["body", "end_at"], "msg": "before start"}])
    if end - start > timedelta(days=14):
        raise ValidationFailed("Events last at most 14 days", code="invalid_event_time")
    if new and start <= utcnow():
        raise ValidationFailed("start_at must be in the future", code="invalid_event_time",
                               details=[{"loc": ["body", "start_at"], "msg": "in the past"}])


def create_event(session: Session, user_id: int, data: EventCreate) -> EventRead:
    """Create an event; inside a community only its active members may."""
    if data.community_id is not None:
        community = session.get(Community, data.community_id)
        if community is None or not access.can_see_card(session, user_id, community):
            raise NotFound("Community not found", code="community_not_found")
        if not access.can_post_in_community(session, user_id, data.community_id):
            raise Forbidden("Only members create events in this community",
                            code="not_community_member")
    start, end = to_utc(data.start_at, data.timezone), to_utc(data.end_at, data.timezone)
    _check_times(start, end, new=True)
    state = screen(session, data.title, data.description)
    event = Event(organizer_id=user_id, community_id=data.community_id, title=data.title.strip(),
                  description=data.description or "", event_type=data.event_type,
                  tags=data.tags or [], dress_code=data.dress_code, start_at=start, end_at=end,
                  timezone=data.timezone, location_name=data.location_name,
                  location_address=data.location_address, meeting_url=data.meeting_url,
                  meeting_platform=data.meeting_platform, meeting_id=data.meeting_id,
                  meeting_password=data.meeting_password, max_attendees=data.max_attendees,
                  allow_guests=bool(data.allow_guests), moderation_state=state)
    session.add(event)
    session.flush()
    if state == "held":
        flag(session, "event", event.id, user_id)
    record_activity(session, user_id=user_id, type="event_create", target_type="event",
                    target_id=event.id, data={"title": event.title})
    return read_event(session, user_id, event)


def get_event(session: Session, viewer_id: int | None, event_id: int) -> EventRead:
    return read_event(session, viewer_id, visible_event(session, viewer_id, event_id))


def _can_manage(session: Session, user_id: int, event: Event) -> bool:
    if user_id == event.organizer_id:
        return True
    if event.community_id is None:
        return False
    return rank_of(access.membership(session, user_id, event.community_id)) >= MODERATOR


def update_event(session: Session, user_id: int, event_id: int, data: EventUpdate) -> EventRead:
    """The organiser edits the event; more places promote the waitlist, fewer never evict."""
    event = visible_event(session, user_id, event_id, lock=True)
    if event.organizer_id != user_id:
        raise Forbidden("Only the organiser may edit this event", code="not_organizer")
    if event.status == EventStatus.CANCELLED.value:
        raise InvalidState("This event is cancelled", code="event_cancelled")
    changes = data.model_dump(exclude_unset=True)
    zone = changes.get("timezone") or event.timezone
    start = to_utc(changes["start_at"], zone) if changes.get("start_at") else as_utc(event.start_at)
    end = to_utc(changes["end_at"], zone) if changes.get("end_at") else as_utc(event.end_at)
    times_changed = start != as_utc(event.start_at) or end != as_utc(event.end_at)
    if times_changed:
        _check_times(start, end, new=start != as_utc(event.start_at))
    if "max_attendees" in changes and changes["max_attendees"] is not None \
            and changes["max_attendees"] < event.going_count:
        raise Conflict(f"{event.going_count} places are already taken",
                       code="capacity_below_confirmed")
    texts = [changes.get("title"), changes.get("description")]
    state = screen(session, *texts)
    for key in ("title", "description", "event_type", "tags", "dress_code", "location_name",
                "location_address", "meeting_url", "meeting_platform", "meeting_id",
                "meeting_password", "allow_guests", "max_attendees"):
        if key not in changes:
            continue
        value = changes[key]
        if value is None and key in ("title", "event_type", "tags", "allow_guests"):
            continue
        setattr(event, key, "" if key == "description" and value is None else value)
    if event.event_type in ("online", "hybrid") and not event.meeting_url:
        raise ValidationFailed("online and hybrid events need a meeting_url",
                               code="validation_error")
    if event.event_type in ("in_person", "hybrid") and not (
            event.location_name or event.location_address):
        raise ValidationFailed("in-person and hybrid events need a location",
                               code="validation_error")
    event.timezone = zone
    event.start_at, event.end_at = start, end
    if times_changed:  # a new time deserves a new reminder
        session.execute(update(RSVP).where(RSVP.event_id == event.id)
                        .values(reminder_sent_at=None))
    if state == "held" and event.moderation_state == "visible":
        event.moderation_state = "held"
        flag(session, "event", event.id, user_id)
    event.updated_at = utcnow()
    session.flush()
    _promote(session, event)
    return read_event(session, user_id, event)


def cancel_event(session: Session, user_id: int, event_id: int) -> EventRead:
    """The organiser (or a community moderator) cancels; everyone who answered is told."""
    event = visible_event(session, user_id, event_id, lock=True)
    if not _can_manage(session, user_id, event):
        raise Forbidden("Only the organiser may cancel this event", code="not_organizer")
    if event.status == EventStatus.CANCELLED.value:
        raise InvalidState("This event is already cancelled", code="event_cancelled")
    event.status = EventStatus.CANCELLED.value
    event.cancelled_at = utcnow()
    event.updated_at = utcnow()
    recipients = session.scalars(select(RSVP.user_id).where(
        RSVP.event_id == event.id, RSVP.response != RSVPResponse.NO.value)).all()
    for uid in recipients:
        notify(session, recipient_id=uid, actor_id=user_id, type="event_cancelled",
               target_type="event", target_id=event.id, data={"title": event.title})
    record_event(session, EventCancelled(event_id=event.id, organizer_id=event.organizer_id))
    session.flush()
    return read_event(session, user_id, event)


def list_events(session: Session, viewer_id: int | None, page: PageParams, *,
                community_id: int | None = None, event_type: str | None = None,
                upcoming_only: bool = True, include_cancelled: bool = False,
                mine: bool = False, search: str | None = None) -> tuple[list[EventRead], int]:
    """Visible events by start time; `mine` = organised by or answered by the caller."""
    q = select(Event).where(visible_events_clause(session, viewer_id))
    if community_id is not None:
        q = q.where(Event.community_id == community_id)
    if event_type:
        q = q.where(Event.event_type == event_type)
    if upcoming_only:
        q = q.where(Event.end_at > utcnow())
    if not include_cancelled:
        q = q.where(Event.status == EventStatus.SCHEDULED.value)
    if search:
        term = f"%{search.strip().lower()}%"
        q = q.where(or_(func.lower(Event.title).like(term),
                        func.lower(Event.description).like(term)))
    if mine:
        if viewer_id is None:
            return [], 0
        q = q.where(or_(Event.organizer_id == viewer_id, Event.id.in_(
            select(RSVP.event_id).where(RSVP.user_id == viewer_id))))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Event.start_at, Event.id).offset(page.offset)
                           .limit(page.per_page)).all()
    return event_reads(session, viewer_id, rows), total


# ----------------------------------------------------------------------------- RSVP
def _apply(event: Event, rsvp: RSVP, sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) one RSVP's contribution to the event's counters."""
    if rsvp.status == RSVPStatus.CONFIRMED.value:
        event.going_count += sign * (1 + rsvp.guest_count)
        event.yes_count += sign
    elif rsvp.status == RSVPStatus.WAITLISTED.value:
        event.waitlist_count += sign
    elif rsvp.response == RSVPResponse.MAYBE.value:
        event.maybe_count += sign
    elif rsvp.response == RSVPResponse.INTERESTED.value:
        event.interested_count += sign
    elif rsvp.response == RSVPResponse.NO.value:
        event.no_count += sign


def _fits(event: Event, need: int) -> bool:
    return event.max_attendees is None or event.going_count + need <= event.max_attendees


def _counts_dict(event: Event) -> dict[str, int | None]:
    return counts_of(event).model_dump()


def _promote(session: Session, event: Event) -> list[int]:
    """Confirm waitlisted answers in arrival order while the head fits (the event is locked)."""
    promoted: list[int] = []
    if event.status != EventStatus.SCHEDULED.value:
        return promoted
    while event.waitlist_count > 0:
        head = session.scalar(select(RSVP).where(
            RSVP.event_id == event.id, RSVP.status == RSVPStatus.WAITLISTED.value)
            .order_by(RSVP.queue_number, RSVP.id).limit(1))
        if head is None or not _fits(event, 1 + head.guest_count):
            break
        _apply(event, head, -1)
        head.status = RSVPStatus.CONFIRMED.value
        head.queue_number = None
        head.updated_at = utcnow()
        _apply(event, head, 1)
        session.flush()
        promoted.append(head.user_id)
        notify(session, recipient_id=head.user_id, actor_id=None, type="event_waitlist_promoted",
               target_type="event", target_id=event.id, data={"title": event.title})
        record_event(session, RSVPChanged(event_id=event.id, user_id=head.user_id,
                                          response=head.response, status=head.status,
                                          counts=_counts_dict(event)))
    return promoted


def _rsvp_read(session: Session, rsvp: RSVP) -> RSVPRead:
    return RSVPRead(event_id=rsvp.event_id, response=rsvp.response,
                    status=rsvp.status, guest_count=rsvp.guest_count,
                    waitlist_position=waitlist_position(session, rsvp), notes=rsvp.notes,
                    updated_at=rsvp.updated_at or rsvp.created_at)


def rsvp(session: Session, user_id: int, event_id: int,
         data: RSVPRequest) -> tuple[RSVPRead, EventCounts]:
    """Answer yes / maybe / interested / no; capacity and waitlist as in the module docstring."""
    event = visible_event(session, user_id, event_id, lock=True)
    if event.status != EventStatus.SCHEDULED.value:
        raise InvalidState("This event is cancelled", code="event_cancelled")
    if as_utc(event.end_at) <= utcnow():
        raise InvalidState("This event is over", code="event_over")
    guests = data.guest_count if data.response == RSVPResponse.YES.value else 0
    if guests and not event.allow_guests:
        raise ValidationFailed("This event does not allow guests", code="guests_not_allowed",
                               details=[{"loc": ["body", "guest_count"], "msg": "must be 0"}])
    if event.max_attendees is not None and 1 + guests > event.max_attendees:
        raise ValidationFailed("More places than the event has", code="too_many_guests")
    current = session.scalar(select(RSVP).where(RSVP.event_id == event.id,
                                                RSVP.user_id == user_id))
    freed = False
    if current is None:
        current = RSVP(event_id=event.id, user_id=user_id, response=data.response,
                       guest_count=guests, notes=data.notes, status=RSVPStatus.NONE.value)
        old_status, old_guests = None, 0
    else:
        old_status, old_guests = current.status, current.guest_count
        _apply(event, current, -1)
    current.response = data.response
    current.notes = data.notes
    current.updated_at = utcnow()
    if data.response == RSVPResponse.YES.value:
        need = 1 + guests
        if old_status == RSVPStatus.CONFIRMED.value:
            if not _fits(event, need):
                _apply(event, current, 1)  # restore the old contribution, then refuse
                raise Conflict("Not enough places left for your guests",
                               code="not_enough_places")
            freed = guests < old_guests
            current.guest_count = guests
        elif old_status == RSVPStatus.WAITLISTED.value:
            current.guest_count = guests  # keeps its place in the queue
        else:
            current.guest_count = guests
            if event.waitlist_count == 0 and _fits(event, need):
                current.status = RSVPStatus.CONFIRMED.value
                current.queue_number = None
            else:
                event.queue_seq += 1
                current.status = RSVPStatus.WAITLISTED.value
                current.queue_number = event.queue_seq
    else:
        freed = old_status == RSVPStatus.CONFIRMED.value
        current.status = RSVPStatus.NONE.value
        current.queue_number = None
        current.guest_count = 0
    _apply(event, current, 1)
    if current.id is None:
        try:
            with session.begin_nested():
                session.add(current)
                session.flush()
        except IntegrityError:
            raise Conflict("Your answer is being recorded; try again",
                           code="rsvp_conflict") from None
    session.flush()
    record_event(session, RSVPChanged(event_id=event.id, user_id=user_id,
                                      response=current.response, status=current.status,
                                      counts=_counts_dict(event)))
    if freed or old_status == RSVPStatus.WAITLISTED.value:
        _promote(session, event)
    if old_status is None:
        record_activity(session, user_id=user_id, type="event_rsvp", target_type="event",
                        target_id=event.id, data={"response": current.response})
    session.flush()
    return _rsvp_read(session, current), counts_of(event)


def remove_rsvp(session: Session, user_id: int, event_id: int) -> EventCounts:
    """Withdraw one's answer entirely; a freed place goes to the waitlist."""
    event = visible_event(session, user_id, event_id, lock=True)
    current = session.scalar(select(RSVP).where(RSVP.event_id == event.id,
                                                RSVP.user_id == user_id))
    if current is None:
        raise NotFound("You have not answered this event", code="rsvp_not_found")
    drop_rsvp(session, event, current)
    return counts_of(event)


def drop_rsvp(session: Session, event: Event, current: RSVP) -> None:
    """Delete an RSVP (the event row locked), fix the counts and promote the waitlist."""
    was_confirmed = current.status == RSVPStatus.CONFIRMED.value
    _apply(event, current, -1)
    user_id = current.user_id
    session.delete(current)
    session.flush()
    record_event(session, RSVPChanged(event_id=event.id, user_id=user_id, response=None,
                                      status=None, counts=_counts_dict(event)))
    if was_confirmed:
        _promote(session, event)


def attendees(session: Session, user_id: int, event_id: int, page: PageParams,
              status: str | None = None) -> tuple[list[AttendeeRead], EventCounts, int]:
    """Everyone's answers, for the organiser (and the community's moderators) only."""
    event = visible_event(session, user_id, event_id)
    if not _can_manage(session, user_id, event):
        raise Forbidden("Only the organiser sees the attendee list", code="not_organizer")
    q = select(RSVP).where(RSVP.event_id == event.id)
    if status:
        q = q.where(RSVP.status == status)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    order = {RSVPStatus.CONFIRMED.value: 0, RSVPStatus.WAITLISTED.value: 1}
    rows = session.scalars(q.order_by(RSVP.id)).all()
    rows = sorted(rows, key=lambda r: (order.get(r.status, 2), r.queue_number or 0, r.id))
    rows = rows[page.offset:page.offset + page.per_page]
    cards = author_cards(session, [r.user_id for r in rows])
    positions: dict[int, int] = {}
    waiting = session.scalars(select(RSVP.id).where(
        RSVP.event_id == event.id, RSVP.status == RSVPStatus.WAITLISTED.value)
        .order_by(RSVP.queue_number, RSVP.id)).all()
    for i, rid in enumerate(waiting, start=1):
        positions[rid] = i
    out = [AttendeeRead(user=cards[r.user_id], response=r.response,
                        status=r.status, guest_count=r.guest_count,
                        waitlist_position=positions.get(r.id), notes=r.notes,
                        responded_at=r.updated_at or r.created_at)
           for r in rows if r.user_id in cards]
    return out, counts_of(event), total


# ----------------------------------------------------------------------------- calendars
def _ics_event(event: Event, with_meeting: bool, base_url: str) -> icalendar.Event:
    zone = ZoneInfo(event.timezone)
    item = icalendar.Event()
    item.add("uid", f"event-{event.id}@tanvi.social")
    item.add("dtstamp", as_utc(event.updated_at or event.created_at))
    item.add("dtstart", as_utc(event.start_at).astimezone(zone))
    item.add("dtend", as_utc(event.end_at).astimezone(zone))
    item.add("summary", event.title)
    description = event.description or ""
    if event.dress_code:
        description += f"\n\nDress code: {event.dress_code}"
    if with_meeting and (event.meeting_id or event.meeting_password):
        description += "\n\nMeeting"
        if event.meeting_platform:
            description += f" ({event.meeting_platform})"
        if event.meeting_id:
            description += f"\nID: {event.meeting_id}"
        if event.meeting_password:
            description += f"\nPassword: {event.meeting_password}"
    item.add("description", description.strip())
    place = ", ".join(p for p in (event.location_name, event.location_address) if p)
    if with_meeting and event.meeting_url:
        item.add("url", event.meeting_url)
        place = f"{place} / {event.meeting_url}" if place else event.meeting_url
    if place:
        item.add("location", place)
    item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED.value
             else "CONFIRMED")
    item.add("sequence", int((as_utc(event.updated_at or event.created_at)
                              - as_utc(event.created_at)).total_seconds()))
    if base_url:
        item.add("attach", f"{base_url.rstrip('/')}/api/community/events/{event.id}")
    return item


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Tanvi Social//Community events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _may_see_meeting(session: Session, viewer_id: int | None, event: Event) -> bool:
    if viewer_id is None:
        return False
    if viewer_id == event.organizer_id:
        return True
    return session.scalar(select(RSVP.id).where(
        RSVP.event_id == event.id, RSVP.user_id == viewer_id,
        RSVP.status == RSVPStatus.CONFIRMED.value)) is not None


def event_ics(session: Session, viewer_id: int | None, event_id: int, base_url: str) -> bytes:
    """One event as an RFC 5545 calendar (times in the event's zone, with its VTIMEZONE)."""
    event = visible_event(session, viewer_id, event_id)
    cal = _calendar(event.title)
    cal.add_component(_ics_event(event, _may_see_meeting(session, viewer_id, event), base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


def calendar_token(session: Session, user_id: int, secret: str, base_url: str,
                   rotate: bool = False) -> CalendarToken:
    """The private feed token: user id, version and an HMAC; rotating revokes older links."""
    feed = session.get(CalendarFeed, user_id)
    if rotate:
        if feed is None:
            feed = CalendarFeed(user_id=user_id, version=1)
            session.add(feed)
        else:
            session.execute(update(CalendarFeed).where(CalendarFeed.user_id == user_id)
                            .values(version=CalendarFeed.version + 1))
            session.refresh(feed)
        session.flush()
    version = feed.version if feed is not None else 0
    token = _sign(user_id, version, secret)
    return CalendarToken(token=token, url=f"{base_url.rstrip('/')}/api/community/calendar.ics"
                                          f"?token={token}")


def _sign(user_id: int, version: int, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"calendar:{user_id}:{version}".encode(), hashlib.sha256)
    return f"{user_id}.{version}.{mac.hexdigest()[:40]}"


def user_for_token(session: Session, token: str, secret: str) -> int:
    """Check a feed token; a wrong, forged or rotated one is a 404 (the feed does not exist)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise NotFound("Calendar not found", code="calendar_not_found")
    user_id, version = int(parts[0]), int(parts[1])
    too_big = user_id > 2_147_483_647 or version > 2_147_483_647
    if too_big or not hmac.compare_digest(_sign(user_id, version, secret), token):
        raise NotFound("Calendar not found", code="calendar_not_found")
    feed = session.get(CalendarFeed, user_id)
    if (feed.version if feed is not None else 0) != version:
        raise NotFound("Calendar not found", code="calendar_not_found")
    from tanvi_social.accounts.models import User

    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("Calendar not found", code="calendar_not_found")
    return user_id


def calendar_feed(session: Session, token: str, secret: str, base_url: str) -> bytes:
    """The token owner's answered events (not "no") and the ones they organise."""
    user_id = user_for_token(session, token, secret)
    answered = select(RSVP.event_id).where(RSVP.user_id == user_id,
                                           RSVP.response != RSVPResponse.NO.value)
    since = utcnow() - timedelta(days=90)
    events = session.scalars(select(Event).where(
        or_(Event.id.in_(answered), Event.organizer_id == user_id), Event.end_at > since)
        .order_by(Event.start_at).limit(500)).all()
    cal = _calendar("Tanvi events")
    for event in events:
        if not can_view_event(session, user_id, event):
            continue
        cal.add_component(_ics_event(event, _may_see_meeting(session, user_id, event), base_url))
    cal.add_missing_timezones()
    return cal.to_ical()


# ----------------------------------------------------------------------------- moderation target
def event_owner(session: Session, event_id: int) -> int | None:
    e = session.get(Event, event_id)
    return None if e is None else e.organizer_id


def set_event_state(session: Session, event_id: int, state: str) -> None:
    session.execute(update(Event).where(Event.id == event_id).values(moderation_state=state))


def can_report_event(session: Session, viewer_id: int, event_id: int) -> bool:
    e = session.get(Event, event_id)
    return e is not None and can_view_event(session, viewer_id, e)

