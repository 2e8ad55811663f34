"""`/api/community`: communities, events and calendars, mentorship, daily style tips."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from tanvi_social.accounts.deps import CurrentUser, OptionalUser, WriterUser
from tanvi_social.community import event_service, mentoring, service, tips
from tanvi_social.community.schemas import (
    AnswerRequest,
    AttendeeListResponse,
    BanRequest,
    CalendarTokenResponse,
    CommunityCreate,
    CommunityListResponse,
    CommunityResponse,
    CommunityUpdate,
    DailyTipResponse,
    EventCreate,
    EventListResponse,
    EventResponse,
    EventUpdate,
    InviteRequest,
    JoinRequest,
    MemberListResponse,
    MembershipResponse,
    MentorCreate,
    MentorListResponse,
    MentorResponse,
    MentorshipListResponse,
    MentorshipRequest,
    MentorshipResponse,
    MentorUpdate,
    ModLogResponse,
    ReviewRequest,
    RoleRequest,
    RSVPRequest,
    RSVPResponse,
    SessionCreate,
    SessionResponse,
    TipCreate,
    TipListResponse,
    TipResponse,
    check_zone,
)
from tanvi_social.content.schemas import PostListResponse
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import (
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from tanvi_social.core.pagination import PageDep, Pagination
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses

router = APIRouter(prefix="/api/community", tags=["community"])

MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]

ICS = "text/calendar; charset=utf-8"
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}},
          "description": "An RFC 5545 calendar"}}
Search = Annotated[str | None, Query(max_length=100)]
Tags = Annotated[list[str], Query(max_length=15)]


def _base(platform: Platform) -> str:
    return str(platform.settings.public_base_url)


# ============================================================================= communities
@router.get("/communities", responses=error_responses())
async def list_communities(
    platform: PlatformDep, user: OptionalUser, page: PageDep, search: Search = None,
    type: Annotated[Literal["style", "brand", "occasion", "color", "trend", "local", "other"]
                    | None, Query(description="Community category")] = None,
    privacy: Literal["public", "private", "secret"] | None = None, mine: bool = False,
) -> CommunityListResponse:
    """Communities the caller may know of (secret ones only to their members)."""
    rows, total = await platform.db.read(
        service.list_communities, user.user_id if user else None, page, search=search,
        category=type, privacy=privacy, mine=mine)
    return CommunityListResponse(communities=rows, pagination=Pagination.build(page, total))


@router.post("/communities", status_code=201, responses=error_responses(Unauthorized, Forbidden))
async def create_community(body: CommunityCreate, platform: PlatformDep,
                           user: WriterUser) -> CommunityResponse:
    """Create a community; the caller becomes its creator."""
    community = await platform.db.run(service.create_community, user.user_id, body)
    return CommunityResponse(community=community, message="Community created")


@router.get("/communities/{community_id}", responses=error_responses(NotFound))
async def get_community(community_id: Id, platform: PlatformDep,
                        user: OptionalUser) -> CommunityResponse:
    community = await platform.db.read(service.get_community, user.user_id if user else None,
                                       community_id)
    return CommunityResponse(community=community)


@router.put("/communities/{community_id}",
            responses=error_responses(NotFound, Forbidden, Unauthorized))
async def update_community(community_id: Id, body: CommunityUpdate, platform: PlatformDep,
                           user: WriterUser) -> CommunityResponse:
    """Admins and the creator edit the settings and rules."""
    community = await platform.db.run(service.update_community, user.user_id, community_id, body)
    return CommunityResponse(community=community, message="Community updated")


@router.delete("/communities/{community_id}",
               responses=error_responses(NotFound, Forbidden, Unauthorized))
async def delete_community(community_id: Id, platform: PlatformDep,
                           user: WriterUser) -> MessageResponse:
    """The creator (or a platform admin) deletes the community."""
    await platform.db.run(service.delete_community, user.user_id, community_id, user.is_admin)
    return MessageResponse(message="Community deleted")


@router.post("/communities/{community_id}/join",
             responses=error_responses(NotFound, Forbidden, Conflict, Unauthorized))
async def join_community(community_id: Id, platform: PlatformDep, user: WriterUser,
                         body: JoinRequest | None = None) -> MembershipResponse:
    """Join, ask to join (approval needed) or accept an invitation."""
    membership, community = await platform.db.run(
        service.join, user.user_id, community_id, body.join_reason if body else None)
    msg = "Request sent" if membership.status == "pending" else "Joined"
    return MembershipResponse(membership=membership, community=community, message=msg)


@router.post("/communities/{community_id}/leave",
             responses=error_responses(NotFound, InvalidState, Unauthorized))
async def leave_community(community_id: Id, platform: PlatformDep,
                          user: WriterUser) -> CommunityResponse:
    community = await platform.db.run(service.leave, user.user_id, community_id)
    return CommunityResponse(community=community, message="Left the community")


@router.get("/communities/{community_id}/members",
            responses=error_responses(NotFound, Forbidden))
async def list_members(community_id: Id, platform: PlatformDep, user: OptionalUser,
                       page: PageDep,
                       status: Literal["active", "pending", "invited", "banned"] = "active",
                       ) -> MemberListResponse:
    """Active members; pending, invited and banned lists for the community's moderators."""
    rows, total = await platform.db.read(service.list_members, user.user_id if user else None,
                                         community_id, status, page)
    return MemberListResponse(members=rows, pagination=Pagination.build(page, total))


@router.post("/communities/{community_id}/invites", status_code=201,
             responses=error_responses(NotFound, Forbidden, Conflict, Unauthorized))
async def invite_member(community_id: Id, body: InviteRequest, platform: PlatformDep,
                        user: WriterUser) -> MembershipResponse:
    """Moderators invite someone (the only way into a secret community)."""
    membership = await platform.db.run(service.invite, user.user_id, community_id, body.user_id)
    community = await platform.db.read(service.get_community, user.user_id, community_id)
    return MembershipResponse(membership=membership, community=community, message="Invited")


@router.post("/communities/{community_id}/members/{user_id}/approve",
             responses=error_responses(NotFound, Forbidden, InvalidState, Unauthorized))
async def approve_member(community_id: Id, user_id: Id, platform: PlatformDep,
                         user: WriterUser) -> MembershipResponse:
    membership = await platform.db.run(service.approve, user.user_id, community_id, user_id)
    community = await platform.db.read(service.get_community, user.user_id, community_id)
    return MembershipResponse(membership=membership, community=community, message="Approved")


@router.post("/communities/{community_id}/members/{user_id}/reject",
             responses=error_responses(NotFound, Forbidden, InvalidState, Unauthorized))
async def reject_member(community_id: Id, user_id: Id, platform: PlatformDep,
                        user: WriterUser) -> MessageResponse:
    await platform.db.run(service.reject, user.user_id, community_id, user_id)
    return MessageResponse(message="Request declined")


@router.post("/communities/{community_id}/members/{user_id}/ban",
             responses=error_responses(NotFound, Forbidden, Conflict, InvalidState, Unauthorized))
async def ban_member(community_id: Id, user_id: Id, platform: PlatformDep, user: WriterUser,
                     body: BanRequest | None = None) -> MembershipResponse:
    """Ban a member of a lower role: they cannot rejoin or post."""
    membership = await platform.db.run(service.ban, user.user_id, community_id, user_id,
                                       body.reason if body else None)
    community = await platform.db.read(service.get_community, user.user_id, community_id)
    return MembershipResponse(membership=membership, community=community, message="Banned")


@router.post("/communities/{community_id}/members/{user_id}/unban",
             responses=error_responses(NotFound, Forbidden, InvalidState, Unauthorized))
async def unban_member(community_id: Id, user_id: Id, platform: PlatformDep,
                       user: WriterUser) -> MessageResponse:
    await platform.db.run(service.unban, user.user_id, community_id, user_id)
    return MessageResponse(message="Ban lifted")


@router.post("/communities/{community_id}/members/{user_id}/role",
             responses=error_responses(NotFound, Forbidden, InvalidState, Unauthorized))
async def set_member_role(community_id: Id, user_id: Id, body: RoleRequest,
                          platform: PlatformDep, user: WriterUser) -> MembershipResponse:
    """Admins set member/moderator; the creator may also appoint admins."""
    membership = await platform.db.run(service.set_role, user.user_id, community_id, user_id,
                                       body.role)
    community = await platform.db.read(service.get_community, user.user_id, community_id)
    return MembershipResponse(membership=membership, community=community, message="Role updated")


@router.get("/communities/{community_id}/moderation-log",
            responses=error_responses(NotFound, Forbidden, Unauthorized))
async def moderation_log(community_id: Id, platform: PlatformDep, user: CurrentUser,
                         page: PageDep) -> ModLogResponse:
    """Role changes, bans, unbans, approvals and invitations (moderators)."""
    rows, total = await platform.db.read(service.moderation_log, user.user_id, community_id,
                                         page)
    return ModLogResponse(entries=rows, pagination=Pagination.build(page, total))


@router.get("/communities/{community_id}/posts", responses=error_responses(NotFound))
async def community_posts(community_id: Id, platform: PlatformDep, user: OptionalUser,
                          page: PageDep, sort: Literal["new", "hot", "top"] = "new",
                          ) -> PostListResponse:
    """Posts in the community (members only for private and secret communities)."""
    posts, total = await platform.db.read(service.community_posts,
                                          user.user_id if user else None, community_id, page,
                                          sort, _base(platform))
    return PostListResponse(posts=posts, pagination=Pagination.build(page, total))


# ============================================================================= events
@router.get("/events", responses=error_responses())
async def list_events(
    platform: PlatformDep, user: OptionalUser, page: PageDep,
    community_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    type: Literal["online", "in_person", "hybrid"] | None = None,
    upcoming_only: bool = True, include_cancelled: bool = False, mine: bool = False,
    search: Search = None,
) -> EventListResponse:
    """Visible events by start time (meeting details only for the organiser and attendees)."""
    rows, total = await platform.db.read(
        event_service.list_events, user.user_id if user else None, page,
        community_id=community_id, event_type=type, upcoming_only=upcoming_only,
        include_cancelled=include_cancelled, mine=mine, search=search)
    return EventListResponse(events=rows, pagination=Pagination.build(page, total))


@router.post("/events", status_code=201,
             responses=error_responses(NotFound, Forbidden, Unauthorized))
async def create_event(body: EventCreate, platform: PlatformDep,
                       user: WriterUser) -> EventResponse:
    """Times without an offset are read in the event's `timezone`; stored in UTC."""
    event = await platform.db.run(event_service.create_event, user.user_id, body)
    return EventResponse(event=event, message="Event created")


@router.get("/events/{event_id}.ics", response_class=Response, responses={
    **ICS_RESPONSE, **error_responses(NotFound)})
async def event_ics(event_id: Id, platform: PlatformDep, user: OptionalUser) -> Response:
    """The event as an RFC 5545 file (meeting details only for confirmed attendees)."""
    body = await platform.db.read(event_service.event_ics, user.user_id if user else None,
                                  event_id, _base(platform))
    return Response(body, media_type=ICS, headers={
        "Content-Disposition": f'attachment; filename="event-{event_id}.ics"'})


@router.get("/events/{event_id}", responses=error_responses(NotFound))
async def get_event(event_id: Id, platform: PlatformDep, user: OptionalUser) -> EventResponse:
    event = await platform.db.read(event_service.get_event, user.user_id if user else None,
                                   event_id)
    return EventResponse(event=event)


@router.put("/events/{event_id}",
            responses=error_responses(NotFound, Forbidden, Conflict, InvalidState, Unauthorized))
async def update_event(event_id: Id, body: EventUpdate, platform: PlatformDep,
                       user: WriterUser) -> EventResponse:
    """The organiser edits the event; extra places promote the waitlist."""
    event = await platform.db.run(event_service.update_event, user.user_id, event_id, body)
    return EventResponse(event=event, message="Event updated")


@router.post("/events/{event_id}/cancel",
             responses=error_responses(NotFound, Forbidden, InvalidState, Unauthorized))
async def cancel_event(event_id: Id, platform: PlatformDep, user: WriterUser) -> EventResponse:
    """Cancel the event; everyone who answered is notified."""
    event = await platform.db.run(event_service.cancel_event, user.user_id, event_id)
    return EventResponse(event=event, message="Event cancelled")


@router.post("/events/{event_id}/rsvp",
             responses=error_responses(NotFound, Conflict, InvalidState, Unauthorized))
async def rsvp(event_id: Id, body: RSVPRequest, platform: PlatformDep,
               user: WriterUser) -> RSVPResponse:
    """Answer yes / maybe / interested / no. A "yes" that does not fit joins the waitlist."""
    answer, counts = await platform.db.run(event_service.rsvp, user.user_id, event_id, body)
    msg = {"confirmed": "You're going", "waitlisted": "You're on the waitlist"}.get(
        answer.status, "Answer saved")
    return RSVPResponse(rsvp=answer, counts=counts, message=msg)


@router.delete("/events/{event_id}/rsvp", responses=error_responses(NotFound, Unauthorized))
async def remove_rsvp(event_id: Id, platform: PlatformDep, user: WriterUser) -> RSVPResponse:
    """Withdraw one's answer; a freed place goes to the first on the waitlist."""
    counts = await platform.db.run(event_service.remove_rsvp, user.user_id, event_id)
    return RSVPResponse(rsvp=None, counts=counts, message="Answer withdrawn")


@router.get("/events/{event_id}/attendees",
            responses=error_responses(NotFound, Forbidden, Unauthorized))
async def attendees(event_id: Id, platform: PlatformDep, user: CurrentUser, page: PageDep,
                    status: Literal["confirmed", "waitlisted", "none"] | None = None,
                    ) -> AttendeeListResponse:
    """Everyone's answers with the waitlist order (the organiser only)."""
    rows, counts, total = await platform.db.read(event_service.attendees, user.user_id,
                                                 event_id, page, status)
    return AttendeeListResponse(attendees=rows, counts=counts,
                                pagination=Pagination.build(page, total))


@router.get("/calendar/token", responses=error_responses(Unauthorized))
async def calendar_token(platform: PlatformDep, user: CurrentUser) -> CalendarTokenResponse:
    """The caller's private calendar-feed link (an HMAC token; rotate it to revoke)."""
    token = await platform.db.read(event_service.calendar_token, user.user_id,
                                   platform.settings.signing_key(), _base(platform))
    return CalendarTokenResponse(calendar=token)


@router.post("/calendar/token/rotate", responses=error_responses(Unauthorized))
async def rotate_calendar_token(platform: PlatformDep,
                                user: WriterUser) -> CalendarTokenResponse:
    """Issue a new feed link; the old one stops working."""
    token = await platform.db.run(event_service.calendar_token, user.user_id,
                                  platform.settings.signing_key(), _base(platform), True)
    return CalendarTokenResponse(calendar=token, message="New calendar link issued")


@router.get("/calendar.ics", response_class=Response, responses={
    **ICS_RESPONSE, **error_responses(NotFound)})
async def calendar_feed(platform: PlatformDep,
                        token: Annotated[str, Query(min_length=5, max_length=120)]) -> Response:
    """The token owner's events (answered or organised) as a subscribable calendar."""
    body = await platform.db.read(event_service.calendar_feed, token,
                                  platform.settings.signing_key(), _base(platform))
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})


# ============================================================================= mentorship
@router.get("/mentors", responses=error_responses())
async def list_mentors(platform: PlatformDep, user: OptionalUser, page: PageDep,
                       goals: Tags = [],  # noqa: B006 - FastAPI query list default
                       expertise: Annotated[str | None, Query(max_length=40)] = None,
                       accepting_only: bool = True) -> MentorListResponse:
    """Mentors ranked by match with the caller's style goals (`goals`, else profile tags)."""
    rows, total = await platform.db.read(
        mentoring.list_mentors, user.user_id if user else None, page,
        goals=[g.strip().lower() for g in goals if g.strip()], expertise=expertise,
        accepting_only=accepting_only)
    return MentorListResponse(mentors=rows, pagination=Pagination.build(page, total))


@router.post("/mentors", status_code=201, responses=error_responses(Conflict, Unauthorized))
async def become_mentor(body: MentorCreate, platform: PlatformDep,
                        user: WriterUser) -> MentorResponse:
    """Become a mentor (expertise, availability, max_mentees)."""
    mentor = await platform.db.run(mentoring.become_mentor, user.user_id, body)
    return MentorResponse(mentor=mentor, message="You are now a mentor")


@router.get("/mentors/me", responses=error_responses(NotFound, Unauthorized))
async def my_mentor_profile(platform: PlatformDep, user: CurrentUser) -> MentorResponse:
    """The caller's own mentor profile (404 when they are not a mentor)."""
    return MentorResponse(mentor=await platform.db.read(mentoring.my_mentor, user.user_id))


@router.put("/mentors/me", responses=error_responses(NotFound, Conflict, Unauthorized))
async def update_mentor(body: MentorUpdate, platform: PlatformDep,
                        user: WriterUser) -> MentorResponse:
    mentor = await platform.db.run(mentoring.update_mentor, user.user_id, body)
    return MentorResponse(mentor=mentor, message="Mentor profile updated")


@router.get("/mentors/{mentor_id}", responses=error_responses(NotFound))
async def get_mentor(mentor_id: Id, platform: PlatformDep, user: OptionalUser,
                     goals: Tags = []) -> MentorResponse:  # noqa: B006
    mentor = await platform.db.read(mentoring.get_mentor, user.user_id if user else None,
                                    mentor_id, [g.strip().lower() for g in goals if g.strip()])
    return MentorResponse(mentor=mentor)


@router.post("/mentors/{mentor_id}/request", status_code=201,
             responses=error_responses(NotFound, Conflict, InvalidState, Unauthorized))
async def request_mentorship(mentor_id: Id, platform: PlatformDep, user: WriterUser,
                             body: MentorshipRequest | None = None) -> MentorshipResponse:
    """Ask a mentor; they are notified."""
    ship = await platform.db.run(mentoring.request_mentorship, user.user_id, mentor_id,
                                 body or MentorshipRequest())
    return MentorshipResponse(mentorship=ship, message="Request sent")


@router.get("/mentorships", responses=error_responses(Unauthorized))
async def list_mentorships(platform: PlatformDep, user: CurrentUser, page: PageDep,
                           role: Literal["mentor", "mentee"] | None = None,
                           status: Literal["pending", "active", "declined", "completed",
                                           "cancelled"] | None = None,
                           ) -> MentorshipListResponse:
    rows, total = await platform.db.read(mentoring.list_mentorships, user.user_id, page,
                                         role=role, status=status)
    return MentorshipListResponse(mentorships=rows, pagination=Pagination.build(page, total))


@router.get("/mentorships/{mentorship_id}", responses=error_responses(NotFound, Unauthorized))
async def get_mentorship(mentorship_id: Id, platform: PlatformDep,
                         user: CurrentUser) -> MentorshipResponse:
    ship = await platform.db.read(mentoring.get_mentorship, user.user_id, mentorship_id)
    return MentorshipResponse(mentorship=ship)


_ANSWER_ERRORS = error_responses(NotFound, Forbidden, Conflict, InvalidState, Unauthorized)


@router.post("/mentorships/{mentorship_id}/accept", responses=_ANSWER_ERRORS)
async def accept_mentorship(mentorship_id: Id, platform: PlatformDep, user: WriterUser,
                            body: AnswerRequest | None = None) -> MentorshipResponse:
    """The mentor accepts (refused once `max_mentees` are active)."""
    ship = await platform.db.run(mentoring.accept, user.user_id, mentorship_id,
                                 body.note if body else None)
    return MentorshipResponse(mentorship=ship, message="Mentorship started")


@router.post("/mentorships/{mentorship_id}/decline", responses=_ANSWER_ERRORS)
async def decline_mentorship(mentorship_id: Id, platform: PlatformDep, user: WriterUser,
                             body: AnswerRequest | None = None) -> MentorshipResponse:
    ship = await platform.db.run(mentoring.decline, user.user_id, mentorship_id,
                                 body.note if body else None)
    return MentorshipResponse(mentorship=ship, message="Request declined")


@router.post("/mentorships/{mentorship_id}/cancel", responses=_ANSWER_ERRORS)
async def cancel_mentorship(mentorship_id: Id, platform: PlatformDep,
                            user: WriterUser) -> MentorshipResponse:
    ship = await platform.db.run(mentoring.cancel, user.user_id, mentorship_id)
    return MentorshipResponse(mentorship=ship, message="Mentorship cancelled")


@router.post("/mentorships/{mentorship_id}/complete", responses=_ANSWER_ERRORS)
async def complete_mentorship(mentorship_id: Id, platform: PlatformDep,
                              user: WriterUser) -> MentorshipResponse:
    ship = await platform.db.run(mentoring.complete, user.user_id, mentorship_id)
    return MentorshipResponse(mentorship=ship, message="Mentorship completed")


@router.post("/mentorships/{mentorship_id}/sessions", status_code=201, responses=_ANSWER_ERRORS)
async def schedule_session(mentorship_id: Id, body: SessionCreate, platform: PlatformDep,
                           user: WriterUser) -> SessionResponse:
    """Book a session; refused when it overlaps another of the mentor's sessions."""
    s = await platform.db.run(mentoring.schedule, user.user_id, mentorship_id, body)
    return SessionResponse(session=s, message="Session booked")


@router.post("/mentorships/{mentorship_id}/review", responses=_ANSWER_ERRORS)
async def review_mentorship(mentorship_id: Id, body: ReviewRequest, platform: PlatformDep,
                            user: WriterUser) -> MentorshipResponse:
    """The mentee rates a completed mentorship 1–5 (the mentor's average is exact)."""
    ship = await platform.db.run(mentoring.review, user.user_id, mentorship_id, body.rating,
                                 body.review)
    return MentorshipResponse(mentorship=ship, message="Thanks for your review")


# ============================================================================= tips
def _today(zone: str | None) -> date:
    if zone is None:
        return datetime.now(UTC).date()
    try:
        check_zone(zone)
    except ValueError as exc:
        raise ValidationFailed("Unknown time zone", code="invalid_timezone",
                               details=[{"loc": ["query", "timezone"], "msg": str(exc)}]) from exc
    return datetime.now(ZoneInfo(zone)).date()


@router.get("/daily-tips", responses=error_responses(Unauthorized))
async def daily_tip(platform: PlatformDep, user: CurrentUser,
                    timezone: Annotated[str | None, Query(max_length=64)] = None,
                    ) -> DailyTipResponse:
    """Today's tip for the caller: stable all day, matched to their style tags, no repeats
    within 30 days. `timezone` (IANA) decides when the caller's day starts (default UTC)."""
    tip = await platform.db.run(tips.daily_tip, user.user_id, _today(timezone))
    return DailyTipResponse(daily_tip=tip)


@router.get("/tips", responses=error_responses())
async def list_tips(platform: PlatformDep, user: OptionalUser, page: PageDep,
                    category: Annotated[str | None, Query(max_length=40)] = None,
                    difficulty: Literal["easy", "medium", "advanced"] | None = None,
                    tag: Annotated[str | None, Query(max_length=40)] = None,
                    origin: Literal["library", "community"] | None = None,
                    search: Search = None, sort: Literal["popular", "new"] = "popular",
                    saved: bool = False) -> TipListResponse:
    """Style tips; `saved=true` lists the caller's saved tips."""
    rows, total = await platform.db.read(
        tips.list_tips, user.user_id if user else None, page, category=category,
        difficulty=difficulty, tag=tag, origin=origin, search=search, sort=sort,
        saved_only=saved)
    return TipListResponse(tips=rows, pagination=Pagination.build(page, total))


@router.post("/tips", status_code=201,
             responses=error_responses(Forbidden, Unauthorized, ValidationFailed))
async def create_tip(body: TipCreate, platform: PlatformDep, user: WriterUser) -> TipResponse:
    """Publish a tip (verified members and moderators/admins; docs/community.md)."""
    tip = await platform.db.run(tips.create_tip, user.user_id, user.is_moderator, body)
    return TipResponse(tip=tip, message="Tip published")


@router.get("/tips/{tip_id}", responses=error_responses(NotFound))
async def get_tip(tip_id: Id, platform: PlatformDep, user: OptionalUser) -> TipResponse:
    tip = await platform.db.read(tips.get_tip, user.user_id if user else None, tip_id)
    return TipResponse(tip=tip)


@router.delete("/tips/{tip_id}", responses=error_responses(NotFound, Forbidden, Unauthorized))
async def delete_tip(tip_id: Id, platform: PlatformDep, user: WriterUser) -> MessageResponse:
    await platform.db.run(tips.delete_tip, user.user_id, user.is_moderator, tip_id)
    return MessageResponse(message="Tip deleted")


def _tip_reaction_routes(kind: Literal["like", "save"]) -> None:
    async def add(tip_id: Id, platform: PlatformDep, user: WriterUser) -> TipResponse:
        tip = await platform.db.run(tips.react, user.user_id, tip_id, kind)
        return TipResponse(tip=tip, message="Liked" if kind == "like" else "Saved")

    async def remove(tip_id: Id, platform: PlatformDep, user: WriterUser) -> TipResponse:
        tip = await platform.db.run(tips.unreact, user.user_id, tip_id, kind)
        return TipResponse(tip=tip, message="Unliked" if kind == "like" else "Unsaved")

    add.__doc__ = f"{kind.capitalize()} a tip (409 if already done)."
    remove.__doc__ = f"Undo a {kind}."
    router.add_api_route(f"/tips/{{tip_id}}/{kind}", add, methods=["POST"],
                         name=f"{kind}_tip",
                         responses=error_responses(NotFound, Conflict, Unauthorized))
    router.add_api_route(f"/tips/{{tip_id}}/{kind}", remove, methods=["DELETE"],
                         name=f"un{kind}_tip", responses=error_responses(NotFound, Unauthorized))


_tip_reaction_routes("like")
_tip_reaction_routes("save")

