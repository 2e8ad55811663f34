"""Demo communities (one of each privacy), events (upcoming, full with a waitlist, past), mentors.

Everything goes through the domain's services, so counts, waitlists and notifications are real.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.community import event_service, mentoring, service
from tanvi_social.community.models import RSVP, Community, Event, RSVPStatus
from tanvi_social.community.schemas import (
    CommunityCreate,
    EventCreate,
    MentorCreate,
    MentorshipRequest,
    RSVPRequest,
    SessionCreate,
)
from tanvi_social.core.time import utcnow

COMMUNITIES = [
    ("Minimalist Wardrobe Club", "Capsule wardrobes, neutral palettes and buying less but better.",
     "style", "public", False, ["capsule", "minimalist", "neutrals"]),
    ("Vintage Hunters Circle", "Finds from flea markets, thrift runs and estate sales.",
     "trend", "private", True, ["vintage", "thrifting"]),
    ("Sustainable Style Swap", "Organise swaps, mend together, share repair tips.",
     "occasion", "public", True, ["sustainable", "swap", "repair"]),
    ("Stylists' Backroom", "A closed room for working stylists to trade notes.",
     "other", "secret", False, ["stylists"]),
]
RULES = ["Be kind about other people's bodies and budgets", "Credit photos that are not yours",
         "No selling without the moderators' OK"]


def _users(session: Session, ctx: Any) -> list[int]:
    ids = ctx.data.get("user_ids") or list(session.scalars(select(User.id).order_by(User.id)))
    return [int(i) for i in ids]


def seed(session: Session, ctx: Any) -> int:
    if session.scalar(select(Community.id).where(Community.name == COMMUNITIES[0][0])):
        return 0
    users = _users(session, ctx)
    if len(users) < 20:
        return 0
    rng = ctx.rng
    added = 0
    community_ids: list[int] = []
    for i, (name, description, category, privacy, approval, tags) in enumerate(COMMUNITIES):
        creator = users[i]
        c = service.create_community(session, creator, CommunityCreate(
            name=name, description=description, category=category, privacy=privacy,
            requires_approval=approval, tags=tags, rules=RULES))
        community_ids.append(c.id)
        added += 1
        pool = [u for u in users if u != creator]
        members = rng.sample(pool, 12 if privacy != "secret" else 4)
        for uid in members:
            if privacy == "secret":
                service.invite(session, creator, c.id, uid)
            m, _ = service.join(session, uid, c.id, "Love this topic")
            if m.status == "pending" and rng.random() < 0.75:
                service.approve(session, creator, c.id, uid)
            added += 1
        active = [m for m in members if service.rank_of(
            service.access.membership(session, m, c.id)) >= 1]
        if len(active) >= 2:
            service.set_role(session, creator, c.id, active[0], "admin")
            service.set_role(session, creator, c.id, active[1], "moderator")
        if privacy == "public" and len(pool) > 30:
            troll = pool[-1]
            if service.access.membership(session, troll, c.id) is None:
                service.ban(session, creator, c.id, troll, "Spam links")
    ctx.data["community_ids"] = community_ids

    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    events = [
        EventCreate(title="Capsule wardrobe clinic", event_type="online", timezone="Europe/London",
                    start_at=start, end_at=start + timedelta(hours=1, minutes=30),
                    meeting_url="https://meet.example.com/capsule-clinic",
                    meeting_platform="Meet", meeting_id="481 220 993",
                    meeting_password="neutral-tones", max_attendees=40,
                    community_id=community_ids[0], tags=["capsule"]),
        EventCreate(title="Spring clothes swap", event_type="in_person",
                    timezone="America/New_York", start_at=start + timedelta(days=9),
                    end_at=start + timedelta(days=9, hours=3), location_name="Greenpoint Loft",
                    location_address="12 Franklin St, Brooklyn, NY", max_attendees=3,
                    allow_guests=True, community_id=community_ids[2],
                    dress_code="Bring 3 clean pieces"),
        EventCreate(title="Vintage denim deep-dive", event_type="hybrid", timezone="Asia/Kolkata",
                    start_at=start + timedelta(days=14), end_at=start + timedelta(days=14, hours=2),
                    location_name="Bandra studio", meeting_url="https://meet.example.com/denim",
                    meeting_password="selvedge", community_id=community_ids[1]),
    ]
    created = []
    for data in events:
        assert data.community_id is not None  # every seeded event belongs to a community
        organiser = users[community_ids.index(data.community_id)]  # the community's creator
        created.append(event_service.create_event(session, organiser, data))
        added += 1
    # RSVPs; the swap (3 places) fills up and gets a waitlist
    for uid in rng.sample(users[4:], 14):
        for ev in created:
            event = session.get(Event, ev.id)
            if event is None or not event_service.can_view_event(session, uid, event):
                continue
            response = rng.choice(["yes", "yes", "maybe", "interested", "no"])
            guests = 1 if response == "yes" and ev.allow_guests and rng.random() < 0.3 else 0
            try:
                event_service.rsvp(session, uid, ev.id, RSVPRequest(response=response,
                                                                    guest_count=guests))
            except Exception:
                continue
            added += 1
    swap = session.get(Event, created[1].id)
    for uid in users[30:36]:
        if swap is not None and session.scalar(select(RSVP.id).where(
                RSVP.event_id == swap.id, RSVP.user_id == uid)) is None:
            event_service.rsvp(session, uid, swap.id, RSVPRequest(response="yes"))
            added += 1
    # a past event, recorded as it happened
    past = Event(organizer_id=users[0], community_id=community_ids[0],
                 title="Autumn layering live", event_type="online", timezone="Europe/Paris",
                 start_at=utcnow() - timedelta(days=20),
                 end_at=utcnow() - timedelta(days=20) + timedelta(hours=1),
                 meeting_url="https://meet.example.com/layering", max_attendees=50)
    session.add(past)
    session.flush()
    for uid in users[5:13]:
        session.add(RSVP(event_id=past.id, user_id=uid, response="yes",
                         status=RSVPStatus.CONFIRMED.value))
    past.going_count = past.yes_count = 8
    added += 9

    # mentors and mentorships
    mentor_specs = [
        (users[1], "Wardrobe stylist", ["minimalist", "workwear", "classic"], 9, 3),
        (users[2], "Vintage buyer", ["vintage", "bohemian"], 6, 2),
        (users[3], "Sustainable fashion coach", ["sustainable", "minimalist", "casual"], 4, 4),
    ]
    mentor_ids = []
    for uid, headline, expertise, years, cap in mentor_specs:
        mentor = mentoring.become_mentor(session, uid, MentorCreate(
            headline=headline, bio=f"{headline} helping people dress with intent.",
            expertise=expertise, experience_years=years, max_mentees=cap,
            availability=[{"weekday": "tue", "start": "18:00", "end": "20:00",
                           "timezone": "Europe/London"}]))
        mentor_ids.append(mentor.id)
        added += 1
    done = mentoring.request_mentorship(session, users[10], mentor_ids[0],
                                        MentorshipRequest(goals=["workwear"],
                                                          message="New job, new wardrobe"))
    mentoring.accept(session, users[1], done.id, "Happy to help")
    mentoring.complete(session, users[10], done.id)
    mentoring.review(session, users[10], done.id, 5, "Transformed my work wardrobe")
    ongoing = mentoring.request_mentorship(session, users[11], mentor_ids[0],
                                          MentorshipRequest(goals=["minimalist"]))
    mentoring.accept(session, users[1], ongoing.id, None)
    mentoring.schedule(session, users[11], ongoing.id, SessionCreate(
        starts_at=start + timedelta(days=1), duration_minutes=60, topic="Capsule plan"))
    mentoring.request_mentorship(session, users[12], mentor_ids[1],
                                 MentorshipRequest(goals=["vintage"]))
    added += 5
    session.flush()
    return added
