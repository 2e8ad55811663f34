from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tanvi_social.core.pagination import Pagination
from tanvi_social.core.responses import Envelope
from tanvi_social.social.cards import AuthorCard

MAX_GROUP_SIZE = 20
MAX_BODY = 2000
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_ids: list[DbId] = Field(min_length=1, max_length=MAX_GROUP_SIZE - 1,
                                        description="The other people (you are added)")
    title: str | None = Field(default=None, max_length=100, description="Groups only")


class ParticipantsAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_ids: list[DbId] = Field(min_length=1, max_length=MAX_GROUP_SIZE - 1,
                                 description="People to add to the group")


class ConversationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(max_length=100,
                              description="The group's new name; null or blank removes it")


class MessageCreate(BaseModel):
    """Text, a shared post and/or an image: at least one of them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["body"], "properties": {"body": {"type": "string", "pattern": r"\S"}}},
        {"required": ["post_id"], "properties": {"post_id": {"type": "integer"}}},
        {"required": ["media_id"], "properties": {"media_id": {"type": "integer"}}},
    ]})

    body: str | None = Field(default=None, max_length=MAX_BODY, pattern=r"\S")
    post_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    media_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _not_empty(self) -> MessageCreate:
        if not (self.body and self.body.strip()) and self.post_id is None \
                and self.media_id is None:
            raise ValueError("A message needs text, a post or an image")
        return self


class SharedMedia(BaseModel):
    id: int
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    alt_text: str | None = None
    urls: dict[str, str] = Field(default_factory=dict)


class SystemEvent(BaseModel):
    """What a system message records: a membership change or a rename."""

    action: Literal["added", "removed", "left", "renamed"]
    actor_id: int | None = Field(description="Who did it (null: an erased account)")
    user_ids: list[int] = Field(default_factory=list, description="Who was added or removed")
    title: str | None = Field(default=None, description="The new name (renamed)")


class DmRead(BaseModel):
    id: int
    kind: Literal["user", "system"] = Field(
        default="user", description="`system`: a membership change, `body` says what happened")
    event: SystemEvent | None = None
    conversation_id: int
    sender_id: int | None
    sender: AuthorCard | None
    sender_deleted: bool
    body: str | None
    post_id: int | None
    post_available: bool | None = Field(
        default=None, description="Whether you can see the shared post (null: none shared)")
    media: SharedMedia | None
    is_unsent: bool
    moderation_state: str
    is_mine: bool
    read_by: list[int]
    created_at: datetime


class ParticipantRead(BaseModel):
    user: AuthorCard
    status: Literal["active", "request", "declined"]
    last_read_message_id: int | None


class ConversationRead(BaseModel):
    id: int
    kind: Literal["direct", "group"]
    title: str | None
    created_by: int | None
    admin_id: int | None = Field(
        default=None, description="Groups: who may remove people (the creator while a member, "
                                  "else the longest-standing member); null for one-to-one")
    participants: list[ParticipantRead]
    my_status: Literal["active", "request", "declined"] | None
    unread_count: int
    last_message: DmRead | None
    last_message_at: datetime | None
    created_at: datetime


class ConversationResponse(Envelope):
    conversation: ConversationRead


class ConversationListResponse(Envelope):
    conversations: list[ConversationRead]
    pagination: Pagination


class DmResponse(Envelope):
    dm: DmRead


class DmPage(Envelope):
    dms: list[DmRead]
    next_cursor: str | None


class ReadReceipt(BaseModel):
    conversation_id: int
    last_read_message_id: int | None
    unread_count: int


class ReadReceiptResponse(Envelope):
    receipt: ReadReceipt


class UnreadCounts(BaseModel):
    messages: int = Field(description="Unread messages in accepted conversations")
    conversations: int = Field(description="Accepted conversations with unread messages")
    requests: int = Field(description="Pending message requests")


class UnreadCountResponse(Envelope):
    unread: UnreadCounts
