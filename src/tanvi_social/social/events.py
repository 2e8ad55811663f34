from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class NotificationCreated(DomainEvent):
    """Published after commit; the realtime streams and web push deliver it."""

    name: str = field(default="notification.created", init=False)
    notification_id: int
    recipient_id: int
    type: str
    payload: dict[str, Any] = field(default_factory=dict)
