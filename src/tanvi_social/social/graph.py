"""Read-only questions about the social graph, for every domain's permission checks.

Other domains ask these (never query `connections`/`blocks`/`mutes` themselves).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tanvi_social.social.models import Block, Connection, ConnectionState, Mute


def is_following(session: Session, follower_id: int, target_id: int) -> bool:
    """An accepted follow (a pending request is not a follow)."""
    return session.scalar(
        select(Connection.id).where(Connection.follower_id == follower_id,
                                    Connection.target_id == target_id,
                                    Connection.state == ConnectionState.ACCEPTED.value)
    ) is not None


def blocked_either_way(session: Session, a: int, b: int) -> bool:
    if a == b:
        return False
    return session.scalar(
        select(Block.id).where(or_(
            (Block.blocker_id == a) & (Block.blocked_id == b),
            (Block.blocker_id == b) & (Block.blocked_id == a),
        )).limit(1)
    ) is not None


def blocked_ids(session: Session, user_id: int) -> set[int]:
    """Everyone the user blocked or was blocked by: hidden from each other everywhere."""
    out = set(session.scalars(select(Block.blocked_id).where(Block.blocker_id == user_id)))
    out |= set(session.scalars(select(Block.blocker_id).where(Block.blocked_id == user_id)))
    return out


def muted_ids(session: Session, user_id: int) -> set[int]:
    """Accounts the user muted: hidden from the user's feeds and notifications only."""
    return set(session.scalars(select(Mute.muted_id).where(Mute.muter_id == user_id)))


def following_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Connection.target_id).where(
        Connection.follower_id == user_id, Connection.state == ConnectionState.ACCEPTED.value)))


def follower_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Connection.follower_id).where(
        Connection.target_id == user_id, Connection.state == ConnectionState.ACCEPTED.value)))
