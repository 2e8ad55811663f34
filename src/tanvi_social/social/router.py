"""`/api/social`: profiles, follows, requests, blocks, mutes, compatibility, suggestions,
influencers, notifications and activities (api.md → "Social foundation")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from tanvi_social.accounts.deps import AdminUser, CurrentUser, OptionalUser, WriterUser
from tanvi_social.core.deps import PlatformDep, enforce_rate_limit
from tanvi_social.core.errors import (
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    RateLimited,
    Unauthorized,
)
from tanvi_social.core.pagination import PageDep, Pagination
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.social import activities, influencers, notifications, service
from tanvi_social.social.schemas import (
    ActivityListResponse,
    BlockResponse,
    CompatibilityResponse,
    ConnectionResponse,
    FollowersResponse,
    FollowingResponse,
    FollowRequestsResponse,
    InfluencerApply,
    InfluencerListResponse,
    InfluencerResponse,
    InfluencerVerify,
    MuteResponse,
    NotificationListResponse,
    NotificationPreferences,
    NotificationResponse,
    PreferencesResponse,
    ProfileListResponse,
    ProfileResponse,
    ProfileWrite,
    ReadAllResponse,
    RelationListResponse,
    SuggestionsResponse,
    UnreadCountResponse,
    UserRef,
    VocabularyResponse,
)

router = APIRouter(prefix="/api/social", tags=["social"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
OptionalUserId = Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                             description="Someone else's list (privacy-aware)")]


# --- profiles ---------------------------------------------------------------------------------

@router.get("/vocabulary", responses=error_responses())
async def style_vocabulary(platform: PlatformDep) -> VocabularyResponse:
    """The curated style tags, occasions and budget bands (free tags are also accepted)."""
    return VocabularyResponse(vocabulary=await platform.db.read(service.vocabulary))


@router.get("/profiles", responses=error_responses(Unauthorized))
async def list_profiles(
    platform: PlatformDep, viewer: OptionalUser, page: PageDep,
    q: Annotated[str | None, Query(max_length=60, description="Username or display name")] = None,
    style_tag: Annotated[str | None, Query(max_length=40)] = None,
) -> ProfileListResponse:
    """Search visible profiles; non-public ones show only their public card to non-followers."""
    items, total = await platform.db.read(service.list_profiles,
                                          viewer.user_id if viewer else None, page, q=q,
                                          style_tag=style_tag)
    return ProfileListResponse(profiles=items, pagination=Pagination.build(page, total))


@router.get("/profiles/me", responses=error_responses(Unauthorized, NotFound))
async def my_profile(user: CurrentUser, platform: PlatformDep) -> ProfileResponse:
    """The caller's own profile, private fields included."""
    return ProfileResponse(profile=await platform.db.read(service.get_profile, user.user_id,
                                                          user.user_id))


@router.get("/profiles/{user_id}", responses=error_responses(Unauthorized, NotFound))
async def get_profile(user_id: UserId, viewer: OptionalUser,
                      platform: PlatformDep) -> ProfileResponse:
    """A profile as the caller may see it; blocked either way → 404."""
    return ProfileResponse(profile=await platform.db.read(
        service.get_profile, viewer.user_id if viewer else None, user_id))


@router.post("/profiles", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, Conflict))
async def create_profile(body: ProfileWrite, user: WriterUser,
                         platform: PlatformDep) -> ProfileResponse:
    """Set up the caller's style profile (once; afterwards use PUT)."""
    profile = await platform.db.run(service.create_profile, user.user_id, body)
    return ProfileResponse(profile=profile, message="Profile created")


@router.put("/profiles/me", responses=error_responses(Unauthorized, Forbidden))
async def update_profile(body: ProfileWrite, user: WriterUser,
                         platform: PlatformDep) -> ProfileResponse:
    """Update the caller's profile (only the fields sent)."""
    profile = await platform.db.run(service.update_profile, user.user_id, body)
    return ProfileResponse(profile=profile, message="Profile updated")


router.add_api_route("/profile", my_profile, methods=["GET"], name="profile_alias_get",
                     responses=error_responses(Unauthorized, NotFound),
                     summary="My profile (alias of GET /profiles/me)")
router.add_api_route("/profile", create_profile, methods=["POST"], status_code=201,
                     name="profile_alias_post",
                     responses=error_responses(Unauthorized, Forbidden, Conflict),
                     summary="Set up my profile (alias of POST /profiles)")
router.add_api_route("/profile", update_profile, methods=["PUT"], name="profile_alias_put",
                     responses=error_responses(Unauthorized, Forbidden),
                     summary="Update my profile (alias of PUT /profiles/me)")


# --- follows ----------------------------------------------------------------------------------

async def _limit_follows(platform: Platform, response: Response, user_id: int) -> None:
    await enforce_rate_limit(platform, response, f"follow:u{user_id}",
                             platform.settings.rate_limit_follows_per_hour, 3600,
                             "Too many follows; try again later")


_FOLLOW_ERRORS = error_responses(Unauthorized, Forbidden, InvalidState, NotFound, Conflict,
                                 RateLimited)


@router.post("/connections", status_code=201, responses=_FOLLOW_ERRORS)
async def follow(body: UserRef, user: WriterUser, platform: PlatformDep,
                 response: Response) -> ConnectionResponse:
    """Follow a user; a private account (or one approving followers) gets a pending request."""
    await _limit_follows(platform, response, user.user_id)
    conn = await platform.db.run(service.follow, user.user_id, body.user_id,
                                 rate_limits=platform.settings.rate_limits_enabled)
    message = "Following" if conn.status == "accepted" else "Follow request sent"
    return ConnectionResponse(connection=conn, message=message)


@router.delete("/connections/{user_id}", responses=error_responses(Unauthorized, Forbidden,
                                                                   NotFound))
async def unfollow(user_id: UserId, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Unfollow (or withdraw a pending request)."""
    state = await platform.db.run(service.unfollow, user.user_id, user_id)
    return MessageResponse(message="Unfollowed" if state == "accepted" else "Request withdrawn")


@router.post("/follow", status_code=201, responses=_FOLLOW_ERRORS,
             summary="Follow (alias of POST /connections)")
async def follow_alias(body: UserRef, user: WriterUser, platform: PlatformDep,
                       response: Response) -> ConnectionResponse:
    """Alias of POST /connections kept for the original's clients."""
    return await follow(body, user, platform, response)


@router.post("/unfollow", responses=error_responses(Unauthorized, Forbidden, NotFound),
             summary="Unfollow (alias of DELETE /connections/{user_id})")
async def unfollow_alias(body: UserRef, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Alias of DELETE /connections/{user_id} kept for the original's clients."""
    return await unfollow(body.user_id, user, platform)


@router.get("/followers", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def followers(platform: PlatformDep, viewer: OptionalUser, page: PageDep,
                    user_id: OptionalUserId = None) -> FollowersResponse:
    """The caller's (or `user_id`'s) followers with connection_info; private lists → 403."""
    owner = _owner(viewer, user_id)
    items, total = await platform.db.read(service.list_followers,
                                          viewer.user_id if viewer else None, owner, page)
    return FollowersResponse(followers=items, pagination=Pagination.build(page, total))


@router.get("/following", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def following(platform: PlatformDep, viewer: OptionalUser, page: PageDep,
                    user_id: OptionalUserId = None) -> FollowingResponse:
    """Whom the caller (or `user_id`) follows, with connection_info; private lists → 403."""
    owner = _owner(viewer, user_id)
    items, total = await platform.db.read(service.list_following,
                                          viewer.user_id if viewer else None, owner, page)
    return FollowingResponse(following=items, pagination=Pagination.build(page, total))


def _owner(viewer: object | None, user_id: int | None) -> int:
    if user_id is not None:
        return user_id
    if viewer is None:
        raise Unauthorized("Authentication required", code="not_authenticated")
    return int(viewer.user_id)  # type: ignore[attr-defined]


@router.delete("/followers/{user_id}", responses=error_responses(Unauthorized, Forbidden,
                                                                 NotFound))
async def remove_follower(user_id: UserId, user: WriterUser,
                          platform: PlatformDep) -> MessageResponse:
    """Remove someone from the caller's followers."""
    await platform.db.run(service.remove_follower, user.user_id, user_id)
    return MessageResponse(message="Follower removed")


@router.get("/follow-requests", responses=error_responses(Unauthorized))
async def follow_requests(
    user: CurrentUser, platform: PlatformDep, page: PageDep,
    direction: Literal["incoming", "outgoing"] = "incoming",
) -> FollowRequestsResponse:
    """Pending follow requests to the caller (or sent by the caller)."""
    items, total = await platform.db.read(service.list_follow_requests, user.user_id, page,
                                          direction)
    return FollowRequestsResponse(follow_requests=items, pagination=Pagination.build(page, total))


@router.post("/follow-requests/{request_id}/approve",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def approve_request(request_id: ItemId, user: WriterUser,
                          platform: PlatformDep) -> ConnectionResponse:
    """Accept a pending request addressed to the caller."""
    conn = await platform.db.run(service.approve_request, user.user_id, request_id)
    return ConnectionResponse(connection=conn, message="Request approved")


@router.post("/follow-requests/{request_id}/reject",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def reject_request(request_id: ItemId, user: WriterUser,
                         platform: PlatformDep) -> MessageResponse:
    """Decline a pending request addressed to the caller."""
    await platform.db.run(service.reject_request, user.user_id, request_id)
    return MessageResponse(message="Request declined")


# --- blocks and mutes -------------------------------------------------------------------------

@router.post("/blocks", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, InvalidState, NotFound, Conflict))
async def block(body: UserRef, user: WriterUser, platform: PlatformDep) -> BlockResponse:
    """Block a user: follows both ways end and each side disappears for the other."""
    return BlockResponse(block=await platform.db.run(service.block, user.user_id, body.user_id),
                         message="Blocked")


@router.delete("/blocks/{user_id}", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def unblock(user_id: UserId, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Lift a block (follows are not restored)."""
    await platform.db.run(service.unblock, user.user_id, user_id)
    return MessageResponse(message="Unblocked")


@router.get("/blocks", responses=error_responses(Unauthorized))
async def list_blocks(user: CurrentUser, platform: PlatformDep,
                      page: PageDep) -> RelationListResponse:
    """Accounts the caller blocked."""
    items, total = await platform.db.read(service.list_blocks, user.user_id, page)
    return RelationListResponse(users=items, pagination=Pagination.build(page, total))


@router.post("/mutes", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, InvalidState, NotFound, Conflict))
async def mute(body: UserRef, user: WriterUser, platform: PlatformDep) -> MuteResponse:
    """Mute a user: hidden from the caller's feeds and notifications only."""
    return MuteResponse(mute=await platform.db.run(service.mute, user.user_id, body.user_id),
                        message="Muted")


@router.delete("/mutes/{user_id}", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def unmute(user_id: UserId, user: WriterUser, platform: PlatformDep) -> MessageResponse:
    """Unmute a user."""
    await platform.db.run(service.unmute, user.user_id, user_id)
    return MessageResponse(message="Unmuted")


@router.get("/mutes", responses=error_responses(Unauthorized))
async def list_mutes(user: CurrentUser, platform: PlatformDep,
                     page: PageDep) -> RelationListResponse:
    """Accounts the caller muted."""
    items, total = await platform.db.read(service.list_mutes, user.user_id, page)
    return RelationListResponse(users=items, pagination=Pagination.build(page, total))


# --- compatibility, suggestions, influencers --------------------------------------------------

@router.get("/compatibility/{user_id}",
            responses=error_responses(Unauthorized, Forbidden, InvalidState, NotFound))
async def compatibility(user_id: UserId, user: CurrentUser,
                        platform: PlatformDep) -> CompatibilityResponse:
    """Style compatibility 0–100 with the caller, and the reasons."""
    result = await platform.db.read(service.get_compatibility, user.user_id, user_id)
    return CompatibilityResponse(compatibility=result)


@router.get("/suggestions", responses=error_responses(Unauthorized))
async def suggestions(user: CurrentUser, platform: PlatformDep,
                      limit: Annotated[int, Query(ge=1, le=50)] = 20) -> SuggestionsResponse:
    """Who to follow: style compatibility and friends-of-friends, each with its reason."""
    return SuggestionsResponse(suggestions=await platform.db.read(service.suggestions,
                                                                  user.user_id, limit))


@router.get("/influencers", responses=error_responses(Unauthorized))
async def list_influencers(
    platform: PlatformDep, viewer: OptionalUser, page: PageDep,
    type: Annotated[Literal["style_enthusiast", "fashion_blogger", "brand_ambassador",
                            "celebrity"] | None, Query()] = None,
    expertise: Annotated[Literal["beginner", "intermediate", "expert", "master"] | None,
                         Query()] = None,
) -> InfluencerListResponse:
    """Verified influencers ranked by their computed influence score."""
    items, total = await platform.db.read(influencers.list_influencers,
                                          viewer.user_id if viewer else None, page, type=type,
                                          expertise=expertise)
    return InfluencerListResponse(influencers=items, pagination=Pagination.build(page, total))


@router.get("/influencers/applications", responses=error_responses(Unauthorized, Forbidden))
async def influencer_applications(admin: AdminUser, platform: PlatformDep,
                                  page: PageDep) -> InfluencerListResponse:
    """Pending applications (admin)."""
    items, total = await platform.db.read(influencers.list_influencers, None, page,
                                          status="pending")
    return InfluencerListResponse(influencers=items, pagination=Pagination.build(page, total))


@router.post("/influencers/apply", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, Conflict))
async def apply_influencer(body: InfluencerApply, user: WriterUser,
                           platform: PlatformDep) -> InfluencerResponse:
    """Apply for influencer status; an admin verifies it."""
    return InfluencerResponse(influencer=await platform.db.run(influencers.apply, user.user_id,
                                                               body),
                              message="Application received")


@router.post("/influencers/{influencer_id}/verify",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def verify_influencer(influencer_id: ItemId, admin: AdminUser, platform: PlatformDep,
                            body: InfluencerVerify | None = None) -> InfluencerResponse:
    """Verify (or reject) an application (admin)."""
    result = await platform.db.run(influencers.verify, admin.user_id, influencer_id,
                                   body or InfluencerVerify())
    return InfluencerResponse(influencer=result,
                              message=f"Application {result.verification_status}")


# --- notifications and activities -------------------------------------------------------------

@router.get("/notifications", responses=error_responses(Unauthorized))
async def list_notifications(user: CurrentUser, platform: PlatformDep, page: PageDep,
                             unread_only: bool = False) -> NotificationListResponse:
    """The caller's notifications, newest first, grouped per target."""
    items, total, unread = await platform.db.read(notifications.list_notifications,
                                                  user.user_id, page, unread_only)
    return NotificationListResponse(notifications=items, unread_count=unread,
                                    pagination=Pagination.build(page, total))


@router.get("/notifications/unread-count", responses=error_responses(Unauthorized))
async def unread_count(user: CurrentUser, platform: PlatformDep) -> UnreadCountResponse:
    """How many notifications are unread."""
    return UnreadCountResponse(unread_count=await platform.db.read(notifications.unread_count,
                                                                   user.user_id))


@router.post("/notifications/read-all", responses=error_responses(Unauthorized, Forbidden))
async def read_all(user: WriterUser, platform: PlatformDep) -> ReadAllResponse:
    """Mark every notification read."""
    updated = await platform.db.run(notifications.mark_all_read, user.user_id)
    return ReadAllResponse(updated=updated, message="All notifications read")


@router.get("/notifications/preferences", responses=error_responses(Unauthorized))
async def get_preferences(user: CurrentUser, platform: PlatformDep) -> PreferencesResponse:
    """Per-type switches (every type is on unless turned off)."""
    return PreferencesResponse(preferences=await platform.db.read(notifications.get_preferences,
                                                                  user.user_id))


@router.put("/notifications/preferences", responses=error_responses(Unauthorized, Forbidden))
async def set_preferences(body: NotificationPreferences, user: WriterUser,
                          platform: PlatformDep) -> PreferencesResponse:
    """Turn notification types on or off."""
    prefs = await platform.db.run(notifications.set_preferences, user.user_id, body.preferences)
    return PreferencesResponse(preferences=prefs, message="Preferences saved")


@router.post("/notifications/{notification_id}/read",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def read_one(notification_id: ItemId, user: WriterUser,
                   platform: PlatformDep) -> NotificationResponse:
    """Mark one of the caller's notifications read."""
    note = await platform.db.run(notifications.mark_read, user.user_id, notification_id)
    return NotificationResponse(notification=note, message="Notification read")


@router.delete("/notifications/{notification_id}",
               responses=error_responses(Unauthorized, Forbidden, NotFound))
async def delete_notification(notification_id: ItemId, user: WriterUser,
                              platform: PlatformDep) -> MessageResponse:
    """Delete one of the caller's notifications."""
    await platform.db.run(notifications.delete_notification, user.user_id, notification_id)
    return MessageResponse(message="Notification deleted")


@router.get("/activities", responses=error_responses(Unauthorized))
async def list_activities(
    user: CurrentUser, platform: PlatformDep, page: PageDep,
    type: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[datetime | None, Query(description="ISO-8601; only newer entries")] = None,
) -> ActivityListResponse:
    """The caller's own activity log (filters: type, since)."""
    items, total = await platform.db.read(activities.list_activities, user.user_id, page,
                                          type=type, since=since)
    return ActivityListResponse(activities=items, pagination=Pagination.build(page, total))
