"""GDPR: the user's conversations and sent messages. On erasure the other participants keep their
copies, shown as from a deleted user (`sender_id` NULL, `sender_deleted` true), and system
messages stop naming them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, delete, exists, select, update
from sqlalchemy.orm import Session

from tanvi_social.core import gdpr
from tanvi_social.messages.models import Conversation, Message, MessageHide, Participant


def export(session: Session, user_id: int) -> dict[str, Any]:
    conversation_ids = list(session.scalars(select(Participant.conversation_id)
                                            .where(Participant.user_id == user_id)))
    conversations = list(session.scalars(select(Conversation).where(
        Conversation.id.in_(conversation_ids)).order_by(Conversation.id))) if conversation_ids \
        else []
    return {
        "conversations": [{"id": c.id, "kind": c.kind, "title": c.title,
                           "created_at": c.created_at.isoformat()} for c in conversations],
        "messages_sent": [
            {"id": m.id, "conversation_id": m.conversation_id, "body": m.body,
             "post_id": m.post_id, "media_id": m.media_id,
             "unsent": m.unsent_at is not None, "created_at": m.created_at.isoformat()}
            for m in session.scalars(select(Message).where(Message.sender_id == user_id)
                                     .order_by(Message.id))],
    }


def erase(session: Session, user_id: int) -> None:
    conversation_ids = list(session.scalars(select(Participant.conversation_id)
                                            .where(Participant.user_id == user_id)))
    session.execute(update(Message).where(Message.sender_id == user_id)
                    .values(sender_id=None, sender_deleted=True))
    session.execute(delete(MessageHide).where(MessageHide.user_id == user_id))
    session.execute(delete(Participant).where(Participant.user_id == user_id))
    # System messages ("mia added zoe") forget the user, also in groups they had left: a reused
    # id must never be named.
    for message in session.scalars(select(Message).where(
            Message.event.is_not(None), cast(Message.event, String).like(f"%{user_id}%"))):
        event = dict(message.event or {})
        ids = event.get("user_ids") or []
        if event.get("actor_id") != user_id and user_id not in ids:
            continue
        event["actor_id"] = None if event.get("actor_id") == user_id else event.get("actor_id")
        event["user_ids"] = [i for i in ids if i != user_id]
        message.event = event
    session.flush()
    if conversation_ids:
        # A new account must never inherit a one-to-one conversation through a reused id.
        session.execute(update(Conversation).where(Conversation.id.in_(conversation_ids))
                        .values(direct_key=None))
        nobody_left = ~exists(select(Participant.id).where(
            Participant.conversation_id == Conversation.id))
        session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids),
                                                   nobody_left))


gdpr.register("messages", export=export, erase=erase, order=40)
