"""Export and erasure of a user's push subscriptions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tanvi_social.core import gdpr
from tanvi_social.realtime.models import PushSubscription


def export(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id))
    return [{"endpoint": r.endpoint, "types": r.types, "created_at": r.created_at.isoformat()}
            for r in rows]


def erase(session: Session, user_id: int) -> None:
    session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))


gdpr.register("push_subscriptions", export=export, erase=erase, order=20)
