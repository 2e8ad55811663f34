"""Mentorship: mentor profiles, ranked matching, requests, sessions, completion and reviews.

`max_mentees` is enforced by a conditional update (`active_mentees < max_mentees`) plus a CHECK
constraint, so concurrent acceptances can never exceed it. Sessions lock the mentor row and refuse
any overlap with the mentor's scheduled sessions (no double booking).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.community.models import Mentor, Mentorship, MentorshipSession, MentorshipStatus
from tanvi_social.community.schemas import (
    AvailabilitySlot,
    MatchInfo,
    MentorCreate,
    MentorRead,
    MentorshipRead,
    MentorshipRequest,
    MentorUpdate,
    SessionCreate,
    SessionRead,
)
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.social import graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.models import Profile
from tanvi_social.social.notifications import notify

# Mentor matching weights (docs/algorithms.md, "Mentor matching").
W_GOALS, W_RATING, W_EXPERIENCE = 0.60, 0.25, 0.15
PRIOR_RATING, PRIOR_WEIGHT = 3.5, 3  # Bayesian prior: 3 imaginary reviews of 3.5 stars
OPEN = (MentorshipStatus.PENDING.value, MentorshipStatus.ACTIVE.value)


def _mentor_not_found() -> NotFound:
    return NotFound("Mentor not found", code="mentor_not_found")


def _mentorship_not_found() -> NotFound:
    return NotFound("Mentorship not found", code="mentorship_not_found")


def average(m: Mentor) -> float | None:
    return round(m.rating_sum / m.reviews_count, 2) if m.reviews_count else None


def match(goals: Sequence[str], m: Mentor) -> MatchInfo:
    """Score 0–100: goal coverage, Bayesian rating and experience, with the reasons."""
    expertise = list(m.expertise or [])
    shared = [g for g in goals if g in expertise]
    coverage = len(shared) / len(goals) if goals else 0.0
    bayes = (m.rating_sum + PRIOR_RATING * PRIOR_WEIGHT) / (m.reviews_count + PRIOR_WEIGHT)
    rating_part = (bayes - 1) / 4
    experience_part = min(m.experience_years, 10) / 10
    score = 100 * (W_GOALS * coverage + W_RATING * rating_part + W_EXPERIENCE * experience_part)
    reasons: list[str] = []
    if shared:
        reasons.append(f"Shares {len(shared)} of your {len(goals)} style goals: "
                       + ", ".join(shared))
    elif goals:
        reasons.append("No overlap with your style goals")
    if m.reviews_count:
        reasons.append(f"Rated {average(m):.2f} from {m.reviews_count} review"
                       f"{'s' if m.reviews_count != 1 else ''}")
    else:
        reasons.append("New mentor, not reviewed yet")
    if m.experience_years:
        reasons.append(f"{m.experience_years} year{'s' if m.experience_years != 1 else ''} "
                       "of experience")
    left = m.max_mentees - m.active_mentees
    reasons.append(f"{left} mentee place{'s' if left != 1 else ''} left" if left > 0
                   else "Fully booked")
    return MatchInfo(score=round(score, 2), shared_tags=shared, reasons=reasons)


def _reads(session: Session, mentors: Sequence[Mentor],
           matches: dict[int, MatchInfo] | None = None) -> list[MentorRead]:
    cards = author_cards(session, [m.user_id for m in mentors])
    return [MentorRead(
        id=m.id, user=cards[m.user_id], headline=m.headline, bio=m.bio,
        expertise=list(m.expertise or []), experience_years=m.experience_years,
        availability=[AvailabilitySlot(**a) for a in (m.availability or [])],
        max_mentees=m.max_mentees, active_mentees=m.active_mentees,
        places_left=max(0, m.max_mentees - m.active_mentees), is_accepting=m.is_accepting,
        average_rating=average(m), reviews_count=m.reviews_count,
        sessions_count=m.sessions_count, match=(matches or {}).get(m.id),
        created_at=m.created_at) for m in mentors if m.user_id in cards]


def _visible_mentor(session: Session, viewer_id: int | None, mentor_id: int,
                    lock: bool = False) -> Mentor:
    q = select(Mentor).where(Mentor.id == mentor_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    m = session.scalar(q)
    if m is None or (viewer_id is not None
                     and graph.blocked_either_way(session, viewer_id, m.user_id)):
        raise _mentor_not_found()
    return m


def become_mentor(session: Session, user_id: int, data: MentorCreate) -> MentorRead:
    m = Mentor(user_id=user_id, headline=data.headline, bio=data.bio, expertise=data.expertise,
               experience_years=data.experience_years,
               availability=[a.model_dump() for a in data.availability],
               max_mentees=data.max_mentees, is_accepting=data.is_accepting)
    try:
        with session.begin_nested():
            session.add(m)
            session.flush()
    except IntegrityError:
        raise Conflict("You are already a mentor", code="already_mentor") from None
    record_activity(session, user_id=user_id, type="mentor_register", target_type="mentor",
                    target_id=m.id)
    return _reads(session, [m])[0]


def my_mentor(session: Session, user_id: int) -> MentorRead:
    m = session.scalar(select(Mentor).where(Mentor.user_id == user_id))
    if m is None:
        raise _mentor_not_found()
    return _reads(session, [m])[0]


def update_mentor(session: Session, user_id: int, data: MentorUpdate) -> MentorRead:
    m = session.scalar(select(Mentor).where(Mentor.user_id == user_id).with_for_update())
    if m is None:
        raise _mentor_not_found()
    changes = data.model_dump(exclude_unset=True)
    if changes.get("max_mentees") is not None and changes["max_mentees"] < m.active_mentees:
        raise Conflict(f"You already mentor {m.active_mentees} people",
                       code="max_below_active")
    for key, value in changes.items():
        if value is None:
            continue
        if key == "availability":
            value = [AvailabilitySlot.model_validate(a).model_dump() for a in value]
        setattr(m, key, value)
    m.updated_at = utcnow()
    session.flush()
    return _reads(session, [m])[0]


def goals_for(session: Session, user_id: int | None, explicit: list[str]) -> list[str]:
    """The mentee's style goals: given explicitly, else their profile's style tags."""
    if explicit:
        return explicit
    if user_id is None:
        return []
    profile = session.get(Profile, user_id)
    return list(profile.style_tags or []) if profile is not None else []


def list_mentors(session: Session, viewer_id: int | None, page: PageParams, *,
                 goals: list[str], expertise: str | None = None,
                 accepting_only: bool = True) -> tuple[list[MentorRead], int]:
    """Mentors ranked by match with the mentee's goals (score desc, then reviews, then id)."""
    q = select(Mentor)
    if accepting_only:
        q = q.where(Mentor.is_accepting.is_(True), Mentor.active_mentees < Mentor.max_mentees)
    if viewer_id is not None:
        blocked = graph.blocked_ids(session, viewer_id)
        if blocked:
            q = q.where(Mentor.user_id.not_in(blocked))
    mentors = list(session.scalars(q.limit(5000)))
    if expertise:
        mentors = [m for m in mentors if expertise in (m.expertise or [])]
    wanted = goals_for(session, viewer_id, goals)
    scored = [(match(wanted, m), m) for m in mentors]
    scored.sort(key=lambda pair: (-pair[0].score, -pair[1].reviews_count, pair[1].id))
    window = scored[page.offset:page.offset + page.per_page]
    return _reads(session, [m for _, m in window], {m.id: info for info, m in window}), len(scored)


def get_mentor(session: Session, viewer_id: int | None, mentor_id: int,
               goals: list[str]) -> MentorRead:
    m = _visible_mentor(session, viewer_id, mentor_id)
    info = match(goals_for(session, viewer_id, goals), m)
    return _reads(session, [m], {m.id: info})[0]


# ----------------------------------------------------------------------------- mentorships
def _sessions(session: Session, ids: list[int]) -> dict[int, list[SessionRead]]:
    out: dict[int, list[SessionRead]] = {i: [] for i in ids}
    if not ids:
        return out
    for s in session.scalars(select(MentorshipSession).where(
            MentorshipSession.mentorship_id.in_(ids)).order_by(MentorshipSession.starts_at)):
        out[s.mentorship_id].append(_session_read(s))
    return out


def _session_read(s: MentorshipSession) -> SessionRead:
    return SessionRead(id=s.id, mentorship_id=s.mentorship_id, starts_at=as_utc(s.starts_at),
                       ends_at=as_utc(s.ends_at), topic=s.topic, status=s.status)


def _ship_reads(session: Session, rows: Sequence[Mentorship]) -> list[MentorshipRead]:
    mentors = {m.id: m for m in session.scalars(select(Mentor).where(
        Mentor.id.in_({r.mentor_id for r in rows})))}
    cards = author_cards(session, {r.mentee_id for r in rows}
                         | {m.user_id for m in mentors.values()})
    sessions = _sessions(session, [r.id for r in rows])
    out = []
    for r in rows:
        mentor = mentors.get(r.mentor_id)
        out.append(MentorshipRead(
            id=r.id, mentor_id=r.mentor_id,
            mentor=cards.get(mentor.user_id) if mentor else None, mentee=cards.get(r.mentee_id),
            status=r.status, goals=list(r.goals or []),
            message=r.message, response_note=r.response_note, created_at=r.created_at,
            accepted_at=r.accepted_at, completed_at=r.completed_at, rating=r.rating,
            review=r.review, sessions=sessions.get(r.id, [])))
    return out


def _ship_read(session: Session, row: Mentorship) -> MentorshipRead:
    session.flush()
    return _ship_reads(session, [row])[0]


def request_mentorship(session: Session, user_id: int, mentor_id: int,
                       data: MentorshipRequest) -> MentorshipRead:
    """Ask a mentor; refused when they are not accepting or full, or one is already open."""
    mentor = _visible_mentor(session, user_id, mentor_id)
    if mentor.user_id == user_id:
        raise InvalidState("You cannot mentor yourself", code="cannot_mentor_self")
    if not mentor.is_accepting or mentor.active_mentees >= mentor.max_mentees:
        raise Conflict("This mentor is not taking new mentees", code="mentor_unavailable")
    row = Mentorship(mentor_id=mentor.id, mentee_id=user_id,
                     goals=data.goals or goals_for(session, user_id, []), message=data.message)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("You already have an open request with this mentor",
                       code="mentorship_exists") from None
    notify(session, recipient_id=mentor.user_id, actor_id=user_id, type="mentorship_request",
           target_type="mentorship", target_id=row.id, data={"goals": row.goals})
    record_activity(session, user_id=user_id, type="mentorship_request",
                    target_type="mentorship", target_id=row.id)
    return _ship_read(session, row)


def _party(session: Session, user_id: int, mentorship_id: int, lock_mentor: bool = False
           ) -> tuple[Mentorship, Mentor]:
    row = session.get(Mentorship, mentorship_id)
    if row is None:
        raise _mentorship_not_found()
    q = select(Mentor).where(Mentor.id == row.mentor_id)
    if lock_mentor:
        q = q.with_for_update().execution_options(populate_existing=True)
    mentor = session.scalar(q)
    if mentor is None or user_id not in (row.mentee_id, mentor.user_id):
        raise _mentorship_not_found()
    if lock_mentor:
        session.refresh(row)
    return row, mentor


def get_mentorship(session: Session, user_id: int, mentorship_id: int) -> MentorshipRead:
    row, _ = _party(session, user_id, mentorship_id)
    return _ship_read(session, row)


def list_mentorships(session: Session, user_id: int, page: PageParams, *, role: str | None,
                     status: str | None) -> tuple[list[MentorshipRead], int]:
    my_mentor = select(Mentor.id).where(Mentor.user_id == user_id)
    as_mentor = Mentorship.mentor_id.in_(my_mentor)
    as_mentee = Mentorship.mentee_id == user_id
    where = as_mentor if role == "mentor" else as_mentee if role == "mentee" else or_(
        as_mentor, as_mentee)
    q = select(Mentorship).where(where)
    if status:
        q = q.where(Mentorship.status == status)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Mentorship.id.desc()).offset(page.offset)
                           .limit(page.per_page)).all()
    return _ship_reads(session, rows), total


def _as_mentor(row: Mentorship, mentor: Mentor, user_id: int) -> None:
    if mentor.user_id != user_id:
        raise Forbidden("Only the mentor may answer this request", code="not_mentor")


def accept(session: Session, user_id: int, mentorship_id: int,
           note: str | None) -> MentorshipRead:
    """The mentor accepts: one of their `max_mentees` places is taken, exactly."""
    row, mentor = _party(session, user_id, mentorship_id, lock_mentor=True)
    _as_mentor(row, mentor, user_id)
    if row.status != MentorshipStatus.PENDING.value:
        raise InvalidState("This request is no longer pending", code="not_pending")
    taken = session.execute(update(Mentor).where(
        Mentor.id == mentor.id, Mentor.active_mentees < Mentor.max_mentees)
        .values(active_mentees=Mentor.active_mentees + 1))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("You have no mentee places left", code="mentor_full")
    row.status = MentorshipStatus.ACTIVE.value
    row.accepted_at = utcnow()
    row.response_note = note
    row.updated_at = utcnow()
    notify(session, recipient_id=row.mentee_id, actor_id=user_id, type="mentorship_accepted",
           target_type="mentorship", target_id=row.id)
    return _ship_read(session, row)


def decline(session: Session, user_id: int, mentorship_id: int,
            note: str | None) -> MentorshipRead:
    row, mentor = _party(session, user_id, mentorship_id)
    _as_mentor(row, mentor, user_id)
    if row.status != MentorshipStatus.PENDING.value:
        raise InvalidState("This request is no longer pending", code="not_pending")
    row.status = MentorshipStatus.DECLINED.value
    row.response_note = note
    row.updated_at = utcnow()
    notify(session, recipient_id=row.mentee_id, actor_id=user_id, type="mentorship_declined",
           target_type="mentorship", target_id=row.id)
    return _ship_read(session, row)


def _release(session: Session, mentor_id: int) -> None:
    session.execute(update(Mentor).where(Mentor.id == mentor_id)
                    .values(active_mentees=Mentor.active_mentees - 1))


def complete(session: Session, user_id: int, mentorship_id: int) -> MentorshipRead:
    """Either side completes an active mentorship; the mentor's place frees up."""
    row, mentor = _party(session, user_id, mentorship_id, lock_mentor=True)
    if row.status != MentorshipStatus.ACTIVE.value:
        raise InvalidState("Only an active mentorship can be completed", code="not_active")
    row.status = MentorshipStatus.COMPLETED.value
    row.completed_at = utcnow()
    row.updated_at = utcnow()
    _release(session, mentor.id)
    other = row.mentee_id if user_id == mentor.user_id else mentor.user_id
    notify(session, recipient_id=other, actor_id=user_id, type="mentorship_completed",
           target_type="mentorship", target_id=row.id)
    return _ship_read(session, row)


def cancel(session: Session, user_id: int, mentorship_id: int) -> MentorshipRead:
    """Either side withdraws a pending or active mentorship."""
    row, mentor = _party(session, user_id, mentorship_id, lock_mentor=True)
    if row.status not in OPEN:
        raise InvalidState("This mentorship is already closed", code="not_open")
    if row.status == MentorshipStatus.ACTIVE.value:
        _release(session, mentor.id)
    row.status = MentorshipStatus.CANCELLED.value
    row.updated_at = utcnow()
    session.execute(update(MentorshipSession).where(
        MentorshipSession.mentorship_id == row.id, MentorshipSession.status == "scheduled",
        MentorshipSession.starts_at > utcnow()).values(status="cancelled"))
    other = row.mentee_id if user_id == mentor.user_id else mentor.user_id
    notify(session, recipient_id=other, actor_id=user_id, type="mentorship_cancelled",
           target_type="mentorship", target_id=row.id)
    return _ship_read(session, row)


def schedule(session: Session, user_id: int, mentorship_id: int,
             data: SessionCreate) -> SessionRead:
    """Book a session; the mentor's scheduled sessions may not overlap (no double booking)."""
    row, mentor = _party(session, user_id, mentorship_id, lock_mentor=True)
    if row.status != MentorshipStatus.ACTIVE.value:
        raise InvalidState("Sessions need an active mentorship", code="not_active")
    start = as_utc(data.starts_at)
    if start <= utcnow():
        raise ValidationFailed("starts_at must be in the future", code="invalid_session_time",
                               details=[{"loc": ["body", "starts_at"], "msg": "in the past"}])
    end = start + timedelta(minutes=data.duration_minutes)
    clash = session.scalar(select(MentorshipSession.id).where(
        MentorshipSession.mentor_id == mentor.id, MentorshipSession.status == "scheduled",
        and_(MentorshipSession.starts_at < end, MentorshipSession.ends_at > start)).limit(1))
    if clash is not None:
        raise Conflict("The mentor is already booked at that time", code="mentor_double_booked")
    s = MentorshipSession(mentorship_id=row.id, mentor_id=mentor.id, starts_at=start,
                          ends_at=end, topic=data.topic)
    session.add(s)
    session.execute(update(Mentor).where(Mentor.id == mentor.id)
                    .values(sessions_count=Mentor.sessions_count + 1))
    session.flush()
    other = row.mentee_id if user_id == mentor.user_id else mentor.user_id
    notify(session, recipient_id=other, actor_id=user_id, type="mentorship_session",
           target_type="mentorship", target_id=row.id,
           data={"starts_at": start.isoformat(), "topic": data.topic})
    return _session_read(s)


def review(session: Session, user_id: int, mentorship_id: int, rating: int,
           text: str | None) -> MentorshipRead:
    """The mentee rates a completed mentorship once; the mentor's average is exact."""
    row, mentor = _party(session, user_id, mentorship_id, lock_mentor=True)
    if row.mentee_id != user_id:
        raise Forbidden("Only the mentee reviews a mentorship", code="not_mentee")
    if row.status != MentorshipStatus.COMPLETED.value:
        raise InvalidState("Only a completed mentorship can be reviewed", code="not_completed")
    if row.rating is not None:
        raise Conflict("You already reviewed this mentorship", code="already_reviewed")
    row.rating = rating
    row.review = text
    row.reviewed_at = utcnow()
    session.execute(update(Mentor).where(Mentor.id == mentor.id).values(
        rating_sum=Mentor.rating_sum + rating, reviews_count=Mentor.reviews_count + 1))
    notify(session, recipient_id=mentor.user_id, actor_id=user_id, type="mentorship_review",
           target_type="mentorship", target_id=row.id, data={"rating": rating})
    return _ship_read(session, row)


# ----------------------------------------------------------------------------- GDPR helpers
def erase_as_mentee(session: Session, user_id: int) -> None:
    """Release places and withdraw reviews so mentors' counts and averages stay exact."""
    for row in session.scalars(select(Mentorship).where(Mentorship.mentee_id == user_id)):
        if row.status == MentorshipStatus.ACTIVE.value:
            _release(session, row.mentor_id)
        if row.rating is not None:
            session.execute(update(Mentor).where(Mentor.id == row.mentor_id).values(
                rating_sum=Mentor.rating_sum - row.rating,
                reviews_count=Mentor.reviews_count - 1))
        session.delete(row)
    session.flush()
