from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tanvi_social.core.responses import Envelope


class StreamTicket(BaseModel):
    ticket: str
    expires_in: int = Field(description="Seconds the ticket stays valid; it can be used once")


class StreamTicketResponse(Envelope):
    ticket: StreamTicket


class StreamStats(BaseModel):
    connections: int
    users: int
    topics: int
    buffers: int
    last_event_id: int
    delivered: int
    dropped_slow: int
    events: int
    opened: int
    pubsub_backend: str
    events_received: int


class StreamStatsResponse(Envelope):
    stats: StreamStats


# -- Web Push -------------------------------------------------------------------------------
class PushKeys(BaseModel):
    p256dh: str = Field(min_length=16, max_length=200)
    auth: str = Field(min_length=8, max_length=100)


class PushSubscriptionIn(BaseModel):
    """The browser's `PushSubscription.toJSON()`, plus the notification types to push."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=8, max_length=1000, pattern=r"^https?://[^/\s?#]+")
    keys: PushKeys
    expirationTime: int | None = Field(default=None, ge=0, le=2**53)
    types: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,39}$")]] | None = Field(
        default=None, max_length=50,
        description="Notification types to push (e.g. like, comment, follow); omitted = all")


class PushUnsubscribeIn(BaseModel):
    endpoint: str = Field(min_length=8, max_length=1000)


class PushSubscriptionRead(BaseModel):
    id: int
    endpoint: str
    types: list[str] | None
    created_at: Any


class PushSubscriptionResponse(Envelope):
    subscription: PushSubscriptionRead


class VapidKey(BaseModel):
    public_key: str = Field(description="applicationServerKey for PushManager.subscribe "
                                        "(base64url, uncompressed P-256 point)")


class VapidKeyResponse(Envelope):
    vapid: VapidKey
