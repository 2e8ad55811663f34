"""Community domain events (published after commit; realtime relays them by `name`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RSVPChanged(DomainEvent):
    """Someone's RSVP changed (or a waitlisted RSVP was promoted); `counts` are the new totals."""

    name: str = field(default="event.rsvp", init=False)
    event_id: int
    user_id: int
    response: str | None = None
    status: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class EventCancelled(DomainEvent):
    name: str = field(default="event.cancelled", init=False)
    event_id: int
    organizer_id: int


@dataclass(frozen=True, kw_only=True)
class MembershipChanged(DomainEvent):
    """Join, leave, approval, ban or role change in a community."""

    name: str = field(default="community.membership", init=False)
    community_id: int
    user_id: int
    action: str
    members_count: int
