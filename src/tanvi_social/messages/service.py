"""Direct messages: conversations, requests, sending, history, receipts, typing, unsend."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams, Pagination, decode_cursor, encode_cursor
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.messages.events import MessageSent, MessagesRead, MessageTyping, MessageUnsent
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
    DmRead,
    MessageCreate,
    ParticipantRead,
    ReadReceipt,
    SharedMedia,
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


def _dm_reads(session: Session, viewer_id: int, messages: list[Message],
              members: list[Participant]) -> list[DmRead]:
    live = [m for m in messages if m.unsent_at is None and m.moderation_state == "visible"]
    cards = author_cards(session, {m.sender_id for m in messages if m.sender_id is not None})
    media = _media_for(session, {m.media_id for m in live if m.media_id is not None})
    posts = _visible_post_ids(session, viewer_id, {m.post_id for m in live if m.post_id})
    out = []
    for m in messages:
        shown = m.unsent_at is None and m.moderation_state == "visible"
        post_id = m.post_id if shown else None
        out.append(DmRead(
            id=m.id, conversation_id=m.conversation_id, sender_id=m.sender_id,
            sender=cards.get(m.sender_id) if m.sender_id is not None else None,
            sender_deleted=m.sender_deleted, body=m.body if shown else None, post_id=post_id,
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


# --- moderation target -----------------------------------------------------------------------

def message_owner(session: Session, message_id: int) -> int | None:
    return session.scalar(select(Message.sender_id).where(Message.id == message_id))


def can_view_message(session: Session, viewer_id: int, message_id: int) -> bool:
    conversation_id = session.scalar(select(Message.conversation_id)
                                     .where(Message.id == message_id))
    if conversation_id is None:
        return False
    return session.scalar(select(Participant.id).where(
        Participant.conversation_id == conversation_id,
        Participant.user_id == viewer_id)) is not None


def set_message_state(session: Session, message_id: int, state: str) -> None:
    session.execute(update(Message).where(Message.id == message_id)
                    .values(moderation_state=state))
