"""Profiles, the follow graph (requests, blocks, mutes), compatibility and suggestions.

Every function takes the unit of work's `Session` first, raises `core.errors` exceptions and
returns Pydantic read models. Counters change in SQL (`n = n + 1`) in the same unit of work as the
row that justifies them; profile rows are always updated in ascending user id order so that two
opposite follows can never deadlock on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.db import json_text_contains, record_event
from tanvi_social.core.errors import (
    Conflict,
    Forbidden,
    InvalidState,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social import compat, graph
from tanvi_social.social.activities import record_activity
from tanvi_social.social.events import (
    FollowRequested,
    ProfileUpdated,
    UserBlocked,
    UserFollowed,
    UserMuted,
    UserUnblocked,
    UserUnfollowed,
    UserUnmuted,
)
from tanvi_social.social.models import (
    Block,
    Connection,
    ConnectionState,
    Mute,
    Profile,
    Visibility,
)
from tanvi_social.social.notifications import notify
from tanvi_social.social.schemas import (
    CompatibilityRead,
    ConnectedProfile,
    ConnectionInfo,
    ConnectionRead,
    FollowRequestRead,
    ProfileCard,
    ProfileRead,
    ProfileWrite,
    RelationRead,
    StyleTermRead,
    SuggestionRead,
    ViewerState,
)
from tanvi_social.social.vocabulary import normalise_tag, split_style_tags, terms


class ModerationState:
    VISIBLE = "visible"
    HELD = "held"


ACCEPTED = ConnectionState.ACCEPTED.value
PENDING = ConnectionState.PENDING.value


# --- shared helpers ---------------------------------------------------------------------------

def _active_user(session: Session, user_id: int, *, code: str = "user_not_found") -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("User not found", code=code)
    return user


def rowcount(result: Any) -> int:
    """Rows a DML statement touched (typed access to the cursor result's rowcount)."""
    return int(getattr(result, "rowcount", 0) or 0)


def ensure_profile(session: Session, user_id: int, display_name: str | None = None) -> bool:
    """Create the user's profile if missing (idempotent, safe under concurrency)."""
    if session.get(Profile, user_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(Profile(user_id=user_id, display_name=(display_name or None) and
                                display_name[:60]))
    except IntegrityError:
        return False
    return True


def ensure_profiles(session: Session, user_ids: Iterable[int]) -> None:
    """`ensure_profile` for several users with one lookup."""
    ids = set(user_ids)
    have = {p.user_id for p in session.scalars(select(Profile).where(Profile.user_id.in_(ids)))}
    for uid in sorted(ids - have):
        ensure_profile(session, uid)


def _needs_approval(profile: Profile | None) -> bool:
    return profile is not None and (profile.visibility == Visibility.PRIVATE.value
                                    or not profile.allow_followers)


def _bump(session: Session, follower_id: int, target_id: int, delta: int) -> None:
    """Follower's following_count and target's followers_count, in ascending id order."""
    for uid in sorted((follower_id, target_id)):
        column = "followers_count" if uid == target_id else "following_count"
        session.execute(update(Profile).where(Profile.user_id == uid)
                        .values({column: getattr(Profile, column) + delta})
                        .execution_options(synchronize_session=False))


def _relations(session: Session, viewer_id: int, owner_id: int) -> ViewerState:
    """The viewer's relation to one owner, in one round trip; NotFound when blocked either way."""
    state = ViewerState(is_self=viewer_id == owner_id)
    if state.is_self:
        return state
    rows = session.execute(union_all(
        select(literal("block").label("kind"), Block.blocker_id.label("who")).where(or_(
            (Block.blocker_id == viewer_id) & (Block.blocked_id == owner_id),
            (Block.blocker_id == owner_id) & (Block.blocked_id == viewer_id))),
        select(Connection.state.label("kind"), Connection.follower_id.label("who")).where(or_(
            (Connection.follower_id == viewer_id) & (Connection.target_id == owner_id),
            (Connection.follower_id == owner_id) & (Connection.target_id == viewer_id))),
        select(literal("mute").label("kind"), Mute.muter_id.label("who")).where(
            Mute.muter_id == viewer_id, Mute.muted_id == owner_id),
    )).all()
    for kind, who in rows:
        if kind == "block":
            raise NotFound("Profile not found", code="profile_not_found")
        if kind == "mute":
            state.is_muted = True
        elif who == viewer_id:
            state.is_following = kind == ACCEPTED
            state.follow_requested = kind == PENDING
        else:
            state.is_followed_by = kind == ACCEPTED
    return state


def _details_visible(profile: Profile | None, rel: ViewerState) -> bool:
    if rel.is_self or profile is None or profile.visibility == Visibility.PUBLIC.value:
        return True
    return rel.is_following


def _card(user: Any, profile: Profile | None) -> ProfileCard:
    return ProfileCard(
        user_id=user.id, username=user.username, is_verified=user.is_verified,
        display_name=profile.display_name if profile else None,
        avatar_url=profile.avatar_url if profile else None,
        avatar_media_id=profile.avatar_media_id if profile else None,
        visibility=profile.visibility if profile else "public",
        followers_count=profile.followers_count if profile else 0,
        following_count=profile.following_count if profile else 0,
        posts_count=profile.posts_count if profile else 0,
    )


def _moderated(profile: Profile | None, rel: ViewerState) -> bool:
    return (profile is not None and not rel.is_self
            and profile.moderation_state != ModerationState.VISIBLE)


def _read(user: Any, profile: Profile | None, rel: ViewerState) -> ProfileRead:
    card = _card(user, profile).model_dump()
    if _moderated(profile, rel):
        card.update(display_name=None, avatar_url=None, avatar_media_id=None)
    if profile is None or not _details_visible(profile, rel) or _moderated(profile, rel):
        return ProfileRead(**card, is_limited=True, viewer=rel,
                           allow_followers=profile.allow_followers if profile else True)
    return ProfileRead(
        **card, is_limited=False, bio=profile.bio, location=profile.location,
        style_tags=list(profile.style_tags or []), custom_tags=list(profile.custom_tags or []),
        favorite_colors=list(profile.favorite_colors or []),
        favorite_brands=list(profile.favorite_brands or []),
        occasions=list(profile.occasions or []), budget_band=profile.budget_band,
        allow_followers=profile.allow_followers,
        size_info=dict(profile.size_info or {}) if rel.is_self else None,
        moderation_state=profile.moderation_state if rel.is_self else None,
        created_at=profile.created_at, updated_at=profile.updated_at, viewer=rel,
    )


def cards(session: Session, user_ids: Iterable[int]) -> dict[int, ProfileCard]:
    ids = set(user_ids)
    if not ids:
        return {}
    rows = session.execute(select(User, Profile).outerjoin(Profile, Profile.user_id == User.id)
                           .where(User.id.in_(ids), User.is_active.is_(True)))
    return {u.id: _card(u, p) for u, p in rows}


# --- profiles ---------------------------------------------------------------------------------

def get_profile(session: Session, viewer_id: int | None, user_id: int) -> ProfileRead:
    """A profile as the viewer may see it; blocked either way or unknown → 404."""
    row = session.execute(select(User, Profile).outerjoin(Profile, Profile.user_id == User.id)
                          .where(User.id == user_id)).first()
    if row is None or not row[0].is_active:
        raise NotFound("Profile not found", code="profile_not_found")
    rel = _relations(session, viewer_id, user_id) if viewer_id is not None else ViewerState()
    return _read(row[0], row[1], rel)


def list_profiles(session: Session, viewer_id: int | None, page: PageParams, *,
                  q: str | None = None,
                  style_tag: str | None = None) -> tuple[list[ProfileRead], int]:
    """Search visible profiles (blocked either way never appear); style filters see public data."""
    query = (select(User, Profile).outerjoin(Profile, Profile.user_id == User.id)
             .where(User.is_active.is_(True)))
    if viewer_id is not None:
        hidden = graph.blocked_ids(session, viewer_id)
        if hidden:
            query = query.where(User.id.not_in(hidden))
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern),
                                func.lower(func.coalesce(Profile.display_name, "")).like(pattern)))
    if style_tag:
        tag = normalise_tag(style_tag)
        query = query.where(Profile.visibility == Visibility.PUBLIC.value, or_(
            json_text_contains(Profile.style_tags, tag),
            json_text_contains(Profile.custom_tags, tag)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(func.coalesce(Profile.followers_count, 0).desc(),
                                          User.id).offset(page.offset).limit(page.per_page)).all()
    ids = [u.id for u, _ in rows]
    following: dict[int, str] = {}
    followed_by: set[int] = set()
    muted: set[int] = set()
    if viewer_id is not None and ids:
        following = dict(session.execute(select(Connection.target_id, Connection.state).where(
            Connection.follower_id == viewer_id, Connection.target_id.in_(ids))).all())
        followed_by = set(session.scalars(select(Connection.follower_id).where(
            Connection.target_id == viewer_id, Connection.follower_id.in_(ids),
            Connection.state == ACCEPTED)))
        muted = set(session.scalars(select(Mute.muted_id).where(
            Mute.muter_id == viewer_id, Mute.muted_id.in_(ids))))
    out = []
    for user, profile in rows:
        rel = ViewerState(is_self=user.id == viewer_id,
                          is_following=following.get(user.id) == ACCEPTED,
                          follow_requested=following.get(user.id) == PENDING,
                          is_followed_by=user.id in followed_by, is_muted=user.id in muted)
        out.append(_read(user, profile, rel))
    return out, total


def _clean_list(values: list[str], *, lower: bool) -> list[str]:
    seen: dict[str, str] = {}
    for raw in values:
        value = " ".join(raw.split())
        if value and value.lower() not in seen:
            seen[value.lower()] = value.lower() if lower else value
    return list(seen.values())


def _screen(session: Session, texts: list[str]) -> str:
    """The moderation word filter over public profile text: 422 on reject, `held` on hold."""
    try:
        from tanvi_social.moderation.filters import screen_text
    except ModuleNotFoundError:  # pragma: no cover - moderation not installed
        return ModerationState.VISIBLE
    decision = screen_text(session, " ".join(t for t in texts if t))
    if decision.action == "reject":
        raise ValidationFailed("This text is not allowed here", code="content_rejected",
                               details=[{"loc": ["body"], "msg": "blocked by a content filter"}])
    return ModerationState.HELD if decision.action == "hold" else ModerationState.VISIBLE


def _flag_for_review(session: Session, user_id: int) -> None:
    try:
        from tanvi_social.moderation.queue import flag_for_review
    except ModuleNotFoundError:  # pragma: no cover
        return
    flag_for_review(session, target_type="profile", target_id=user_id, owner_id=user_id,
                    reason="filter")


def _apply(session: Session, profile: Profile, data: ProfileWrite) -> list[str]:
    fields = data.model_fields_set
    values = data.model_dump(include=fields)
    changed: list[str] = []
    texts = [values[k] for k in ("display_name", "bio", "location") if k in fields]
    if (any(texts) and _screen(session, texts) == ModerationState.HELD
            and profile.moderation_state == ModerationState.VISIBLE):
        profile.moderation_state = ModerationState.HELD
        _flag_for_review(session, profile.user_id)
    for name in ("display_name", "bio", "avatar_url", "avatar_media_id", "location",
                 "budget_band"):
        if name in fields:
            value = values[name]
            setattr(profile, name, value if value != "" else None)
            changed.append(name)
    if "style_tags" in fields:
        profile.style_tags, profile.custom_tags = split_style_tags(session, values["style_tags"]
                                                                   or [])
        changed.append("style_tags")
    if "favorite_colors" in fields:
        profile.favorite_colors = _clean_list(values["favorite_colors"] or [], lower=True)
        changed.append("favorite_colors")
    if "favorite_brands" in fields:
        profile.favorite_brands = _clean_list(values["favorite_brands"] or [], lower=False)
        changed.append("favorite_brands")
    if "occasions" in fields:
        profile.occasions = [o for o in dict.fromkeys(normalise_tag(x) for x in
                                                       values["occasions"] or []) if o]
        changed.append("occasions")
    if "size_info" in fields:
        profile.size_info = dict(values["size_info"] or {})
        changed.append("size_info")
    for name in ("visibility", "allow_followers"):
        if name in fields and values[name] is not None:
            setattr(profile, name, values[name])
            changed.append(name)
    profile.updated_at = utcnow()
    return changed


def _approve_all_pending(session: Session, owner_id: int) -> None:
    """An account that stops requiring approval accepts the requests already waiting."""
    now = utcnow()
    ids = list(session.scalars(
        update(Connection).where(Connection.target_id == owner_id, Connection.state == PENDING)
        .values(state=ACCEPTED, accepted_at=now).returning(Connection.follower_id)
        .execution_options(synchronize_session=False)))
    for follower_id in sorted(ids):
        _bump(session, follower_id, owner_id, +1)
        notify(session, recipient_id=follower_id, actor_id=owner_id, type="follow_approved",
               target_type="user", target_id=owner_id)


def _own_profile(session: Session, user_id: int) -> tuple[User, Profile]:
    user = _active_user(session, user_id)
    ensure_profile(session, user_id)
    profile = session.get(Profile, user_id)
    assert profile is not None
    return user, profile


def create_profile(session: Session, user_id: int, data: ProfileWrite) -> ProfileRead:
    """Set up the caller's profile; 409 once it has been set up (then use PUT)."""
    user, profile = _own_profile(session, user_id)
    if profile.updated_at is not None:
        raise Conflict("Your profile already exists; update it instead", code="profile_exists")
    changed = _apply(session, profile, data)
    session.flush()
    record_activity(session, user_id=user_id, type="create", target_type="profile",
                    target_id=user_id, data={"fields": changed})
    record_event(session, ProfileUpdated(user_id=user_id))
    return _read(user, profile, ViewerState(is_self=True))


def update_profile(session: Session, user_id: int, data: ProfileWrite) -> ProfileRead:
    """Change the caller's own profile (only the fields sent)."""
    user, profile = _own_profile(session, user_id)
    needed_before = _needs_approval(profile)
    changed = _apply(session, profile, data)
    session.flush()
    if needed_before and not _needs_approval(profile):
        _approve_all_pending(session, user_id)
        session.refresh(profile)
    record_activity(session, user_id=user_id, type="update", target_type="profile",
                    target_id=user_id, data={"fields": changed})
    record_event(session, ProfileUpdated(user_id=user_id))
    return _read(user, profile, ViewerState(is_self=True))


def vocabulary(session: Session) -> list[StyleTermRead]:
    return [StyleTermRead(kind=t.kind, slug=t.slug, label=t.label, description=t.description)
            for t in terms(session)]


# --- follow graph -----------------------------------------------------------------------------

def _connection_read(conn: Connection, c: compat.Compatibility | None) -> ConnectionRead:
    return ConnectionRead(id=conn.id, follower_id=conn.follower_id, target_id=conn.target_id,
                          status=conn.state, created_at=conn.created_at,
                          style_compatibility_score=c.score if c else None,
                          shared_style_tags=c.shared_style_tags if c else [])


def _check_follow_spam(session: Session, follower_id: int) -> None:
    """Moderation's heuristic: brand-new accounts mass-following are rate-limited (429)."""
    try:
        from tanvi_social.moderation.spam import check_follow
    except ModuleNotFoundError:  # pragma: no cover - moderation not installed
        return
    decision = check_follow(session, follower_id)
    if decision.action == "rate_limit":
        raise RateLimited("New accounts cannot follow this many people so fast",
                          retry_after=decision.retry_after, code="follow_spam")


def follow(session: Session, follower_id: int, target_id: int, *,
           rate_limits: bool = True) -> ConnectionRead:
    """Follow `target`; a private account or one that approves followers gets a pending request.

    `rate_limits`: the settings' `rate_limits_enabled` (the new-account mass-following 429
    follows it)."""
    if follower_id == target_id:
        raise InvalidState("You cannot follow yourself", code="self_follow")
    _active_user(session, target_id)
    if graph.blocked_either_way(session, follower_id, target_id):
        raise NotFound("User not found", code="user_not_found")
    if rate_limits:
        _check_follow_spam(session, follower_id)
    ensure_profiles(session, (follower_id, target_id))
    target = session.get(Profile, target_id)
    state = PENDING if _needs_approval(target) else ACCEPTED
    now = utcnow()
    conn = Connection(follower_id=follower_id, target_id=target_id, state=state,
                      accepted_at=now if state == ACCEPTED else None)
    try:
        with session.begin_nested():
            session.add(conn)
    except IntegrityError:
        existing = session.scalar(select(Connection.state).where(
            Connection.follower_id == follower_id, Connection.target_id == target_id))
        if existing == PENDING:
            raise Conflict("You already asked to follow this account",
                           code="follow_requested") from None
        raise Conflict("You already follow this account", code="already_following") from None
    if state == ACCEPTED:
        _bump(session, follower_id, target_id, +1)
        notify(session, recipient_id=target_id, actor_id=follower_id, type="follow",
               target_type="user", target_id=target_id)
        record_activity(session, user_id=follower_id, type="follow", target_type="user",
                        target_id=target_id)
        record_event(session, UserFollowed(follower_id=follower_id, target_id=target_id))
    else:
        notify(session, recipient_id=target_id, actor_id=follower_id, type="follow_request",
               target_type="follow_request", target_id=conn.id)
        record_activity(session, user_id=follower_id, type="request", target_type="user",
                        target_id=target_id)
        record_event(session, FollowRequested(follower_id=follower_id, target_id=target_id,
                                              request_id=conn.id))
    visible = state == ACCEPTED or (target is not None
                                    and target.visibility == Visibility.PUBLIC.value)
    c = compat.compatibility(session, follower_id, target_id) if visible else None
    return _connection_read(conn, c)


def _remove_connection(session: Session, follower_id: int, target_id: int) -> str | None:
    """Delete the edge (follow or request); fix counters; return the state it had."""
    state = session.scalar(
        delete(Connection).where(Connection.follower_id == follower_id,
                                 Connection.target_id == target_id)
        .returning(Connection.state).execution_options(synchronize_session=False))
    if state == ACCEPTED:
        _bump(session, follower_id, target_id, -1)
    return state


def unfollow(session: Session, follower_id: int, target_id: int) -> str:
    """Stop following (or withdraw a pending request); 404 when there is neither."""
    state = _remove_connection(session, follower_id, target_id)
    if state is None:
        raise NotFound("You do not follow this account", code="not_following")
    record_activity(session, user_id=follower_id, type="unfollow" if state == ACCEPTED
                    else "withdraw_request", target_type="user", target_id=target_id)
    if state == ACCEPTED:
        record_event(session, UserUnfollowed(follower_id=follower_id, target_id=target_id))
    return state


def remove_follower(session: Session, owner_id: int, follower_id: int) -> None:
    """The owner removes someone who follows them (their follow or pending request)."""
    state = _remove_connection(session, follower_id, owner_id)
    if state is None:
        raise NotFound("This account does not follow you", code="not_a_follower")
    record_activity(session, user_id=owner_id, type="remove_follower", target_type="user",
                    target_id=follower_id)
    if state == ACCEPTED:
        record_event(session, UserUnfollowed(follower_id=follower_id, target_id=owner_id))


def list_follow_requests(session: Session, user_id: int, page: PageParams,
                         direction: str = "incoming") -> tuple[list[FollowRequestRead], int]:
    """Pending requests to the caller (incoming) or sent by the caller (outgoing)."""
    mine = Connection.target_id if direction == "incoming" else Connection.follower_id
    other = Connection.follower_id if direction == "incoming" else Connection.target_id
    where = [mine == user_id, Connection.state == PENDING]
    hidden = graph.blocked_ids(session, user_id)
    if hidden:
        where.append(other.not_in(hidden))
    total = session.scalar(select(func.count()).select_from(Connection).where(*where)) or 0
    rows = list(session.scalars(select(Connection).where(*where)
                                .order_by(Connection.created_at.desc(), Connection.id.desc())
                                .offset(page.offset).limit(page.per_page)))
    people = cards(session, [c.follower_id if direction == "incoming" else c.target_id
                             for c in rows])
    out = []
    for c in rows:
        card = people.get(c.follower_id if direction == "incoming" else c.target_id)
        if card is not None:
            out.append(FollowRequestRead(id=c.id, requester=people.get(c.follower_id) or card,
                                         target_id=c.target_id, created_at=c.created_at))
    return out, total


def approve_request(session: Session, owner_id: int, request_id: int) -> ConnectionRead:
    """Accept a pending request addressed to the owner."""
    now = utcnow()
    follower_id = session.scalar(
        update(Connection).where(Connection.id == request_id, Connection.target_id == owner_id,
                                 Connection.state == PENDING)
        .values(state=ACCEPTED, accepted_at=now).returning(Connection.follower_id)
        .execution_options(synchronize_session=False))
    if follower_id is None:
        raise NotFound("Follow request not found", code="request_not_found")
    _bump(session, follower_id, owner_id, +1)
    notify(session, recipient_id=follower_id, actor_id=owner_id, type="follow_approved",
           target_type="user", target_id=owner_id)
    notify(session, recipient_id=owner_id, actor_id=follower_id, type="follow",
           target_type="user", target_id=owner_id)
    record_activity(session, user_id=owner_id, type="approve", target_type="follow_request",
                    target_id=request_id, data={"follower_id": follower_id})
    record_event(session, UserFollowed(follower_id=follower_id, target_id=owner_id))
    conn = session.get(Connection, request_id)
    assert conn is not None
    session.refresh(conn)
    return _connection_read(conn, compat.compatibility(session, follower_id, owner_id))


def reject_request(session: Session, owner_id: int, request_id: int) -> None:
    """Decline a pending request addressed to the owner (the requester is not told)."""
    follower_id = session.scalar(
        delete(Connection).where(Connection.id == request_id, Connection.target_id == owner_id,
                                 Connection.state == PENDING)
        .returning(Connection.follower_id).execution_options(synchronize_session=False))
    if follower_id is None:
        raise NotFound("Follow request not found", code="request_not_found")
    record_activity(session, user_id=owner_id, type="reject", target_type="follow_request",
                    target_id=request_id, data={"follower_id": follower_id})


def _visible_details_among(session: Session, viewer_id: int | None,
                           ids: Iterable[int]) -> set[int]:
    """Which of these users' style details the viewer may see."""
    ids = set(ids)
    if not ids:
        return set()
    public = set(session.scalars(select(Profile.user_id).where(
        Profile.user_id.in_(ids), Profile.visibility == Visibility.PUBLIC.value)))
    missing = ids - set(session.scalars(select(Profile.user_id).where(Profile.user_id.in_(ids))))
    out = public | missing
    if viewer_id is not None:
        out.add(viewer_id)
        out |= set(session.scalars(select(Connection.target_id).where(
            Connection.follower_id == viewer_id, Connection.target_id.in_(ids),
            Connection.state == ACCEPTED)))
    return out & ids


def _list_connections(session: Session, viewer_id: int | None, owner_id: int, page: PageParams,
                      *, followers: bool) -> tuple[list[ConnectedProfile], int]:
    user = session.get(User, owner_id)
    if user is None or not user.is_active:
        raise NotFound("Profile not found", code="profile_not_found")
    rel = _relations(session, viewer_id, owner_id) if viewer_id is not None else ViewerState()
    profile = session.get(Profile, owner_id)
    if not _details_visible(profile, rel):
        raise Forbidden("This account's connections are private", code="private_profile")
    other = Connection.follower_id if followers else Connection.target_id
    mine = Connection.target_id if followers else Connection.follower_id
    where = [mine == owner_id, Connection.state == ACCEPTED,
             other.in_(select(User.id).where(User.is_active.is_(True)))]
    if viewer_id is not None:
        hidden = graph.blocked_ids(session, viewer_id)
        if hidden:
            where.append(other.not_in(hidden))
    total = session.scalar(select(func.count()).select_from(Connection).where(*where)) or 0
    since = func.coalesce(Connection.accepted_at, Connection.created_at)
    rows = list(session.scalars(select(Connection).where(*where)
                                .order_by(since.desc(), Connection.id.desc())
                                .offset(page.offset).limit(page.per_page)))
    ids = [c.follower_id if followers else c.target_id for c in rows]
    people = cards(session, ids)
    visible = _visible_details_among(session, viewer_id, ids)
    signals = compat.load_signals(session, [owner_id, *visible])
    out = []
    for c in rows:
        uid = c.follower_id if followers else c.target_id
        card = people.get(uid)
        if card is None:
            continue
        score = compat.compatibility(session, owner_id, uid, signals) if uid in visible else None
        info = ConnectionInfo(
            style_compatibility_score=score.score if score else None,
            shared_style_tags=score.shared_style_tags if score else [],
            connected_since=c.accepted_at or c.created_at, interaction_count=c.interaction_count)
        out.append(ConnectedProfile(**card.model_dump(), connection_info=info))
    return out, total


def list_followers(session: Session, viewer_id: int | None, owner_id: int,
                   page: PageParams) -> tuple[list[ConnectedProfile], int]:
    """Who follows `owner` (accepted only); private accounts' lists are for followers."""
    return _list_connections(session, viewer_id, owner_id, page, followers=True)


def list_following(session: Session, viewer_id: int | None, owner_id: int,
                   page: PageParams) -> tuple[list[ConnectedProfile], int]:
    """Whom `owner` follows (accepted only); private accounts' lists are for followers."""
    return _list_connections(session, viewer_id, owner_id, page, followers=False)


# --- blocks and mutes -------------------------------------------------------------------------

def block(session: Session, blocker_id: int, blocked_id: int) -> RelationRead:
    """Block: removes follows and requests both ways; each side disappears for the other."""
    if blocker_id == blocked_id:
        raise InvalidState("You cannot block yourself", code="self_block")
    user = _active_user(session, blocked_id)
    row = Block(blocker_id=blocker_id, blocked_id=blocked_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("You already blocked this account", code="already_blocked") from None
    _remove_connection(session, blocker_id, blocked_id)
    _remove_connection(session, blocked_id, blocker_id)
    record_activity(session, user_id=blocker_id, type="block", target_type="user",
                    target_id=blocked_id)
    record_event(session, UserBlocked(blocker_id=blocker_id, blocked_id=blocked_id))
    return RelationRead(user=_card(user, session.get(Profile, blocked_id)),
                        created_at=row.created_at)


def unblock(session: Session, blocker_id: int, blocked_id: int) -> None:
    gone = rowcount(session.execute(delete(Block).where(Block.blocker_id == blocker_id,
                                                        Block.blocked_id == blocked_id)))
    if not gone:
        raise NotFound("You have not blocked this account", code="not_blocked")
    record_activity(session, user_id=blocker_id, type="unblock", target_type="user",
                    target_id=blocked_id)
    record_event(session, UserUnblocked(blocker_id=blocker_id, blocked_id=blocked_id))


def mute(session: Session, muter_id: int, muted_id: int) -> RelationRead:
    """Mute: hidden from the muter's feeds and notifications only; the follow stays."""
    if muter_id == muted_id:
        raise InvalidState("You cannot mute yourself", code="self_mute")
    user = _active_user(session, muted_id)
    if graph.blocked_either_way(session, muter_id, muted_id):
        raise NotFound("User not found", code="user_not_found")
    row = Mute(muter_id=muter_id, muted_id=muted_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("You already muted this account", code="already_muted") from None
    record_activity(session, user_id=muter_id, type="mute", target_type="user",
                    target_id=muted_id)
    record_event(session, UserMuted(muter_id=muter_id, muted_id=muted_id))
    return RelationRead(user=_card(user, session.get(Profile, muted_id)),
                        created_at=row.created_at)


def unmute(session: Session, muter_id: int, muted_id: int) -> None:
    gone = rowcount(session.execute(delete(Mute).where(Mute.muter_id == muter_id,
                                                       Mute.muted_id == muted_id)))
    if not gone:
        raise NotFound("You have not muted this account", code="not_muted")
    record_activity(session, user_id=muter_id, type="unmute", target_type="user",
                    target_id=muted_id)
    record_event(session, UserUnmuted(muter_id=muter_id, muted_id=muted_id))


def _relation_list(session: Session, model: Any, mine: Any, other: Any, user_id: int,
                   page: PageParams) -> tuple[list[RelationRead], int]:
    total = session.scalar(select(func.count()).select_from(model).where(mine == user_id)) or 0
    rows = session.execute(select(other, model.created_at).where(mine == user_id)
                           .order_by(model.created_at.desc(), model.id.desc())
                           .offset(page.offset).limit(page.per_page)).all()
    people = cards(session, [r[0] for r in rows])
    return [RelationRead(user=people[r[0]], created_at=r[1]) for r in rows if r[0] in people], total


def list_blocks(session: Session, user_id: int, page: PageParams) -> tuple[list[RelationRead], int]:
    return _relation_list(session, Block, Block.blocker_id, Block.blocked_id, user_id, page)


def list_mutes(session: Session, user_id: int, page: PageParams) -> tuple[list[RelationRead], int]:
    return _relation_list(session, Mute, Mute.muter_id, Mute.muted_id, user_id, page)


# --- compatibility and suggestions ------------------------------------------------------------

def get_compatibility(session: Session, viewer_id: int, other_id: int) -> CompatibilityRead:
    """The viewer's style compatibility with another user whose details they may see."""
    if viewer_id == other_id:
        raise InvalidState("Compatibility needs another user", code="self_compatibility")
    _active_user(session, other_id, code="profile_not_found")
    rel = _relations(session, viewer_id, other_id)
    if not _details_visible(session.get(Profile, other_id), rel):
        raise Forbidden("This account's style details are private", code="private_profile")
    c = compat.compatibility(session, viewer_id, other_id)
    return CompatibilityRead(user_id=other_id, score=c.score, reasons=c.reasons, shared=c.shared)


SUGGESTION_POOL = 300
MUTUAL_SATURATION = 3


def suggestions(session: Session, viewer_id: int, limit: int = 20) -> list[SuggestionRead]:
    """Who to follow: 70 % style compatibility + 30 % friends-of-friends, with the reason.

    Excludes the viewer, people already followed or requested, blocked either way and muted.
    """
    excluded = {viewer_id} | graph.blocked_ids(session, viewer_id) | graph.muted_ids(session,
                                                                                      viewer_id)
    excluded |= set(session.scalars(select(Connection.target_id).where(
        Connection.follower_id == viewer_id)))
    following = graph.following_ids(session, viewer_id)
    mutual: dict[int, list[int]] = defaultdict(list)
    if following:
        for target_id, via in session.execute(
            select(Connection.target_id, Connection.follower_id).where(
                Connection.follower_id.in_(following), Connection.state == ACCEPTED)
            .order_by(Connection.follower_id).limit(20_000)
        ):
            if target_id not in excluded:
                mutual[target_id].append(via)
    pool_query = (select(Profile.user_id).join(User, User.id == Profile.user_id)
                  .where(User.is_active.is_(True))
                  .order_by(Profile.followers_count.desc(), Profile.user_id)
                  .limit(SUGGESTION_POOL + len(excluded)))
    pool = [uid for uid in session.scalars(pool_query) if uid not in excluded][:SUGGESTION_POOL]
    candidates = set(pool) | set(mutual)
    candidates = {c for c in candidates if c not in excluded}
    if not candidates:
        return []
    active = set(session.scalars(select(User.id).where(User.id.in_(candidates),
                                                       User.is_active.is_(True))))
    candidates &= active
    visible = _visible_details_among(session, viewer_id, candidates)
    signals = compat.load_signals(session, [viewer_id, *visible])
    names = cards(session, {via for vias in mutual.values() for via in vias[:1]} | candidates)
    scored: list[tuple[float, int, SuggestionRead]] = []
    for uid in candidates:
        c = compat.compatibility(session, viewer_id, uid, signals) if uid in visible else None
        compat_part = 0.7 * (c.score if c else 0)
        vias = mutual.get(uid, [])
        social_part = 30.0 * min(1.0, len(vias) / MUTUAL_SATURATION)
        total = round(compat_part + social_part, 2)
        if total <= 0:
            continue
        reasons: list[str] = []
        if vias:
            first = names.get(vias[0])
            who = (first.display_name or first.username) if first else "someone"
            more = len(vias) - 1
            reasons.append(f"Followed by {who}" + (f" and {more} other{'s' if more > 1 else ''}"
                                                    if more else "") + " you follow")
        if c is not None and c.score > 0:
            style_reason = f"{c.score}% style match: {c.reasons[0]}"
            if compat_part >= social_part:
                reasons.insert(0, style_reason)
            else:
                reasons.append(style_reason)
        card = names.get(uid)
        if card is None or not reasons:
            continue
        scored.append((-total, uid, SuggestionRead(
            user=card, score=total, compatibility=c.score if c else None,
            mutual_followers=len(vias), reason=reasons[0], reasons=reasons)))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [s for _, _, s in scored[:limit]]



# --- moderation target ("profile") ------------------------------------------------------------

def profile_owner(session: Session, user_id: int) -> int | None:
    user = session.get(User, user_id)
    return user.id if user is not None and user.is_active else None


def set_profile_state(session: Session, user_id: int, state: str) -> None:
    """Moderation on a profile: `held` (filter) shows only a bare card until `visible` (approve).

    Hiding or removing a person's profile is not a profile action: accounts are moderated with
    warn, suspend or ban (the moderation domain's rule).
    """
    if state not in (ModerationState.VISIBLE, ModerationState.HELD):
        raise InvalidState("Profiles are moderated with warn, suspend or ban",
                           code="unsupported_action")
    ensure_profile(session, user_id)
    session.execute(update(Profile).where(Profile.user_id == user_id)
                    .values(moderation_state=state).execution_options(synchronize_session=False))
    record_event(session, ProfileUpdated(user_id=user_id))


def can_view_profile(session: Session, viewer_id: int, user_id: int) -> bool:
    return profile_owner(session, user_id) is not None and not graph.blocked_either_way(
        session, viewer_id, user_id)
