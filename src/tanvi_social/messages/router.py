"""`/api/messages`: conversations, group membership, message requests, history, receipts,
typing, unsend."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from tanvi_social.accounts.deps import CurrentUser, WriterUser
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, Unauthorized
from tanvi_social.core.pagination import CursorLimitDep, PageDep
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.messages import service
from tanvi_social.messages.schemas import (
    ConversationCreate,
    ConversationListResponse,
    ConversationResponse,
    ConversationUpdate,
    DmPage,
    DmResponse,
    MessageCreate,
    ParticipantsAdd,
    ReadReceiptResponse,
    UnreadCountResponse,
)

router = APIRouter(prefix="/api/messages", tags=["messages"])

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
WRITE_ERRORS = (Unauthorized, Forbidden, NotFound, InvalidState)


@router.get("/conversations", responses=error_responses(Unauthorized))
async def list_conversations(user: CurrentUser, platform: PlatformDep,
                             params: PageDep) -> ConversationListResponse:
    """Your accepted conversations, most recent first (requests are under /requests)."""
    items, pagination = await platform.db.read(service.list_conversations, user.user_id, params)
    return ConversationListResponse(conversations=items, pagination=pagination)


@router.post("/conversations", status_code=201,
             responses={200: {"model": ConversationResponse,
                              "description": "The existing one-to-one conversation"},
                        **error_responses(*WRITE_ERRORS)})
async def create_conversation(body: ConversationCreate, response: Response, user: WriterUser,
                              platform: PlatformDep) -> ConversationResponse:
    """Start a one-to-one (reused if it exists: 200) or group conversation (at most 20 people).

    People who do not follow you get it as a message request.
    """
    conversation, created = await platform.db.run(service.create_conversation, user.user_id,
                                                  body)
    if not created:
        response.status_code = 200
    return ConversationResponse(conversation=conversation,
                                message="Conversation started" if created else "Conversation")


@router.get("/conversations/{conversation_id}",
            responses=error_responses(Unauthorized, NotFound))
async def get_conversation(conversation_id: IdPath, user: CurrentUser,
                           platform: PlatformDep) -> ConversationResponse:
    """A conversation you take part in (anyone else gets 404)."""
    conversation = await platform.db.read(service.get_conversation, user.user_id,
                                          user.is_moderator, conversation_id)
    return ConversationResponse(conversation=conversation)


@router.patch("/conversations/{conversation_id}", responses=error_responses(*WRITE_ERRORS))
async def rename_conversation(conversation_id: IdPath, body: ConversationUpdate,
                              user: WriterUser, platform: PlatformDep) -> ConversationResponse:
    """Rename a group (`title: null` or blank removes the name); any active participant may.

    One-to-one conversations have no name (400 `not_a_group`).
    """
    conversation = await platform.db.run(service.rename_conversation, user.user_id,
                                         conversation_id, body)
    return ConversationResponse(conversation=conversation, message="Group renamed")


@router.post("/conversations/{conversation_id}/participants",
             responses=error_responses(*WRITE_ERRORS, Conflict))
async def add_participants(conversation_id: IdPath, body: ParticipantsAdd, user: WriterUser,
                           platform: PlatformDep) -> ConversationResponse:
    """Add people to a group; any active participant may add anyone they may message.

    No block either way with you (403 `blocked`); people who do not follow you get the group as
    a message request; they see only messages sent after they join. At most 20 people
    (409 `group_full`); someone already in it is a 409 `already_participant`.
    """
    conversation = await platform.db.run(service.add_participants, user.user_id,
                                         conversation_id, body)
    return ConversationResponse(conversation=conversation, message="Added to the group")


@router.delete("/conversations/{conversation_id}/participants/{user_id}",
               responses=error_responses(*WRITE_ERRORS))
async def remove_participant(conversation_id: IdPath, user_id: IdPath, user: WriterUser,
                             platform: PlatformDep) -> ConversationResponse:
    """Remove someone from a group: only its admin (`admin_id`, the creator) may (else 403).

    They can no longer read or send in it (404). To leave yourself, use /leave.
    """
    conversation = await platform.db.run(service.remove_participant, user.user_id,
                                         conversation_id, user_id)
    return ConversationResponse(conversation=conversation, message="Removed from the group")


@router.post("/conversations/{conversation_id}/leave", responses=error_responses(*WRITE_ERRORS))
async def leave_conversation(conversation_id: IdPath, user: WriterUser,
                             platform: PlatformDep) -> MessageResponse:
    """Leave a group. If you were its admin, the longest-standing member takes over; the last
    one to leave ends the group."""
    await platform.db.run(service.leave_conversation, user.user_id, conversation_id)
    return MessageResponse(message="You left the group")


@router.get("/conversations/{conversation_id}/messages",
            responses=error_responses(Unauthorized, NotFound))
async def list_messages(conversation_id: IdPath, user: CurrentUser, platform: PlatformDep,
                        limit: CursorLimitDep,
                        cursor: Annotated[str | None, Query(max_length=200)] = None) -> DmPage:
    """History, newest first; pass `next_cursor` back as `cursor` for older messages."""
    dms, next_cursor = await platform.db.read(service.list_messages, user.user_id,
                                              user.is_moderator, conversation_id, cursor, limit)
    return DmPage(dms=dms, next_cursor=next_cursor)


@router.post("/conversations/{conversation_id}/messages", status_code=201,
             responses=error_responses(*WRITE_ERRORS))
async def send_message(conversation_id: IdPath, body: MessageCreate, user: WriterUser,
                       platform: PlatformDep) -> DmResponse:
    """Send text, a post you can see (`post_id`) and/or your uploaded image (`media_id`)."""
    dm = await platform.db.run(service.send_message, user.user_id, conversation_id, body)
    return DmResponse(dm=dm, message="Sent")


@router.post("/conversations/{conversation_id}/read",
             responses=error_responses(Unauthorized, Forbidden, NotFound))
async def mark_read(conversation_id: IdPath, user: WriterUser,
                    platform: PlatformDep) -> ReadReceiptResponse:
    """Mark everything in the conversation read (a read receipt for the others)."""
    receipt = await platform.db.run(service.mark_read, user.user_id, conversation_id)
    return ReadReceiptResponse(receipt=receipt)


@router.post("/conversations/{conversation_id}/typing",
             responses=error_responses(*WRITE_ERRORS))
async def typing(conversation_id: IdPath, user: WriterUser,
                 platform: PlatformDep) -> MessageResponse:
    """Tell the others you are typing (delivered as `message.typing` on the real-time stream)."""
    await platform.db.run(service.typing, user.user_id, conversation_id)
    return MessageResponse(message="Typing")


@router.delete("/messages/{message_id}", responses=error_responses(*WRITE_ERRORS, Conflict))
async def delete_message(
    message_id: IdPath, user: WriterUser, platform: PlatformDep,
    scope: Annotated[Literal["me", "everyone"], Query(alias="for")] = "me",
) -> MessageResponse:
    """`for=me` hides it for you; `for=everyone` unsends your message within 15 minutes."""
    await platform.db.run(service.delete_message, user.user_id, message_id, scope)
    return MessageResponse(message="Unsent" if scope == "everyone" else "Deleted for you")


@router.get("/requests", responses=error_responses(Unauthorized))
async def list_requests(user: CurrentUser, platform: PlatformDep,
                        params: PageDep) -> ConversationListResponse:
    """Message requests from people you do not follow."""
    items, pagination = await platform.db.read(service.list_requests, user.user_id, params)
    return ConversationListResponse(conversations=items, pagination=pagination)


@router.post("/requests/{conversation_id}/accept", responses=error_responses(*WRITE_ERRORS))
async def accept_request(conversation_id: IdPath, user: WriterUser,
                         platform: PlatformDep) -> ConversationResponse:
    """Accept a message request: it moves to your conversations."""
    conversation = await platform.db.run(service.answer_request, user.user_id, conversation_id,
                                         True)
    return ConversationResponse(conversation=conversation, message="Request accepted")


@router.post("/requests/{conversation_id}/decline", responses=error_responses(*WRITE_ERRORS))
async def decline_request(conversation_id: IdPath, user: WriterUser,
                          platform: PlatformDep) -> ConversationResponse:
    """Decline a message request: the sender cannot message you in it any more."""
    conversation = await platform.db.run(service.answer_request, user.user_id, conversation_id,
                                         False)
    return ConversationResponse(conversation=conversation, message="Request declined")


@router.get("/unread-count", responses=error_responses(Unauthorized))
async def unread_count(user: CurrentUser, platform: PlatformDep) -> UnreadCountResponse:
    """Unread messages and conversations, and pending requests."""
    counts = await platform.db.read(service.unread_counts, user.user_id)
    return UnreadCountResponse(unread=counts)
