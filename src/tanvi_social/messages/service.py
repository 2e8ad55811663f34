"""Direct messages: conversations, requests, sending, history, receipts, typing, unsend, and
group membership (add, remove, leave, rename) recorded as system messages."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams, Pagination, decode_cursor, encode_cursor
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.messages.events import (
    ConversationUpdated,
    MessageSent,
    MessagesRead,
    MessageTyping,
    MessageUnsent,
)
from tanvi_social.messages.models import (
    Conversation,
    ConversationKind,
    Message,
    MessageHide,
    Participant,
    ParticipantStatus,
)
from tanvi_social.messages.schemas import (
    MAX_GROUP_SIZE,
    ConversationCreate,
    ConversationRead,
    ConversationUpdate,
    DmRead,
    MessageCreate,
    ParticipantRead,
    ParticipantsAdd,
    ReadReceipt,
    SharedMedia,
    SystemEvent,
    UnreadCounts,
)
from tanvi_social.moderation import filters
from tanvi_social.moderation.queue import has_open_item
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards

UNSEND_WINDOW = timedelta(minutes=15)
ACTIVE = ParticipantStatus.ACTIVE.value
REQUEST = ParticipantStatus.REQUEST.value
DECLINED = ParticipantStatus.DECLINED.value


# --- access ----------------------------------------------------------------------------------

def _participants(session: Session, conversation_ids: list[int]) -> dict[int, list[Participant]]:
    out: dict[int, list[Participant]] = defaultdict(list)
    if conversation_ids:
        for p in session.scalars(select(Participant).where(
                Participant.conversation_id.in_(conversation_ids)).order_by(Participant.id)):
            out[p.conversation_id].append(p)
    return out


def _open_report_names(session: Session, conversation_id: int) -> bool:
    ids = select(Message.id).where(Message.conversation_id == conversation_id)
    return has_open_item(session, "message", ids)


def _readable(session: Session, viewer_id: int, is_staff: bool,
              conversation_id: int) -> tuple[Conversation, Participant | None, list[Participant]]:
    """Participants read; staff only while an open report names a message of it; else 404."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("Conversation not found", code="conversation_not_found")
    members = _participants(session, [conversation_id])[conversation_id]
    mine = next((p for p in members if p.user_id == viewer_id), None)
    if mine is None and not (is_staff and _open_report_names(session, conversation_id)):
        raise NotFound("Conversation not found", code="conversation_not_found")
    return conversation, mine, members


def _membership(session: Session, user_id: int,
                conversation_id: int) -> tuple[Conversation, Participant, list[Participant]]:
    conversation, mine, members = _readable(session, user_id, False, conversation_id)
    assert mine is not None
    return conversation, mine, members


def _others(members: list[Participant], user_id: int) -> list[Participant]:
    return [p for p in members if p.user_id != user_id]


def _check_direct_peer(session: Session, conversation: Conversation, user_id: int,
                       members: list[Participant]) -> None:
    """One-to-one: a block either way or a declined request stops the conversation."""
    if conversation.kind != ConversationKind.DIRECT.value:
        return
    others = _others(members, user_id)
    if not others:
        raise InvalidState("The other person has left Tanvi", code="conversation_closed")
    peer = others[0]
    if graph.blocked_either_way(session, user_id, peer.user_id):
        raise Forbidden("You cannot message this person", code="blocked")
    if peer.status == DECLINED:
        raise Forbidden("This person declined your message request", code="request_declined")


# --- read models -----------------------------------------------------------------------------

def _media_for(session: Session, ids: set[int]) -> dict[int, SharedMedia]:
    if not ids:
        return {}
    try:
        from tanvi_social.media.service import media_reads
    except ImportError:
        return {}
    out = {}
    for media_id, m in media_reads(session, list(ids)).items():
        urls = m.urls if isinstance(m.urls, dict) else m.urls.model_dump()
        out[media_id] = SharedMedia(id=m.id, width=m.width, height=m.height, blurhash=m.blurhash,
                                    alt_text=m.alt_text,
                                    urls={k: str(v) for k, v in urls.items() if v})
    return out


def _visible_post_ids(session: Session, viewer_id: int, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    try:
        from tanvi_social.content.access import get_visible_post
    except ImportError:
        return set()
    visible = set()
    for post_id in ids:
        try:
            get_visible_post(session, viewer_id, post_id)
        except NotFound:
            continue
        visible.add(post_id)
    return visible


def _names(cards: dict[int, Any], ids: list[int], viewer_id: int) -> str:
    names = ["you" if i == viewer_id else cards[i].username if i in cards else "someone"
             for i in ids] or ["someone"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _system_text(event: dict[str, Any], cards: dict[int, Any], viewer_id: int) -> str:
    """"mia added zoe and lina", "you left", "mia named the group “Brunch”"."""
    actor_id = event.get("actor_id")
    actor = _names(cards, [actor_id] if isinstance(actor_id, int) else [], viewer_id)
    people = _names(cards, [i for i in event.get("user_ids") or [] if isinstance(i, int)],
                    viewer_id)
    action = event.get("action")
    if action == "added":
        text = f"{actor} added {people}"
    elif action == "removed":
        text = f"{actor} removed {people}"
    elif action == "left":
        text = f"{actor} left"
    elif event.get("title"):
        text = f"{actor} named the group “{event['title']}”"
    else:
        text = f"{actor} removed the group name"
    return text[0].upper() + text[1:]


def _dm_reads(session: Session, viewer_id: int, messages: list[Message],
              members: list[Participant]) -> list[DmRead]:
    live = [m for m in messages if m.unsent_at is None and m.moderation_state == "visible"]
    people = {m.sender_id for m in messages if m.sender_id is not None}
    for m in messages:
        if m.event:
            people |= {i for i in [m.event.get("actor_id"), *(m.event.get("user_ids") or [])]
                       if isinstance(i, int)}
    cards = author_cards(session, people)
    media = _media_for(session, {m.media_id for m in live if m.media_id is not None})
    posts = _visible_post_ids(session, viewer_id, {m.post_id for m in live if m.post_id})
    out = []
    for m in messages:
        shown = m.unsent_at is None and m.moderation_state == "visible"
        post_id = m.post_id if shown else None
        body = m.body if shown else None
        if m.event:
            body = _system_text(m.event, cards, viewer_id)
        out.append(DmRead(
            id=m.id, kind="system" if m.event else "user",
            event=SystemEvent.model_validate(m.event) if m.event else None,
            conversation_id=m.conversation_id, sender_id=m.sender_id,
            sender=cards.get(m.sender_id) if m.sender_id is not None else None,
            sender_deleted=m.sender_deleted, body=body, post_id=post_id,
            post_available=None if post_id is None else post_id in posts,
            media=media.get(m.media_id) if shown and m.media_id is not None else None,
            is_unsent=m.unsent_at is not None, moderation_state=m.moderation_state,
            is_mine=m.sender_id is not None and m.sender_id == viewer_id,
            read_by=[p.user_id for p in members if p.user_id != m.sender_id
                     and p.last_read_message_id is not None and p.last_read_message_id >= m.id],
            created_at=m.created_at,
        ))
    return out


def _conversation_reads(session: Session, viewer_id: int,
                        conversations: list[Conversation]) -> list[ConversationRead]:
    ids = [c.id for c in conversations]
    members = _participants(session, ids)
    cards = author_cards(session, {p.user_id for ps in members.values() for p in ps})
    last_ids = [c.last_message_id for c in conversations if c.last_message_id is not None]
    last: dict[int, Message] = {}
    if last_ids:
        hidden = select(MessageHide.id).where(MessageHide.message_id == Message.id,
                                              MessageHide.user_id == viewer_id)
        last = {m.id: m for m in session.scalars(
            select(Message).where(Message.id.in_(last_ids), ~exists(hidden)))}
    out = []
    for c in conversations:
        ps = members.get(c.id, [])
        mine = next((p for p in ps if p.user_id == viewer_id), None)
        message = last.get(c.last_message_id) if c.last_message_id is not None else None
        out.append(ConversationRead(
            id=c.id, kind=c.kind, title=c.title, created_by=c.created_by,
            admin_id=_admin_id(c, ps) if c.kind == ConversationKind.GROUP.value else None,
            participants=[ParticipantRead(user=cards[p.user_id], status=p.status,
                                          last_read_message_id=p.last_read_message_id)
                          for p in ps if p.user_id in cards],
            my_status=mine.status if mine is not None else None,
            unread_count=mine.unread_count if mine is not None else 0,
            last_message=_dm_reads(session, viewer_id, [message], ps)[0] if message else None,
            last_message_at=c.last_message_at, created_at=c.created_at,
        ))
    return out


# --- conversations ---------------------------------------------------------------------------

def _direct_key(a: int, b: int) -> str:
    return f"{min(a, b)}:{max(a, b)}"


def create_conversation(session: Session, user_id: int,
                        data: ConversationCreate) -> tuple[ConversationRead, bool]:
    """Start a conversation; a one-to-one with the same person returns the existing one."""
    others = sorted(set(data.participant_ids) - {user_id})
    if not others:
        raise Forbidden("You cannot start a conversation with only yourself",
                        code="no_participants")
    if len(others) + 1 > MAX_GROUP_SIZE:
        raise InvalidState(f"A group has at most {MAX_GROUP_SIZE} people", code="group_too_large")
    found = set(session.scalars(select(User.id).where(User.id.in_(others), User.is_active)))
    if found != set(others):
        raise NotFound("User not found", code="user_not_found")
    for other in others:
        if graph.blocked_either_way(session, user_id, other):
            raise Forbidden("You cannot message this person", code="blocked")
    direct = len(others) == 1
    key = _direct_key(user_id, others[0]) if direct else None
    if key is not None:
        existing = session.scalar(select(Conversation).where(Conversation.direct_key == key))
        if existing is not None:
            return _conversation_reads(session, user_id, [existing])[0], False
    conversation = Conversation(
        kind=(ConversationKind.DIRECT if direct else ConversationKind.GROUP).value,
        title=None if direct else (data.title or None), created_by=user_id, direct_key=key)
    try:
        with session.begin_nested():
            session.add(conversation)
            session.flush()
            session.add(Participant(conversation_id=conversation.id, user_id=user_id,
                                    status=ACTIVE))
            for other in others:
                follows_me = graph.is_following(session, other, user_id)
                session.add(Participant(conversation_id=conversation.id, user_id=other,
                                        status=ACTIVE if follows_me else REQUEST))
            session.flush()
    except IntegrityError:  # the same pair started a conversation concurrently
        existing = session.scalar(select(Conversation).where(Conversation.direct_key == key))
        if existing is None:
            raise
        return _conversation_reads(session, user_id, [existing])[0], False
    return _conversation_reads(session, user_id, [conversation])[0], True


def get_conversation(session: Session, viewer_id: int, is_staff: bool,
                     conversation_id: int) -> ConversationRead:
    conversation, _, _ = _readable(session, viewer_id, is_staff, conversation_id)
    return _conversation_reads(session, viewer_id, [conversation])[0]


def _list(session: Session, user_id: int, status: str,
          params: PageParams) -> tuple[list[ConversationRead], Pagination]:
    conditions = [Participant.user_id == user_id, Participant.status == status]
    if status == REQUEST:
        conditions.append(Conversation.last_message_id.is_not(None))
    base = select(Conversation).join(Participant, Participant.conversation_id == Conversation.id)
    total = session.scalar(select(func.count()).select_from(
        base.where(*conditions).subquery())) or 0
    recent = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    rows = list(session.scalars(base.where(*conditions)
                                .order_by(recent.desc(), Conversation.id.desc())
                                .offset(params.offset).limit(params.per_page)))
    return _conversation_reads(session, user_id, rows), Pagination.build(params, total)


def list_conversations(session: Session, user_id: int,
                       params: PageParams) -> tuple[list[ConversationRead], Pagination]:
    """The caller's accepted conversations, most recent first."""
    return _list(session, user_id, ACTIVE, params)


def list_requests(session: Session, user_id: int,
                  params: PageParams) -> tuple[list[ConversationRead], Pagination]:
    """Message requests: conversations started by people the caller does not follow."""
    return _list(session, user_id, REQUEST, params)


def answer_request(session: Session, user_id: int, conversation_id: int,
                   accept: bool) -> ConversationRead:
    conversation, mine, _ = _membership(session, user_id, conversation_id)
    if mine.status != REQUEST:
        raise InvalidState("There is no pending request here", code="not_a_request")
    mine.status = ACTIVE if accept else DECLINED
    if not accept:
        mine.unread_count = 0
        mine.last_read_message_id = conversation.last_message_id
    session.flush()
    return _conversation_reads(session, user_id, [conversation])[0]


# --- messages --------------------------------------------------------------------------------

def _check_shared_post(session: Session, user_id: int, post_id: int) -> None:
    try:
        from tanvi_social.content.access import get_visible_post
    except ImportError:
        raise NotFound("Post not found", code="post_not_found") from None
    get_visible_post(session, user_id, post_id)


def _claim_media(session: Session, user_id: int, media_id: int) -> None:
    try:
        from tanvi_social.media.service import claim_media
    except ImportError:
        raise NotFound("Media not found", code="media_not_found") from None
    claim_media(session, user_id, [media_id])


def send_message(session: Session, user_id: int, conversation_id: int,
                 data: MessageCreate) -> DmRead:
    """Send text, a shared post and/or an image; sending into a request accepts it."""
    body = data.body.strip() if data.body else None
    if not body and data.post_id is None and data.media_id is None:
        raise ValidationFailed("A message needs text, a post or an image", code="empty_message",
                               details=[{"loc": ["body", "body"], "msg": "empty"}])
    conversation, mine, members = _membership(session, user_id, conversation_id)
    _check_direct_peer(session, conversation, user_id, members)
    if body:
        decision = filters.screen_text(session, body)
        if decision.action == "reject":
            raise ValidationFailed("This message contains words that are not allowed",
                                   code="filtered_text",
                                   details=[{"loc": ["body", "body"], "msg": "filtered"}])
    if data.post_id is not None:
        _check_shared_post(session, user_id, data.post_id)
    if data.media_id is not None:
        _claim_media(session, user_id, data.media_id)
    message = Message(conversation_id=conversation.id, sender_id=user_id, body=body or None,
                      post_id=data.post_id, media_id=data.media_id)
    session.add(message)
    session.flush()
    conversation.last_message_id = message.id
    conversation.last_message_at = message.created_at
    session.execute(update(Participant).where(
        Participant.conversation_id == conversation.id, Participant.user_id != user_id,
        Participant.status != DECLINED).values(unread_count=Participant.unread_count + 1))
    mine.status = ACTIVE
    mine.last_read_message_id = message.id
    mine.last_read_at = utcnow()
    mine.unread_count = 0
    session.flush()
    read = _dm_reads(session, user_id, [message], members)[0]
    record_event(session, MessageSent(
        conversation_id=conversation.id,
        participant_ids=[p.user_id for p in members if p.status != DECLINED],
        message=read.model_dump(mode="json", exclude={"is_mine", "post_available"})))
    return read


def list_messages(session: Session, viewer_id: int, is_staff: bool, conversation_id: int,
                  cursor: str | None, limit: int) -> tuple[list[DmRead], str | None]:
    """History, newest first, keyset-paged by `cursor`."""
    conversation, mine, members = _readable(session, viewer_id, is_staff, conversation_id)
    conditions: list[Any] = [Message.conversation_id == conversation.id]
    if mine is not None:
        conditions.append(~exists(select(MessageHide.id).where(
            MessageHide.message_id == Message.id, MessageHide.user_id == viewer_id)))
        if mine.history_from_id is not None:
            conditions.append(Message.id > mine.history_from_id)
        if conversation.kind == ConversationKind.GROUP.value:
            blocked = graph.blocked_ids(session, viewer_id)
            if blocked:
                conditions.append(or_(Message.sender_id.is_(None),
                                      Message.sender_id.not_in(blocked)))
    if cursor:
        created_at, last_id = decode_cursor(cursor)
        conditions.append(or_(Message.created_at < created_at,
                              and_(Message.created_at == created_at, Message.id < last_id)))
    rows = list(session.scalars(select(Message).where(*conditions)
                                .order_by(Message.created_at.desc(), Message.id.desc())
                                .limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id)
    return _dm_reads(session, viewer_id, rows, members), next_cursor


def mark_read(session: Session, user_id: int, conversation_id: int) -> ReadReceipt:
    """Read receipt: everything up to the latest message is read."""
    conversation, mine, members = _membership(session, user_id, conversation_id)
    mine.last_read_message_id = conversation.last_message_id
    mine.last_read_at = utcnow()
    mine.unread_count = 0
    session.flush()
    record_event(session, MessagesRead(
        conversation_id=conversation.id, user_id=user_id,
        last_read_message_id=conversation.last_message_id,
        participant_ids=[p.user_id for p in members if p.status != DECLINED]))
    return ReadReceipt(conversation_id=conversation.id,
                       last_read_message_id=conversation.last_message_id, unread_count=0)


def typing(session: Session, user_id: int, conversation_id: int) -> None:
    """Publish "is typing" to the other participants (realtime event `message.typing`)."""
    conversation, mine, members = _membership(session, user_id, conversation_id)
    _check_direct_peer(session, conversation, user_id, members)
    if mine.status == DECLINED:
        raise InvalidState("You declined this conversation", code="request_declined")
    record_event(session, MessageTyping(
        conversation_id=conversation.id, user_id=user_id,
        participant_ids=[p.user_id for p in members
                         if p.user_id != user_id and p.status != DECLINED]))


def delete_message(session: Session, user_id: int, message_id: int, scope: str) -> None:
    """`me`: hide it for the caller; `everyone`: the sender unsends it within the window."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound("Message not found", code="message_not_found")
    conversation, mine, members = _membership(session, user_id, message.conversation_id)
    if mine.history_from_id is not None and message.id <= mine.history_from_id:
        raise NotFound("Message not found", code="message_not_found")
    unread_for_me = (message.sender_id != user_id and message.unsent_at is None
                     and (mine.last_read_message_id is None
                          or mine.last_read_message_id < message.id))
    if scope == "me":
        try:
            with session.begin_nested():
                session.add(MessageHide(message_id=message.id, user_id=user_id))
        except IntegrityError:
            return  # already deleted for the caller
        if unread_for_me and mine.unread_count > 0:
            mine.unread_count -= 1
        session.flush()
        return
    if message.sender_id != user_id:
        raise Forbidden("Only the sender can unsend a message", code="not_sender")
    if message.unsent_at is not None:
        raise Conflict("This message was already unsent", code="already_unsent")
    if utcnow() - as_utc(message.created_at) > UNSEND_WINDOW:
        minutes = int(UNSEND_WINDOW.total_seconds() // 60)
        raise Forbidden(f"Messages can only be unsent within {minutes} minutes",
                        code="unsend_window_passed")
    hidden_by = select(MessageHide.user_id).where(MessageHide.message_id == message.id)
    session.execute(update(Participant).where(
        Participant.conversation_id == conversation.id, Participant.user_id != user_id,
        Participant.status != DECLINED, Participant.unread_count > 0,
        or_(Participant.last_read_message_id.is_(None),
            Participant.last_read_message_id < message.id),
        Participant.user_id.not_in(hidden_by),
    ).values(unread_count=Participant.unread_count - 1))
    message.unsent_at = utcnow()
    message.body = None
    message.post_id = None
    message.media_id = None
    session.flush()
    record_event(session, MessageUnsent(
        conversation_id=conversation.id, message_id=message.id,
        participant_ids=[p.user_id for p in members if p.status != DECLINED]))


def unread_counts(session: Session, user_id: int) -> UnreadCounts:
    row = session.execute(
        select(func.coalesce(func.sum(Participant.unread_count), 0),
               func.count().filter(Participant.unread_count > 0))
        .where(Participant.user_id == user_id, Participant.status == ACTIVE)).one()
    requests = session.scalar(
        select(func.count()).select_from(Participant)
        .join(Conversation, Conversation.id == Participant.conversation_id)
        .where(Participant.user_id == user_id, Participant.status == REQUEST,
               Conversation.last_message_id.is_not(None))) or 0
    return UnreadCounts(messages=int(row[0]), conversations=int(row[1]), requests=requests)


# --- group membership ------------------------------------------------------------------------
#
# Rules (docs/messages.md): any active participant of a group may add people and rename it; only
# its admin (`created_by`) may remove someone; anyone may leave. Added people must be active
# accounts with no block either way with the one adding them; they join as `active` when they
# follow that person and as a message request otherwise (as when a group is started), and see
# only what is said after they join. A group never exceeds MAX_GROUP_SIZE people (409
# `group_full`). Each change is a system message in the history and a `conversation.updated`
# event.

def _group(session: Session, user_id: int,
           conversation_id: int) -> tuple[Conversation, Participant, list[Participant]]:
    conversation, mine, members = _membership(session, user_id, conversation_id)
    if conversation.kind != ConversationKind.GROUP.value:
        raise InvalidState("Only group conversations have members to change", code="not_a_group")
    return conversation, mine, members


def _require_active(mine: Participant) -> None:
    if mine.status != ACTIVE:
        raise Forbidden("Accept the group before changing it", code="not_active_participant")


def _admin_id(conversation: Conversation, members: list[Participant]) -> int | None:
    """The group's admin: its creator while a member, else the longest-standing member
    (active first)."""
    ids = [p.user_id for p in members]
    if conversation.created_by in ids:
        return conversation.created_by
    ranked = sorted(members, key=lambda p: (p.status != ACTIVE, p.id))
    return ranked[0].user_id if ranked else None


def _record_change(session: Session, conversation: Conversation, actor_id: int, action: str,
                   user_ids: list[int], members: list[Participant], notified: set[int],
                   title: str | None = None) -> DmRead:
    """Write the system message, bump the conversation (not the unread counts), publish."""
    event = {"action": action, "actor_id": actor_id, "user_ids": user_ids, "title": title}
    message = Message(conversation_id=conversation.id, sender_id=None, body=None, event=event)
    session.add(message)
    session.flush()
    conversation.last_message_id = message.id
    conversation.last_message_at = message.created_at
    for p in members:
        if p.user_id == actor_id:
            p.last_read_message_id = message.id
            p.last_read_at = utcnow()
    session.flush()
    # Written for no one in particular ("Mia added zoe", never "You added zoe"): every member
    # receives the same payload.
    read = _dm_reads(session, 0, [message], members)[0]
    record_event(session, ConversationUpdated(
        conversation_id=conversation.id, change=action, actor_id=actor_id, user_ids=user_ids,
        title=conversation.title,
        participant_ids=sorted({p.user_id for p in members if p.status != DECLINED} | notified),
        message=read.model_dump(mode="json", exclude={"is_mine", "post_available"})))
    return read


def add_participants(session: Session, user_id: int, conversation_id: int,
                     data: ParticipantsAdd) -> ConversationRead:
    """Add people to a group (see the rules above)."""
    conversation, mine, members = _group(session, user_id, conversation_id)
    _require_active(mine)
    wanted = sorted(set(data.user_ids))
    present = {p.user_id for p in members}
    if user_id in wanted or present & set(wanted):
        raise Conflict("Already in this group", code="already_participant")
    found = set(session.scalars(select(User.id).where(User.id.in_(wanted), User.is_active)))
    if found != set(wanted):
        raise NotFound("User not found", code="user_not_found")
    for other in wanted:
        if graph.blocked_either_way(session, user_id, other):
            raise Forbidden("You cannot add this person", code="blocked")
    if len(members) + len(wanted) > MAX_GROUP_SIZE:
        raise Conflict(f"A group has at most {MAX_GROUP_SIZE} people", code="group_full")
    history_from = conversation.last_message_id
    try:
        with session.begin_nested():
            for other in wanted:
                follows_me = graph.is_following(session, other, user_id)
                member = Participant(conversation_id=conversation.id, user_id=other,
                                     status=ACTIVE if follows_me else REQUEST,
                                     history_from_id=history_from)
                session.add(member)
                members.append(member)
            session.flush()
    except IntegrityError:  # added concurrently by someone else
        raise Conflict("Already in this group", code="already_participant") from None
    _record_change(session, conversation, user_id, "added", wanted, members, set())
    return _conversation_reads(session, user_id, [conversation])[0]


def _drop_member(session: Session, conversation: Conversation, member: Participant,
                 members: list[Participant]) -> None:
    session.execute(delete(MessageHide).where(
        MessageHide.user_id == member.user_id,
        MessageHide.message_id.in_(select(Message.id).where(
            Message.conversation_id == conversation.id))))
    session.delete(member)
    members.remove(member)
    session.flush()


def remove_participant(session: Session, user_id: int, conversation_id: int,
                       target_id: int) -> ConversationRead:
    """The group's admin removes someone; they can no longer read or send (404)."""
    conversation, _, members = _group(session, user_id, conversation_id)
    if target_id == user_id:
        raise InvalidState("Use /leave to leave the group", code="use_leave")
    if _admin_id(conversation, members) != user_id:
        raise Forbidden("Only the group's admin can remove people", code="not_group_admin")
    target = next((p for p in members if p.user_id == target_id), None)
    if target is None:
        raise NotFound("Not in this group", code="participant_not_found")
    _drop_member(session, conversation, target, members)
    _record_change(session, conversation, user_id, "removed", [target_id], members, {target_id})
    return _conversation_reads(session, user_id, [conversation])[0]


def leave_conversation(session: Session, user_id: int, conversation_id: int) -> None:
    """Leave a group; the admin role passes on; the last one to leave ends the group."""
    conversation, mine, members = _group(session, user_id, conversation_id)
    admin = _admin_id(conversation, members)
    _drop_member(session, conversation, mine, members)
    if not members:
        session.execute(delete(Conversation).where(Conversation.id == conversation.id))
        record_event(session, ConversationUpdated(
            conversation_id=conversation.id, change="left", actor_id=user_id,
            user_ids=[user_id], title=None, participant_ids=[user_id], message=None))
        return
    if admin == user_id or conversation.created_by == user_id:
        conversation.created_by = _admin_id(conversation, members)
    _record_change(session, conversation, user_id, "left", [user_id], members, {user_id})


def rename_conversation(session: Session, user_id: int, conversation_id: int,
                        data: ConversationUpdate) -> ConversationRead:
    """Name (or, with null or blank, unname) a group; any active participant may."""
    conversation, mine, members = _group(session, user_id, conversation_id)
    _require_active(mine)
    title = " ".join(data.title.split()) if data.title else None
    title = title or None
    if title != conversation.title:
        conversation.title = title
        _record_change(session, conversation, user_id, "renamed", [], members, set(),
                       title=conversation.title)
    return _conversation_reads(session, user_id, [conversation])[0]


# --- moderation target -----------------------------------------------------------------------

def message_owner(session: Session, message_id: int) -> int | None:
    return session.scalar(select(Message.sender_id).where(Message.id == message_id))


def can_view_message(session: Session, viewer_id: int, message_id: int) -> bool:
    conversation_id = session.scalar(select(Message.conversation_id)
                                     .where(Message.id == message_id))
    if conversation_id is None:
        return False
    if session.scalar(select(Message.event).where(Message.id == message_id)) is not None:
        return False  # a system message ("mia added zoe") is nobody's to report
    member = session.scalar(select(Participant).where(
        Participant.conversation_id == conversation_id, Participant.user_id == viewer_id))
    return member is not None and (member.history_from_id is None
                                   or message_id > member.history_from_id)


def set_message_state(session: Session, message_id: int, state: str) -> None:
    session.execute(update(Message).where(Message.id == message_id)
                    .values(moderation_state=state))
