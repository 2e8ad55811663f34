"""Read-only questions about the social graph, for every domain's permission checks.

Other domains ask these (never query `connections`/`blocks`/`mutes` themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from tanvi_social.social.models import Block, Connection, ConnectionState, Mute, Profile


@dataclass(frozen=True)
class Relation:
    """What a viewer's access to an author's content depends on, read in one statement."""

    blocked: bool  # either way
    following: bool  # an accepted follow of the author by the viewer
    author_public: bool  # the author's profile is public (or has no profile row)


def relation(session: Session, viewer_id: int, author_id: int) -> Relation:
    """Block (either way), follow and the author's profile visibility in one round trip."""
    blocked = exists(select(Block.id).where(or_(
        (Block.blocker_id == viewer_id) & (Block.blocked_id == author_id),
        (Block.blocker_id == author_id) & (Block.blocked_id == viewer_id))))
    following = exists(select(Connection.id).where(
        Connection.follower_id == viewer_id, Connection.target_id == author_id,
        Connection.state == ConnectionState.ACCEPTED.value))
    visibility = select(Profile.visibility).where(
        Profile.user_id == author_id).scalar_subquery()
    row = session.execute(select(blocked, following, visibility)).one()
    return Relation(blocked=bool(row[0]) and viewer_id != author_id, following=bool(row[1]),
                    author_public=row[2] is None or row[2] == "public")


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
    # one statement, each half on its own index
    return set(session.scalars(
        select(Block.blocked_id).where(Block.blocker_id == user_id)
        .union_all(select(Block.blocker_id).where(Block.blocked_id == user_id))))


def muted_ids(session: Session, user_id: int) -> set[int]:
    """Accounts the user muted: hidden from the user's feeds and notifications only."""
    return set(session.scalars(select(Mute.muted_id).where(Mute.muter_id == user_id)))


def following_split(session: Session, user_id: int, above: int) -> tuple[set[int], set[int]]:
    """(everyone the user follows, those of them with more than `above` followers), in one
    statement (the home timeline reads the widely followed ones at request time)."""
    rows = session.execute(
        select(Connection.target_id, Profile.followers_count)
        .outerjoin(Profile, Profile.user_id == Connection.target_id)
        .where(Connection.follower_id == user_id,
               Connection.state == ConnectionState.ACCEPTED.value)).all()
    return {r[0] for r in rows}, {r[0] for r in rows if (r[1] or 0) > above}


def following_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Connection.target_id).where(
        Connection.follower_id == user_id, Connection.state == ConnectionState.ACCEPTED.value)))


def follower_ids(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(Connection.follower_id).where(
        Connection.target_id == user_id, Connection.state == ConnectionState.ACCEPTED.value)))
