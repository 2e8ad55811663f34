"""Communities: create, search, join/leave, approvals, roles, bans, members, moderation log.

The permission table (docs/community.md) is implemented by `_require_rank` and `_outranks`:
an action on another member needs a role strictly above theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.community import access
from tanvi_social.community.events import MembershipChanged
from tanvi_social.community.models import (
    ROLE_RANK,
    Community,
    CommunityRole,
    Membership,
    MemberStatus,
    ModerationLog,
    Privacy,
)
from tanvi_social.community.schemas import (
    CommunityCreate,
    CommunityRead,
    CommunityUpdate,
    MemberRead,
    ModLogEntry,
    ViewerMembership,
)
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify

MODERATOR = ROLE_RANK[CommunityRole.MODERATOR.value]
ADMIN = ROLE_RANK[CommunityRole.ADMIN.value]
CREATOR = ROLE_RANK[CommunityRole.CREATOR.value]


def _not_found() -> NotFound:
    return NotFound("Community not found", code="community_not_found")


def screen(session: Session, *texts: str | None) -> str:
    """Run the moderation word filter: 'reject' → 422; returns 'held' or 'visible'."""
    try:
        from tanvi_social.moderation.filters import screen_text
    except ImportError:  # pragma: no cover - moderation is part of the product
        return "visible"
    state = "visible"
    for text in texts:
        decision = screen_text(session, text)
        if decision.action == "reject":
            raise ValidationFailed("This text is not allowed", code="content_rejected",
                                   details=[{"matched": decision.matched}])
        if decision.action == "hold":
            state = "held"
    return state


def flag(session: Session, kind: str, target_id: int, owner_id: int) -> None:
    """Queue a held community/event for moderator review."""
    from tanvi_social.moderation.queue import flag_for_review

    flag_for_review(session, target_type=kind, target_id=target_id, owner_id=owner_id,
                    reason="filter")


def rank_of(m: Membership | None) -> int:
    """The member's role rank (0 unless an active member)."""
    if m is None or m.status != MemberStatus.ACTIVE.value:
        return 0
    return ROLE_RANK.get(m.role, 0)


def visible_community(session: Session, viewer_id: int | None, community_id: int) -> Community:
    """The community if the viewer may know it exists, else 404."""
    community = session.get(Community, community_id)
    if community is None or not access.can_see_card(session, viewer_id, community):
        raise _not_found()
    return community


def _require_rank(session: Session, user_id: int, community: Community, rank: int,
                  what: str) -> Membership:
    m = access.membership(session, user_id, community.id)
    if not access.can_view_community(session, user_id, community.id) and rank_of(m) == 0:
        raise _not_found()
    if rank_of(m) < rank:
        raise Forbidden(f"Only community {what} may do this", code="community_role_required")
    assert m is not None
    return m


def _log(session: Session, community_id: int, actor_id: int, target_id: int, action: str,
         old_role: str | None = None, new_role: str | None = None,
         reason: str | None = None) -> None:
    session.add(ModerationLog(community_id=community_id, actor_id=actor_id,
                              target_user_id=target_id, action=action, old_role=old_role,
                              new_role=new_role, reason=reason))


def _bump(session: Session, community_id: int, *, members: int = 0, pending: int = 0) -> None:
    session.execute(update(Community).where(Community.id == community_id).values(
        members_count=Community.members_count + members,
        pending_count=Community.pending_count + pending))


def _counts_event(session: Session, community_id: int, user_id: int, action: str) -> None:
    count = session.scalar(select(Community.members_count).where(Community.id == community_id))
    record_event(session, MembershipChanged(community_id=community_id, user_id=user_id,
                                            action=action, members_count=int(count or 0)))


def _reads(session: Session, viewer_id: int | None,
           communities: Sequence[Community]) -> list[CommunityRead]:
    if not communities:
        return []
    ids = [c.id for c in communities]
    mine: dict[int, Membership] = {}
    if viewer_id is not None:
        mine = {m.community_id: m for m in session.scalars(select(Membership).where(
            Membership.user_id == viewer_id, Membership.community_id.in_(ids)))}
    cards = author_cards(session, [c.creator_id for c in communities if c.creator_id])
    out = []
    for c in communities:
        m = mine.get(c.id)
        rank = rank_of(m)
        viewer = ViewerMembership(
            role=m.role if m is not None and m.status != MemberStatus.BANNED.value else None,
            status=m.status if m is not None else None,
            can_post=rank >= 1 and c.moderation_state != "removed",
            can_moderate=rank >= MODERATOR)
        out.append(CommunityRead(
            id=c.id, name=c.name, description=c.description, category=c.category,
            tags=list(c.tags or []), privacy=c.privacy,
            requires_approval=c.requires_approval or c.privacy != Privacy.PUBLIC.value,
            rules=list(c.rules or []), cover_image_url=c.cover_image_url,
            members_count=c.members_count,
            pending_count=c.pending_count if rank >= MODERATOR else None,
            creator=cards.get(c.creator_id) if c.creator_id else None,
            created_at=c.created_at, viewer=viewer))
    return out


def read_community(session: Session, viewer_id: int | None, community: Community) -> CommunityRead:
    session.flush()
    session.refresh(community, ["members_count", "pending_count"])
    return _reads(session, viewer_id, [community])[0]


# ----------------------------------------------------------------------------- CRUD
def create_community(session: Session, user_id: int, data: CommunityCreate) -> CommunityRead:
    """The creator becomes the community's `creator` member (members_count = 1)."""
    state = screen(session, data.name, data.description, *data.rules)
    community = Community(creator_id=user_id, name=data.name, description=data.description,
                          category=data.category, tags=data.tags, privacy=data.privacy,
                          requires_approval=data.requires_approval, rules=data.rules,
                          cover_image_url=data.cover_image_url, members_count=1,
                          moderation_state=state)
    session.add(community)
    session.flush()
    session.add(Membership(community_id=community.id, user_id=user_id,
                           role=CommunityRole.CREATOR.value, status=MemberStatus.ACTIVE.value,
                           joined_at=utcnow()))
    session.flush()
    if state == "held":
        flag(session, "community", community.id, user_id)
    record_activity(session, user_id=user_id, type="community_create", target_type="community",
                    target_id=community.id, data={"name": community.name})
    return read_community(session, user_id, community)


def get_community(session: Session, viewer_id: int | None, community_id: int) -> CommunityRead:
    return read_community(session, viewer_id, visible_community(session, viewer_id, community_id))


def _listable(viewer_id: int | None) -> ColumnElement[bool]:
    live = and_(Community.deleted_at.is_(None),
                Community.moderation_state.not_in(("hidden", "removed")))
    public_listed = and_(Community.privacy != Privacy.SECRET.value,
                         Community.moderation_state == "visible")
    if viewer_id is None:
        return and_(live, public_listed)
    mine = select(Membership.community_id).where(
        Membership.user_id == viewer_id,
        Membership.status.in_((MemberStatus.ACTIVE.value, MemberStatus.INVITED.value)))
    return and_(live, or_(public_listed, Community.id.in_(mine)))


def list_communities(session: Session, viewer_id: int | None, page: PageParams, *,
                     search: str | None = None, category: str | None = None,
                     privacy: str | None = None, mine: bool = False,
                     ) -> tuple[list[CommunityRead], int]:
    """Communities the viewer may know of, by members then newest."""
    q = select(Community).where(_listable(viewer_id))
    if search:
        term = f"%{search.strip().lower()}%"
        q = q.where(or_(func.lower(Community.name).like(term),
                        func.lower(Community.description).like(term)))
    if category:
        q = q.where(Community.category == category)
    if privacy:
        q = q.where(Community.privacy == privacy)
    if mine:
        if viewer_id is None:
            return [], 0
        q = q.where(Community.id.in_(select(Membership.community_id).where(
            Membership.user_id == viewer_id, Membership.status == MemberStatus.ACTIVE.value)))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Community.members_count.desc(), Community.id.desc())
                           .offset(page.offset).limit(page.per_page)).all()
    return _reads(session, viewer_id, rows), total


def update_community(session: Session, user_id: int, community_id: int,
                     data: CommunityUpdate) -> CommunityRead:
    """Admins and the creator edit settings and rules."""
    community = visible_community(session, user_id, community_id)
    _require_rank(session, user_id, community, ADMIN, "admins")
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise ValidationFailed("name cannot be null", code="validation_error")
    state = screen(session, changes.get("name"), changes.get("description"),
                   *(changes.get("rules") or []))
    for key, value in changes.items():
        if value is None and key not in ("cover_image_url", "description"):
            continue
        setattr(community, key, "" if key == "description" and value is None else value)
    if state == "held" and community.moderation_state == "visible":
        community.moderation_state = "held"
        flag(session, "community", community.id, user_id)
    community.updated_at = utcnow()
    session.flush()
    return read_community(session, user_id, community)


def delete_community(session: Session, user_id: int, community_id: int,
                     is_platform_admin: bool = False) -> None:
    """The creator (or a platform admin) deletes the community; it disappears everywhere."""
    community = session.get(Community, community_id)
    if community is None or community.deleted_at is not None:
        raise _not_found()
    if not is_platform_admin:
        visible_community(session, user_id, community_id)
        _require_rank(session, user_id, community, CREATOR, "creators")
    community.deleted_at = utcnow()
    session.flush()


# ----------------------------------------------------------------------------- membership
def _member_read(m: Membership, cards: dict[int, Any]) -> MemberRead:
    return MemberRead(user=cards[m.user_id], role=m.role, status=m.status,
                      join_reason=m.join_reason, joined_at=m.joined_at,
                      requested_at=m.created_at)


def join(session: Session, user_id: int, community_id: int,
         join_reason: str | None) -> tuple[MemberRead, CommunityRead]:
    """Join (active), ask to join (pending), or accept an invitation; banned users cannot."""
    community = visible_community(session, user_id, community_id)
    existing = access.membership(session, user_id, community_id)
    if existing is not None:
        if existing.status == MemberStatus.BANNED.value:
            raise Forbidden("You are banned from this community", code="banned_from_community")
        if existing.status == MemberStatus.INVITED.value:
            existing.status = MemberStatus.ACTIVE.value
            existing.joined_at = utcnow()
            existing.updated_at = utcnow()
            _bump(session, community_id, members=1)
            action = "join"
        else:
            raise Conflict("You already belong to or asked to join this community",
                           code="already_member")
        m = existing
    else:
        if community.privacy == Privacy.SECRET.value:
            raise _not_found()
        needs_approval = community.requires_approval or community.privacy == Privacy.PRIVATE.value
        m = Membership(community_id=community_id, user_id=user_id,
                       role=CommunityRole.MEMBER.value, join_reason=join_reason,
                       status=MemberStatus.PENDING.value if needs_approval
                       else MemberStatus.ACTIVE.value,
                       joined_at=None if needs_approval else utcnow())
        try:
            with session.begin_nested():
                session.add(m)
                session.flush()
        except IntegrityError:
            raise Conflict("You already belong to or asked to join this community",
                           code="already_member") from None
        if needs_approval:
            _bump(session, community_id, pending=1)
            action = "request"
        else:
            _bump(session, community_id, members=1)
            action = "join"
    session.flush()
    if community.creator_id is not None:
        notify(session, recipient_id=community.creator_id, actor_id=user_id,
               type="community_join" if action == "join" else "community_join_request",
               target_type="community", target_id=community_id, data={"name": community.name})
    record_activity(session, user_id=user_id, type=f"community_{action}",
                    target_type="community", target_id=community_id)
    _counts_event(session, community_id, user_id, action)
    cards = author_cards(session, [user_id])
    session.refresh(m)
    return _member_read(m, cards), read_community(session, user_id, community)


def leave(session: Session, user_id: int, community_id: int) -> CommunityRead:
    """Leave, withdraw a request or decline an invitation. The creator cannot leave."""
    community = visible_community(session, user_id, community_id)
    m = access.membership(session, user_id, community_id)
    if m is None or m.status == MemberStatus.BANNED.value:
        raise InvalidState("You are not a member of this community", code="not_member")
    if m.role == CommunityRole.CREATOR.value:
        raise InvalidState("The creator cannot leave; delete the community instead",
                           code="creator_cannot_leave")
    if m.status == MemberStatus.ACTIVE.value:
        _bump(session, community_id, members=-1)
    elif m.status == MemberStatus.PENDING.value:
        _bump(session, community_id, pending=-1)
    session.delete(m)
    session.flush()
    _counts_event(session, community_id, user_id, "leave")
    return read_community(session, user_id, community)


def invite(session: Session, actor_id: int, community_id: int, target_id: int) -> MemberRead:
    """Moderators invite someone (the only way into a secret community)."""
    community = visible_community(session, actor_id, community_id)
    _require_rank(session, actor_id, community, MODERATOR, "moderators")
    if session.get(User, target_id) is None:
        raise NotFound("User not found", code="user_not_found")
    existing = access.membership(session, target_id, community_id)
    if existing is not None:
        raise Conflict("This user already has a membership here", code="already_member")
    m = Membership(community_id=community_id, user_id=target_id, status=MemberStatus.INVITED.value,
                   role=CommunityRole.MEMBER.value)
    try:
        with session.begin_nested():
            session.add(m)
            session.flush()
    except IntegrityError:
        raise Conflict("This user already has a membership here", code="already_member") from None
    _log(session, community_id, actor_id, target_id, "invite")
    notify(session, recipient_id=target_id, actor_id=actor_id, type="community_invite",
           target_type="community", target_id=community_id, data={"name": community.name})
    session.refresh(m)
    return _member_read(m, author_cards(session, [target_id]))


def _target(session: Session, community_id: int, target_id: int) -> Membership:
    m = access.membership(session, target_id, community_id)
    if m is None:
        raise NotFound("Member not found", code="member_not_found")
    return m


def approve(session: Session, actor_id: int, community_id: int, target_id: int) -> MemberRead:
    """Moderators approve a pending member."""
    community = visible_community(session, actor_id, community_id)
    _require_rank(session, actor_id, community, MODERATOR, "moderators")
    m = _target(session, community_id, target_id)
    if m.status != MemberStatus.PENDING.value:
        raise InvalidState("This user has no pending request", code="not_pending")
    m.status = MemberStatus.ACTIVE.value
    m.joined_at = utcnow()
    m.updated_at = utcnow()
    _bump(session, community_id, members=1, pending=-1)
    _log(session, community_id, actor_id, target_id, "approve")
    notify(session, recipient_id=target_id, actor_id=actor_id, type="community_approved",
           target_type="community", target_id=community_id, data={"name": community.name})
    session.flush()
    _counts_event(session, community_id, target_id, "approve")
    return _member_read(m, author_cards(session, [target_id]))


def reject(session: Session, actor_id: int, community_id: int, target_id: int) -> None:
    """Moderators turn down a pending request (the user may ask again later)."""
    community = visible_community(session, actor_id, community_id)
    _require_rank(session, actor_id, community, MODERATOR, "moderators")
    m = _target(session, community_id, target_id)
    if m.status != MemberStatus.PENDING.value:
        raise InvalidState("This user has no pending request", code="not_pending")
    session.delete(m)
    _bump(session, community_id, pending=-1)
    _log(session, community_id, actor_id, target_id, "reject")
    session.flush()


def ban(session: Session, actor_id: int, community_id: int, target_id: int,
        reason: str | None) -> MemberRead:
    """Ban someone of a lower rank (even a non-member). They can neither rejoin nor post."""
    community = visible_community(session, actor_id, community_id)
    actor = _require_rank(session, actor_id, community, MODERATOR, "moderators")
    if target_id == actor_id:
        raise InvalidState("You cannot ban yourself", code="cannot_ban_self")
    if session.get(User, target_id) is None:
        raise NotFound("User not found", code="user_not_found")
    m = access.membership(session, target_id, community_id)
    if rank_of(m) >= rank_of(actor):
        raise Forbidden("You can only ban members below your role", code="insufficient_rank")
    old_role = m.role if m is not None else None
    if m is None:
        m = Membership(community_id=community_id, user_id=target_id,
                       role=CommunityRole.MEMBER.value, status=MemberStatus.BANNED.value)
        session.add(m)
    else:
        if m.status == MemberStatus.BANNED.value:
            raise Conflict("This user is already banned", code="already_banned")
        if m.status == MemberStatus.ACTIVE.value:
            _bump(session, community_id, members=-1)
        elif m.status == MemberStatus.PENDING.value:
            _bump(session, community_id, pending=-1)
        m.status = MemberStatus.BANNED.value
        m.role = CommunityRole.MEMBER.value
        m.updated_at = utcnow()
    _log(session, community_id, actor_id, target_id, "ban", old_role=old_role, reason=reason)
    session.flush()
    _counts_event(session, community_id, target_id, "ban")
    session.refresh(m)
    return _member_read(m, author_cards(session, [target_id]))


def unban(session: Session, actor_id: int, community_id: int, target_id: int) -> None:
    """Lift a ban: the user may ask to join again."""
    community = visible_community(session, actor_id, community_id)
    _require_rank(session, actor_id, community, MODERATOR, "moderators")
    m = _target(session, community_id, target_id)
    if m.status != MemberStatus.BANNED.value:
        raise InvalidState("This user is not banned", code="not_banned")
    session.delete(m)
    _log(session, community_id, actor_id, target_id, "unban")
    session.flush()


def set_role(session: Session, actor_id: int, community_id: int, target_id: int,
             role: str) -> MemberRead:
    """Admins and the creator change roles of members below them, to roles below their own."""
    community = visible_community(session, actor_id, community_id)
    actor = _require_rank(session, actor_id, community, ADMIN, "admins")
    m = _target(session, community_id, target_id)
    if m.status != MemberStatus.ACTIVE.value:
        raise InvalidState("Only active members have roles", code="not_active_member")
    if target_id == actor_id or rank_of(m) >= rank_of(actor):
        raise Forbidden("You can only change the role of members below you",
                        code="insufficient_rank")
    if ROLE_RANK[role] >= rank_of(actor):
        raise Forbidden("You can only give roles below your own", code="insufficient_rank")
    if m.role != role:
        old = m.role
        m.role = role
        m.updated_at = utcnow()
        _log(session, community_id, actor_id, target_id, "role_change", old_role=old,
             new_role=role)
        notify(session, recipient_id=target_id, actor_id=actor_id, type="community_role",
               target_type="community", target_id=community_id,
               data={"name": community.name, "role": role})
    session.flush()
    return _member_read(m, author_cards(session, [target_id]))


def list_members(session: Session, viewer_id: int | None, community_id: int, status: str,
                 page: PageParams) -> tuple[list[MemberRead], int]:
    """Active members (anyone who may see the contents); other statuses for moderators."""
    community = visible_community(session, viewer_id, community_id)
    if not access.can_view_community(session, viewer_id, community_id):
        raise _not_found()
    if status != MemberStatus.ACTIVE.value:
        if viewer_id is None:
            raise Forbidden("Only community moderators may see this list",
                            code="community_role_required")
        _require_rank(session, viewer_id, community, MODERATOR, "moderators")
    q = select(Membership).where(Membership.community_id == community_id,
                                 Membership.status == status)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rank = case(ROLE_RANK, value=Membership.role, else_=0)
    rows = session.scalars(q.order_by(rank.desc(), Membership.joined_at, Membership.id)
                           .offset(page.offset).limit(page.per_page)).all()
    cards = author_cards(session, [m.user_id for m in rows])
    return [_member_read(m, cards) for m in rows if m.user_id in cards], total


def moderation_log(session: Session, viewer_id: int, community_id: int,
                   page: PageParams) -> tuple[list[ModLogEntry], int]:
    community = visible_community(session, viewer_id, community_id)
    _require_rank(session, viewer_id, community, MODERATOR, "moderators")
    q = select(ModerationLog).where(ModerationLog.community_id == community_id)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(ModerationLog.id.desc()).offset(page.offset)
                           .limit(page.per_page)).all()
    ids = {i for r in rows for i in (r.actor_id, r.target_user_id) if i is not None}
    cards = author_cards(session, ids)
    return [ModLogEntry(id=r.id, action=r.action,
                        actor=cards.get(r.actor_id) if r.actor_id else None,
                        target=cards.get(r.target_user_id) if r.target_user_id else None,
                        old_role=r.old_role, new_role=r.new_role, reason=r.reason,
                        created_at=r.created_at) for r in rows], total


def check_posts_visible(session: Session, viewer_id: int | None, community_id: int) -> None:
    """404 unless the viewer may read the community's posts."""
    visible_community(session, viewer_id, community_id)
    if not access.can_view_community(session, viewer_id, community_id):
        raise _not_found()


# ----------------------------------------------------------------------------- moderation target
def community_owner(session: Session, community_id: int) -> int | None:
    c = session.get(Community, community_id)
    return None if c is None or c.deleted_at is not None else c.creator_id


def set_community_state(session: Session, community_id: int, state: str) -> None:
    session.execute(update(Community).where(Community.id == community_id)
                    .values(moderation_state=state))


def can_report_community(session: Session, viewer_id: int, community_id: int) -> bool:
    c = session.get(Community, community_id)
    return c is not None and access.can_see_card(session, viewer_id, c)


def community_posts(session: Session, viewer_id: int | None, community_id: int,
                    page: PageParams, sort: str, base_url: str) -> tuple[list[Any], int]:
    """The community's posts through content's listing (404 for those who may not read them)."""
    from tanvi_social.content import service as content

    check_posts_visible(session, viewer_id, community_id)
    return content.list_posts(session, viewer_id,
                              content.PostFilters(community_id=community_id, sort=sort),
                              page, base_url)
