"""Demo conversations between the seeded people (a few one-to-ones, one group, one request)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import AppError
from tanvi_social.messages import service
from tanvi_social.messages.models import Conversation
from tanvi_social.messages.schemas import ConversationCreate, MessageCreate

LINES = [
    "Where did you get that linen blazer?", "Vintage market on Saturday, want to come?",
    "That sage colour is perfect on you", "Do you think loafers work with the midi skirt?",
    "Yes! Keep the belt thin though", "Sending you the brand link later",
    "Obsessed with your last post", "Thanks! It took three tries to get the light right",
    "Are you going to the capsule wardrobe meetup?", "Only if you help me pick shoes",
]


def seed(session: Session, ctx: Any) -> int:
    if session.scalar(select(Conversation.id).limit(1)) is not None:
        return 0
    ids: list[int] = list(ctx.data.get("user_ids") or session.scalars(
        select(User.id).where(User.is_active).order_by(User.id).limit(40)))
    if len(ids) < 4:
        return 0
    rng = ctx.rng
    added = 0
    pairs = {tuple(sorted(rng.sample(ids, 2))) for _ in range(8)}
    for a, b in sorted(pairs):
        try:  # seeded blocks between the pair refuse the conversation
            conv, _ = service.create_conversation(session, a,
                                                  ConversationCreate(participant_ids=[b]))
            sender = a
            for _ in range(rng.randint(2, 6)):
                service.send_message(session, sender, conv.id,
                                     MessageCreate(body=rng.choice(LINES)))
                added += 1
                if rng.random() < 0.7:
                    sender = b if sender == a else a
            if rng.random() < 0.5:
                service.mark_read(session, b, conv.id)
        except AppError:
            continue
    members = rng.sample(ids, min(5, len(ids)))
    try:
        group, _ = service.create_conversation(session, members[0], ConversationCreate(
            participant_ids=members[1:], title="Weekend outfit planning"))
    except AppError:
        return added
    for member in members:
        service.send_message(session, member, group.id, MessageCreate(body=rng.choice(LINES)))
        added += 1
    return added
