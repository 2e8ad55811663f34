"""`/api/moderation`: reports, the review queue, the audit log, appeals, word filters;
`/api/social/muted-words`: a user's own muted words."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from tanvi_social.accounts.deps import CurrentUser, ModeratorUser, WriterUser
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unauthorized
from tanvi_social.core.pagination import PageDep
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.moderation import muted, service
from tanvi_social.moderation.schemas import (
    AppealCreate,
    AppealResponse,
    AssignRequest,
    AuditLogResponse,
    FilterCreate,
    FilterListResponse,
    FilterResponse,
    MutedWordCreate,
    MutedWordListResponse,
    MutedWordResponse,
    QueueItemResponse,
    QueueListResponse,
    ReportCreate,
    ReportResponse,
    ResolveRequest,
    TargetKind,
)

router = APIRouter(prefix="/api/moderation", tags=["moderation"])
muted_router = APIRouter(prefix="/api/social/muted-words", tags=["moderation"])
extra_routers = [muted_router]

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
STAFF = error_responses(Unauthorized, Forbidden)


@router.post("/reports", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidState))
async def create_report(body: ReportCreate, user: WriterUser,
                        platform: PlatformDep) -> ReportResponse:
    """Report a post, comment, profile, community, event or message."""
    report = await platform.db.run(service.create_report, user.user_id, body)
    return ReportResponse(report=report, message="Thanks, a moderator will review it")


@router.get("/queue", responses=STAFF)
async def list_queue(
    user: ModeratorUser, platform: PlatformDep, params: PageDep,
    status: Literal["open", "resolved", "all"] = "open",
    target_type: TargetKind | None = None,
    source: Literal["report", "filter", "spam", "appeal", "system"] | None = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    unassigned: bool = False,
) -> QueueListResponse:
    """The review queue (moderators and admins), filterable; most reported first."""
    items, pagination = await platform.db.read(
        service.list_queue, params, status=None if status == "all" else status,
        target_type=target_type, source=source, assignee_id=assignee_id, unassigned=unassigned)
    return QueueListResponse(items=items, pagination=pagination)


@router.get("/queue/{item_id}", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def get_queue_item(item_id: IdPath, user: ModeratorUser,
                         platform: PlatformDep) -> QueueItemResponse:
    """One queue item with its report reasons."""
    item = await platform.db.read(service.get_queue_item, item_id)
    return QueueItemResponse(item=item)


@router.post("/queue/{item_id}/assign",
             responses=error_responses(Unauthorized, Forbidden, NotFound, InvalidState))
async def assign(item_id: IdPath, user: ModeratorUser, platform: PlatformDep,
                 body: AssignRequest | None = None) -> QueueItemResponse:
    """Assign an open item to a moderator (the caller when no `assignee_id` is given)."""
    assignee = body.assignee_id if body is not None else None
    item = await platform.db.run(service.assign, user.user_id, item_id, assignee)
    return QueueItemResponse(item=item, message="Assigned")


@router.post("/queue/{item_id}/resolve",
             responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict,
                                       InvalidState))
async def resolve(item_id: IdPath, body: ResolveRequest, user: ModeratorUser,
                  platform: PlatformDep) -> QueueItemResponse:
    """Resolve with approve|dismiss|hide|remove|warn|suspend (`until`)|ban; audited."""
    item = await platform.db.run(service.resolve, user.user_id, user.role, item_id, body)
    return QueueItemResponse(item=item, message=f"Resolved: {body.action}")


@router.get("/audit-log", responses=STAFF)
async def audit_log(
    user: ModeratorUser, platform: PlatformDep, params: PageDep,
    actor_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    target_type: TargetKind | None = None,
    target_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    subject_user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> AuditLogResponse:
    """Every moderation action with who did it and why, newest first."""
    entries, pagination = await platform.db.read(
        service.list_audit_log, params, actor_id=actor_id, action=action,
        target_type=target_type, target_id=target_id, subject_user_id=subject_user_id)
    return AuditLogResponse(entries=entries, pagination=pagination)


@router.post("/appeals", status_code=201,
             responses=error_responses(Unauthorized, NotFound, Conflict, InvalidState))
async def create_appeal(body: AppealCreate, user: CurrentUser,
                        platform: PlatformDep) -> AppealResponse:
    """Contest a decision against you (suspended accounts may appeal); it returns to the queue."""
    appeal = await platform.db.run(service.create_appeal, user.user_id, body)
    return AppealResponse(appeal=appeal, message="Appeal received")


@router.get("/filters", responses=STAFF)
async def list_filters(user: ModeratorUser, platform: PlatformDep,
                       params: PageDep) -> FilterListResponse:
    """The word list."""
    filters, pagination = await platform.db.read(service.list_filters, params)
    return FilterListResponse(filters=filters, pagination=pagination)


@router.post("/filters", status_code=201,
             responses=error_responses(Unauthorized, Forbidden, Conflict))
async def create_filter(body: FilterCreate, user: ModeratorUser,
                        platform: PlatformDep) -> FilterResponse:
    """Add a word or phrase: `hold` sends matches to review, `reject` refuses them."""
    rule = await platform.db.run(service.create_filter, user.user_id, body)
    return FilterResponse(filter=rule, message="Filter added")


@router.delete("/filters/{filter_id}",
               responses=error_responses(Unauthorized, Forbidden, NotFound))
async def delete_filter(filter_id: IdPath, user: ModeratorUser,
                        platform: PlatformDep) -> MessageResponse:
    """Remove a word from the list."""
    await platform.db.run(service.delete_filter, user.user_id, filter_id)
    return MessageResponse(message="Filter removed")


@muted_router.get("", responses=error_responses(Unauthorized))
async def list_muted_words(user: CurrentUser, platform: PlatformDep) -> MutedWordListResponse:
    """Your muted words (hidden from your feeds and notifications)."""
    words = await platform.db.read(muted.list_muted_words, user.user_id)
    return MutedWordListResponse(muted_words=words)


@muted_router.post("", status_code=201,
                   responses=error_responses(Unauthorized, Forbidden, Conflict, InvalidState))
async def add_muted_word(body: MutedWordCreate, user: WriterUser,
                         platform: PlatformDep) -> MutedWordResponse:
    """Mute a word or phrase."""
    word = await platform.db.run(muted.add_muted_word, user.user_id, body)
    return MutedWordResponse(muted_word=word, message="Muted")


@muted_router.delete("/{word_id}", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def remove_muted_word(word_id: IdPath, user: WriterUser,
                            platform: PlatformDep) -> MessageResponse:
    """Unmute a word."""
    await platform.db.run(muted.remove_muted_word, user.user_id, word_id)
    return MessageResponse(message="Unmuted")
