"""GDPR export and erasure for memberships, events, RSVPs, mentorship and tips.

Erasure keeps everyone else's numbers exact: members/pending counts, event counts (freed places
promote the waitlist), mentors' active mentees and rating averages, tip like/save counts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.community import event_service, mentoring, tips
from tanvi_social.community.models import (
    ROLE_RANK,
    RSVP,
    Community,
    CommunityRole,
    DailyTip,
    Event,
    Membership,
    MemberStatus,
    Mentor,
    Mentorship,
    MentorshipSession,
    StyleTip,
    TipReaction,
)
from tanvi_social.core import gdpr
from tanvi_social.core.time import isoformat, utcnow


def _iso(value: Any) -> str | None:
    return None if value is None else isoformat(value)


def export(session: Session, user_id: int) -> dict[str, Any]:
    """Everything the community domain holds about the user (their own meeting details only)."""
    memberships = [
        {"community_id": m.community_id, "community": name, "role": m.role, "status": m.status,
         "join_reason": m.join_reason, "joined_at": _iso(m.joined_at),
         "requested_at": _iso(m.created_at)}
        for m, name in session.execute(select(Membership, Community.name).join(
            Community, Community.id == Membership.community_id).where(
            Membership.user_id == user_id))]
    created = [{"id": c.id, "name": c.name, "privacy": c.privacy, "created_at": _iso(c.created_at)}
               for c in session.scalars(select(Community).where(Community.creator_id == user_id))]
    organised = [
        {"id": e.id, "title": e.title, "start_at": _iso(e.start_at), "end_at": _iso(e.end_at),
         "timezone": e.timezone, "status": e.status, "location_name": e.location_name,
         "meeting_url": e.meeting_url, "meeting_id": e.meeting_id,
         "meeting_password": e.meeting_password, "max_attendees": e.max_attendees}
        for e in session.scalars(select(Event).where(Event.organizer_id == user_id))]
    rsvps = [
        {"event_id": r.event_id, "event": title, "response": r.response, "status": r.status,
         "guest_count": r.guest_count, "notes": r.notes, "answered_at": _iso(r.created_at)}
        for r, title in session.execute(select(RSVP, Event.title).join(
            Event, Event.id == RSVP.event_id).where(RSVP.user_id == user_id))]
    mentor = session.scalar(select(Mentor).where(Mentor.user_id == user_id))
    mentor_data = None if mentor is None else {
        "id": mentor.id, "headline": mentor.headline, "bio": mentor.bio,
        "expertise": mentor.expertise, "experience_years": mentor.experience_years,
        "availability": mentor.availability, "max_mentees": mentor.max_mentees}
    ships = session.scalars(select(Mentorship).where(
        (Mentorship.mentee_id == user_id)
        | Mentorship.mentor_id.in_(select(Mentor.id).where(Mentor.user_id == user_id)))).all()
    mentorships = [
        {"id": s.id, "as": "mentee" if s.mentee_id == user_id else "mentor",
         "status": s.status, "goals": s.goals, "message": s.message, "rating": s.rating,
         "review": s.review, "created_at": _iso(s.created_at),
         "sessions": [{"starts_at": _iso(x.starts_at), "ends_at": _iso(x.ends_at),
                       "topic": x.topic, "status": x.status}
                      for x in session.scalars(select(MentorshipSession).where(
                          MentorshipSession.mentorship_id == s.id))]}
        for s in ships]
    authored = [{"id": t.id, "title": t.title, "body": t.body, "created_at": _iso(t.created_at)}
                for t in session.scalars(select(StyleTip).where(StyleTip.author_id == user_id,
                                                                StyleTip.origin == "community"))]
    reactions = [{"tip_id": r.tip_id, "kind": r.kind, "at": _iso(r.created_at)}
                 for r in session.scalars(select(TipReaction).where(
                     TipReaction.user_id == user_id))]
    daily = [{"day": d.day.isoformat(), "tip_id": d.tip_id}
             for d in session.scalars(select(DailyTip).where(DailyTip.user_id == user_id)
                                      .order_by(DailyTip.day))]
    return {"memberships": memberships, "communities_created": created,
            "events_organised": organised, "rsvps": rsvps, "mentor_profile": mentor_data,
            "mentorships": mentorships, "tips": authored, "tip_reactions": reactions,
            "daily_tips": daily}


def _hand_over(session: Session, community: Community, leaving_id: int) -> None:
    """Promote the senior-most remaining member to creator, or delete an empty community."""
    members = session.scalars(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id != leaving_id,
        Membership.status == MemberStatus.ACTIVE.value)).all()
    if not members:
        community.deleted_at = utcnow()
        return
    heir = sorted(members, key=lambda m: (-ROLE_RANK.get(m.role, 0), m.joined_at or m.created_at,
                                          m.id))[0]
    heir.role = CommunityRole.CREATOR.value
    community.creator_id = heir.user_id


def erase(session: Session, user_id: int) -> None:
    # memberships (and creator hand-over)
    for m in session.scalars(select(Membership).where(Membership.user_id == user_id)).all():
        community = session.get(Community, m.community_id)
        if community is not None:
            if m.status == MemberStatus.ACTIVE.value:
                session.execute(update(Community).where(Community.id == community.id)
                                .values(members_count=Community.members_count - 1))
            elif m.status == MemberStatus.PENDING.value:
                session.execute(update(Community).where(Community.id == community.id)
                                .values(pending_count=Community.pending_count - 1))
            if community.creator_id == user_id:
                _hand_over(session, community, user_id)
        session.delete(m)
    session.flush()
    for community in session.scalars(select(Community).where(Community.creator_id == user_id)):
        community.creator_id = None
    # RSVPs to others' events: free places, promote waitlists
    for r in session.scalars(select(RSVP).where(RSVP.user_id == user_id)).all():
        event = session.scalar(select(Event).where(Event.id == r.event_id).with_for_update())
        if event is not None and event.organizer_id != user_id:
            event_service.drop_rsvp(session, event, r)
    # events the user organised go with them (their RSVPs cascade)
    for e in session.scalars(select(Event).where(Event.organizer_id == user_id)).all():
        session.delete(e)
    session.flush()
    # mentorship
    mentoring.erase_as_mentee(session, user_id)
    mentor = session.scalar(select(Mentor).where(Mentor.user_id == user_id))
    if mentor is not None:
        session.delete(mentor)
    session.flush()
    # tips
    tips.erase_user_tips(session, user_id)


gdpr.register("community", export=export, erase=erase, order=40)
