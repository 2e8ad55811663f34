"""Who may see and post in a community: the contract other domains (content, search) use.

* public: everyone may see it and its posts; members post.
* private: everyone may see its card; only active members see its posts, members and events.
* secret: only active members (and invited users, for the card) know it exists.
A banned, pending or invited user is not a member. A deleted or removed community is seen by nobody.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from tanvi_social.community.models import Community, Membership, MemberStatus, Privacy


def _live(community: Community | None) -> bool:
    return (community is not None and community.deleted_at is None
            and community.moderation_state not in ("hidden", "removed"))


def _held(community: Community) -> bool:
    """Held by a word filter for review: only its active members see it meanwhile."""
    return community.moderation_state == "held"


def membership(session: Session, user_id: int | None, community_id: int) -> Membership | None:
    """The user's membership row (any status), or None."""
    if user_id is None:
        return None
    return session.scalar(select(Membership).where(Membership.community_id == community_id,
                                                   Membership.user_id == user_id))


def is_active_member(session: Session, user_id: int | None, community_id: int) -> bool:
    m = membership(session, user_id, community_id)
    return m is not None and m.status == MemberStatus.ACTIVE.value


def can_view_community(session: Session, viewer_id: int | None, community_id: int) -> bool:
    """May the viewer see the community's contents (posts, members, events)?"""
    community = session.get(Community, community_id)
    if not _live(community):
        return False
    assert community is not None
    if community.privacy == Privacy.PUBLIC.value and not _held(community):
        m = membership(session, viewer_id, community_id)
        return m is None or m.status != MemberStatus.BANNED.value
    return is_active_member(session, viewer_id, community_id)


def can_see_card(session: Session, viewer_id: int | None, community: Community) -> bool:
    """May the viewer know the community exists (name, description, counts)?"""
    if not _live(community):
        return False
    if community.privacy != Privacy.SECRET.value and not _held(community):
        return True
    m = membership(session, viewer_id, community.id)
    return m is not None and m.status in (MemberStatus.ACTIVE.value, MemberStatus.INVITED.value)


def can_post_in_community(session: Session, user_id: int, community_id: int) -> bool:
    """Only active members of a live community post in it (banned users never)."""
    community = session.get(Community, community_id)
    if not _live(community):
        return False
    return is_active_member(session, user_id, community_id)


def visible_communities_clause(session: Session, viewer_id: int | None,
                               column: Any) -> ColumnElement[bool]:
    """`column IN (communities the viewer may see the contents of)` for use in other queries."""
    live = and_(Community.deleted_at.is_(None),
                Community.moderation_state.not_in(("hidden", "removed")))
    listed = Community.moderation_state == "visible"
    if viewer_id is None:
        ids = select(Community.id).where(live, listed, Community.privacy == Privacy.PUBLIC.value)
        return column.in_(ids)
    member_of = select(Membership.community_id).where(
        Membership.user_id == viewer_id, Membership.status == MemberStatus.ACTIVE.value)
    banned_from = select(Membership.community_id).where(
        Membership.user_id == viewer_id, Membership.status == MemberStatus.BANNED.value)
    ids = select(Community.id).where(live, or_(
        and_(listed, Community.privacy == Privacy.PUBLIC.value,
             Community.id.not_in(banned_from)),
        Community.id.in_(member_of)))
    return column.in_(ids)
