from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MessageSent(DomainEvent):
    """A new message; realtime delivers `message` to every id in `participant_ids`."""

    name: str = field(default="message.sent", init=False)
    conversation_id: int
    participant_ids: list[int]
    message: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class MessageTyping(DomainEvent):
    name: str = field(default="message.typing", init=False)
    conversation_id: int
    user_id: int
    participant_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class MessagesRead(DomainEvent):
    """A read receipt: `user_id` has read up to `last_read_message_id`."""

    name: str = field(default="message.read", init=False)
    conversation_id: int
    user_id: int
    last_read_message_id: int | None
    participant_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class MessageUnsent(DomainEvent):
    name: str = field(default="message.unsent", init=False)
    conversation_id: int
    message_id: int
    participant_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class ConversationUpdated(DomainEvent):
    """A group's members or name changed; realtime delivers it to every id in `participant_ids`
    (the members after the change and whoever was removed or left). `message` is the system
    message that records it in the history."""

    name: str = field(default="conversation.updated", init=False)
    conversation_id: int
    change: str  # added | removed | left | renamed
    actor_id: int
    user_ids: list[int]
    title: str | None
    participant_ids: list[int]
    message: dict[str, Any] | None
