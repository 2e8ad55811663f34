"""GDPR export and erasure of the social domain (profile, graph, notifications, activity)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tanvi_social.core import gdpr
from tanvi_social.social import activities, notifications
from tanvi_social.social.models import (
    Block,
    Connection,
    ConnectionState,
    Influencer,
    Mute,
    Notification,
    NotificationPreference,
    Profile,
)

ACCEPTED = ConnectionState.ACCEPTED.value


def export(session: Session, user_id: int) -> dict[str, Any]:
    """Everything the social domain holds about the user."""
    profile = session.get(Profile, user_id)
    prof: dict[str, Any] | None = None
    if profile is not None:
        prof = {c.name: getattr(profile, c.name) for c in Profile.__table__.columns}
        for key in ("created_at", "updated_at"):
            prof[key] = prof[key].isoformat() if prof[key] else None

    def edges(where: Any, other: Any) -> list[dict[str, Any]]:
        return [{"user_id": uid, "status": state, "since": created.isoformat()}
                for uid, state, created in session.execute(
                    select(other, Connection.state, Connection.created_at).where(where)
                    .order_by(Connection.id))]

    influencer = session.scalar(select(Influencer).where(Influencer.user_id == user_id))
    return {
        "profile": prof,
        "following": edges(Connection.follower_id == user_id, Connection.target_id),
        "followers": edges(Connection.target_id == user_id, Connection.follower_id),
        "blocks": [{"user_id": uid, "since": t.isoformat()} for uid, t in session.execute(
            select(Block.blocked_id, Block.created_at).where(Block.blocker_id == user_id))],
        "mutes": [{"user_id": uid, "since": t.isoformat()} for uid, t in session.execute(
            select(Mute.muted_id, Mute.created_at).where(Mute.muter_id == user_id))],
        "notifications": [
            {"type": n.type, "actor_id": n.actor_id, "actor_count": n.actor_count,
             "target_type": n.target_type, "target_id": n.target_id, "data": n.data,
             "is_read": n.is_read, "created_at": n.created_at.isoformat()}
            for n in session.scalars(select(Notification).where(
                Notification.recipient_id == user_id).order_by(Notification.id))],
        "notification_preferences": notifications.get_preferences(session, user_id),
        "activities": activities.export_activities(session, user_id),
        "influencer": None if influencer is None else {
            "influencer_type": influencer.influencer_type,
            "expertise_level": influencer.expertise_level,
            "style_specialties": influencer.style_specialties,
            "verification_status": influencer.verification_status,
            "statement": influencer.statement,
        },
    }


def erase(session: Session, user_id: int) -> None:
    """Remove the user's social data; everyone they followed or who followed them keeps exact
    counts."""
    followed = select(Connection.target_id).where(Connection.follower_id == user_id,
                                                  Connection.state == ACCEPTED)
    followers = select(Connection.follower_id).where(Connection.target_id == user_id,
                                                     Connection.state == ACCEPTED)
    session.execute(update(Profile).where(Profile.user_id.in_(followed))
                    .values(followers_count=Profile.followers_count - 1)
                    .execution_options(synchronize_session=False))
    session.execute(update(Profile).where(Profile.user_id.in_(followers))
                    .values(following_count=Profile.following_count - 1)
                    .execution_options(synchronize_session=False))
    session.execute(delete(Connection).where(or_(Connection.follower_id == user_id,
                                                 Connection.target_id == user_id)))
    session.execute(delete(Block).where(or_(Block.blocker_id == user_id,
                                            Block.blocked_id == user_id)))
    session.execute(delete(Mute).where(or_(Mute.muter_id == user_id, Mute.muted_id == user_id)))
    notifications.erase_actor(session, user_id)
    session.execute(delete(NotificationPreference).where(
        NotificationPreference.user_id == user_id))
    activities.erase_activities(session, user_id)
    session.execute(update(Influencer).where(Influencer.verified_by == user_id)
                    .values(verified_by=None))
    session.execute(delete(Influencer).where(Influencer.user_id == user_id))
    session.execute(delete(Profile).where(Profile.user_id == user_id))
    session.flush()


gdpr.register("social", export=export, erase=erase, order=50)
