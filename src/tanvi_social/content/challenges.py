"""Style challenges: create, join, submit an entry, vote; fair ordering while open; winners.

While a challenge is open, entries come in an order shuffled per viewer (seeded by viewer id and
challenge id, so it is stable for that viewer) and vote totals are hidden, so early entries get
no head start. After `ends_at` nothing more can be entered or voted; the leaderboard ranks by
votes, then by who reached their final total first, then by entry id (docs/algorithms.md).
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import Role, User
from tanvi_social.content import service
from tanvi_social.content.access import can_view_post, get_visible_post, visible_posts_clause
from tanvi_social.content.models import (
    Challenge,
    ChallengeEntry,
    ChallengeParticipant,
    ChallengeVote,
    ModerationState,
    Post,
    PostType,
)
from tanvi_social.content.schemas import (
    ChallengeCreate,
    ChallengeRead,
    ChallengeViewer,
    EntryRead,
    VoteResult,
)
from tanvi_social.core.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify

MAX_DURATION = timedelta(days=90)
WINNERS = 3


def status_of(challenge: Challenge, now: datetime | None = None) -> str:
    now = now or utcnow()
    if now < as_utc(challenge.starts_at):
        return "upcoming"
    if now < as_utc(challenge.ends_at):
        return "open"
    return "closed"


def _get(session: Session, challenge_id: int) -> Challenge:
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound("Challenge not found", code="challenge_not_found")
    return challenge


def _ranked_entries(session: Session, challenge_id: int, viewer_id: int | None,
                    *, public_only: bool = False) -> list[ChallengeEntry]:
    """Leaderboard order: votes desc, earliest moment the final total was reached, entry id."""
    last_vote = (select(ChallengeVote.entry_id, func.max(ChallengeVote.created_at).label("at"))
                 .group_by(ChallengeVote.entry_id).subquery())
    q = (select(ChallengeEntry, last_vote.c.at)
         .join(Post, Post.id == ChallengeEntry.post_id)
         .outerjoin(last_vote, last_vote.c.entry_id == ChallengeEntry.id)
         .where(ChallengeEntry.challenge_id == challenge_id))
    if public_only:
        q = q.where(Post.deleted_at.is_(None),
                    Post.moderation_state == ModerationState.VISIBLE.value)
    else:
        q = q.where(visible_posts_clause(session, viewer_id))
    rows = session.execute(q).all()
    far = datetime.max.replace(tzinfo=None)

    def key(row: Any) -> tuple[int, datetime, int]:
        at = row[1]
        at = far if at is None else as_utc(at).replace(tzinfo=None)
        return (-row[0].vote_count, at, row[0].id)

    return [r[0] for r in sorted(rows, key=key)]


def _winners(session: Session, challenge: Challenge) -> tuple[list[int], bool]:
    if challenge.closed_at is not None:
        return list(challenge.winners or []), True
    if status_of(challenge) != "closed":
        return [], False
    ranked = _ranked_entries(session, challenge.id, None, public_only=True)
    return [e.id for e in ranked if e.vote_count > 0][:WINNERS], False


def _reads(session: Session, viewer_id: int | None, rows: list[Challenge]) -> list[ChallengeRead]:
    cards = author_cards(session, {c.creator_id for c in rows if c.creator_id is not None})
    ids = [c.id for c in rows]
    joined: set[int] = set()
    entries: dict[int, int] = {}
    votes: dict[int, int] = {}
    if viewer_id is not None and ids:
        joined = set(session.scalars(select(ChallengeParticipant.challenge_id).where(
            ChallengeParticipant.user_id == viewer_id,
            ChallengeParticipant.challenge_id.in_(ids))))
        entries = dict(session.execute(select(ChallengeEntry.challenge_id, ChallengeEntry.id)
                                       .where(ChallengeEntry.user_id == viewer_id,
                                              ChallengeEntry.challenge_id.in_(ids)))
                       .tuples().all())
        votes = dict(session.execute(
            select(ChallengeEntry.challenge_id, func.count())
            .join(ChallengeVote, ChallengeVote.entry_id == ChallengeEntry.id)
            .where(ChallengeVote.user_id == viewer_id, ChallengeEntry.challenge_id.in_(ids))
            .group_by(ChallengeEntry.challenge_id)).tuples().all())
    out = []
    for c in rows:
        winners, recorded = _winners(session, c)
        out.append(ChallengeRead(
            id=c.id, creator=cards.get(c.creator_id) if c.creator_id else None, title=c.title,
            description=c.description, challenge_type=c.challenge_type, hashtag=c.hashtag,
            rules=list(c.rules or []), required_items=list(c.required_items or []),
            difficulty=c.difficulty, has_prizes=c.has_prizes,
            prize_description=c.prize_description, starts_at=c.starts_at, ends_at=c.ends_at,
            status=status_of(c), participants_count=c.participants_count,
            entries_count=c.entries_count, winners=winners, winners_recorded=recorded,
            created_at=c.created_at,
            viewer=ChallengeViewer(joined=c.id in joined, entry_id=entries.get(c.id),
                                   votes_cast=votes.get(c.id, 0))))
    return out


def create_challenge(session: Session, user_id: int, data: ChallengeCreate) -> ChallengeRead:
    """Admins, moderators and verified accounts may create challenges."""
    user = session.get(User, user_id)
    if user is None or not (user.role in (Role.ADMIN.value, Role.MODERATOR.value)
                            or user.is_verified):
        raise Forbidden("Only verified creators and moderators may start challenges",
                        code="not_allowed_to_create_challenge")
    now = utcnow()
    starts = as_utc(data.starts_at) if data.starts_at else now
    ends = as_utc(data.ends_at)
    if starts < now - timedelta(minutes=5):
        starts = now
    problems = []
    if ends <= max(now, starts):
        problems.append({"loc": ["body", "ends_at"], "msg": "must be after now and starts_at"})
    elif ends - starts > MAX_DURATION:
        problems.append({"loc": ["body", "ends_at"], "msg": "a challenge lasts at most 90 days"})
    if problems:
        raise ValidationFailed("Invalid challenge dates", code="invalid_dates", details=problems)
    challenge = Challenge(creator_id=user_id, title=data.title, description=data.description,
                          challenge_type=data.challenge_type, hashtag=data.hashtag,
                          rules=data.rules, required_items=data.required_items,
                          difficulty=data.difficulty, has_prizes=data.has_prizes,
                          prize_description=data.prize_description, starts_at=starts,
                          ends_at=ends)
    session.add(challenge)
    session.flush()
    record_activity(session, user_id=user_id, type="create", target_type="challenge",
                    target_id=challenge.id)
    return _reads(session, user_id, [challenge])[0]


def list_challenges(session: Session, viewer_id: int | None, status: str | None,
                    challenge_type: str | None, difficulty: str | None, page: PageParams
                    ) -> tuple[list[ChallengeRead], int]:
    now = utcnow()
    q = select(Challenge)
    if status == "open":
        q = q.where(Challenge.starts_at <= now, Challenge.ends_at > now)
    elif status == "upcoming":
        q = q.where(Challenge.starts_at > now)
    elif status == "closed":
        q = q.where(Challenge.ends_at <= now)
    if challenge_type:
        q = q.where(Challenge.challenge_type == challenge_type)
    if difficulty:
        q = q.where(Challenge.difficulty == difficulty)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(Challenge.participants_count.desc(),
                                           Challenge.id.desc())
                                .offset(page.offset).limit(page.per_page)))
    return _reads(session, viewer_id, rows), total


def get_challenge(session: Session, viewer_id: int | None, challenge_id: int) -> ChallengeRead:
    return _reads(session, viewer_id, [_get(session, challenge_id)])[0]


def _ensure_not_closed(challenge: Challenge) -> None:
    if status_of(challenge) == "closed":
        raise InvalidState("This challenge has ended", code="challenge_closed")


def _join(session: Session, user_id: int, challenge: Challenge) -> bool:
    try:
        with session.begin_nested():
            session.add(ChallengeParticipant(challenge_id=challenge.id, user_id=user_id))
    except IntegrityError:
        return False
    session.execute(update(Challenge).where(Challenge.id == challenge.id)
                    .values(participants_count=Challenge.participants_count + 1)
                    .execution_options(synchronize_session=False))
    record_activity(session, user_id=user_id, type="join", target_type="challenge",
                    target_id=challenge.id)
    return True


def join_challenge(session: Session, user_id: int, challenge_id: int) -> ChallengeRead:
    challenge = _get(session, challenge_id)
    _ensure_not_closed(challenge)
    if not _join(session, user_id, challenge):
        raise Conflict("You already joined this challenge", code="already_joined")
    session.flush()
    session.refresh(challenge)
    return _reads(session, user_id, [challenge])[0]


def _entry_reads(session: Session, viewer_id: int | None, challenge: Challenge,
                 entries: list[ChallengeEntry], ranks: dict[int, int] | None,
                 base_url: str) -> list[EntryRead]:
    posts = session.scalars(select(Post).where(Post.id.in_([e.post_id for e in entries]))).all()
    reads = {p.id: p for p in service.build_post_reads(session, viewer_id, list(posts),
                                                       base_url=base_url)}
    cards = author_cards(session, {e.user_id for e in entries})
    voted: set[int] = set()
    if viewer_id is not None and entries:
        voted = set(session.scalars(select(ChallengeVote.entry_id).where(
            ChallengeVote.user_id == viewer_id,
            ChallengeVote.entry_id.in_([e.id for e in entries]))))
    closed = ranks is not None
    rank_of = ranks or {}
    return [EntryRead(id=e.id, challenge_id=challenge.id, post=reads[e.post_id],
                      user=cards.get(e.user_id), rank=rank_of.get(e.id) if closed else None,
                      vote_count=e.vote_count if closed else None, voted=e.id in voted,
                      created_at=e.created_at)
            for e in entries if e.post_id in reads]


def submit_entry(session: Session, user_id: int, challenge_id: int, post_id: int,
                 base_url: str = "") -> EntryRead:
    """Enter one of your own public, published posts (joins the challenge if needed)."""
    challenge = _get(session, challenge_id)
    _ensure_not_closed(challenge)
    if status_of(challenge) == "upcoming":
        raise InvalidState("This challenge has not started yet", code="challenge_not_started")
    post = get_visible_post(session, user_id, post_id)
    if post.author_id != user_id:
        raise Forbidden("You can only enter your own posts", code="not_post_author")
    if post.is_draft or post.post_type == PostType.REPOST.value or \
            not can_view_post(session, None, post):
        raise InvalidState("Only published public posts can enter a challenge",
                           code="entry_must_be_public")
    _join(session, user_id, challenge)
    entry = ChallengeEntry(challenge_id=challenge_id, post_id=post_id, user_id=user_id)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError as exc:
        raise Conflict("You already have an entry here, or this post already entered a challenge",
                       code="already_entered") from exc
    session.execute(update(Challenge).where(Challenge.id == challenge_id)
                    .values(entries_count=Challenge.entries_count + 1)
                    .execution_options(synchronize_session=False))
    post.challenge_id = challenge_id
    if challenge.creator_id is not None:
        notify(session, recipient_id=challenge.creator_id, actor_id=user_id,
               type="challenge_entry", target_type="challenge", target_id=challenge_id,
               data={"entry_id": entry.id, "post_id": post_id})
    record_activity(session, user_id=user_id, type="create", target_type="challenge_entry",
                    target_id=entry.id, data={"challenge_id": challenge_id})
    session.flush()
    return _entry_reads(session, user_id, challenge, [entry], None, base_url)[0]


def shuffle_seed(viewer_id: int | None, challenge_id: int) -> int:
    digest = hashlib.sha256(f"{viewer_id or 0}:{challenge_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def list_entries(session: Session, viewer_id: int | None, challenge_id: int, page: PageParams,
                 base_url: str = "") -> tuple[list[EntryRead], str, int]:
    """Open: per-viewer shuffled, totals hidden. Closed: the leaderboard with ranks."""
    challenge = _get(session, challenge_id)
    if status_of(challenge) == "closed":
        ranked = _ranked_entries(session, challenge_id, viewer_id)
        all_ranked = _ranked_entries(session, challenge_id, None, public_only=True)
        ranks = {e.id: i + 1 for i, e in enumerate(all_ranked)}
        window = ranked[page.offset:page.offset + page.per_page]
        return (_entry_reads(session, viewer_id, challenge, window, ranks, base_url),
                "leaderboard", len(ranked))
    rows = session.execute(select(ChallengeEntry.id).join(Post, Post.id == ChallengeEntry.post_id)
                           .where(ChallengeEntry.challenge_id == challenge_id,
                                  visible_posts_clause(session, viewer_id))
                           .order_by(ChallengeEntry.id)).scalars().all()
    order = list(rows)
    random.Random(shuffle_seed(viewer_id, challenge_id)).shuffle(order)
    window_ids = order[page.offset:page.offset + page.per_page]
    by_id = {e.id: e for e in session.scalars(select(ChallengeEntry).where(
        ChallengeEntry.id.in_(window_ids)))}
    window = [by_id[i] for i in window_ids if i in by_id]
    return _entry_reads(session, viewer_id, challenge, window, None, base_url), "shuffled", \
        len(order)


def _entry_for_vote(session: Session, user_id: int, challenge_id: int, entry_id: int
                    ) -> tuple[Challenge, ChallengeEntry]:
    challenge = _get(session, challenge_id)
    entry = session.get(ChallengeEntry, entry_id)
    if entry is None or entry.challenge_id != challenge_id:
        raise NotFound("Entry not found", code="entry_not_found")
    try:
        get_visible_post(session, user_id, entry.post_id)
    except NotFound:
        raise NotFound("Entry not found", code="entry_not_found") from None
    _ensure_not_closed(challenge)
    return challenge, entry


def vote(session: Session, user_id: int, challenge_id: int, entry_id: int) -> VoteResult:
    """One vote per user per entry, never on one's own entry, only while open."""
    _, entry = _entry_for_vote(session, user_id, challenge_id, entry_id)
    if entry.user_id == user_id:
        raise Forbidden("You cannot vote for your own entry", code="own_entry")
    try:
        with session.begin_nested():
            session.add(ChallengeVote(entry_id=entry_id, user_id=user_id))
    except IntegrityError as exc:
        raise Conflict("You already voted for this entry", code="already_voted") from exc
    session.execute(update(ChallengeEntry).where(ChallengeEntry.id == entry_id)
                    .values(vote_count=ChallengeEntry.vote_count + 1)
                    .execution_options(synchronize_session=False))
    record_activity(session, user_id=user_id, type="vote", target_type="challenge_entry",
                    target_id=entry_id, data={"challenge_id": challenge_id})
    return VoteResult(entry_id=entry_id, voted=True)


def unvote(session: Session, user_id: int, challenge_id: int, entry_id: int) -> VoteResult:
    _entry_for_vote(session, user_id, challenge_id, entry_id)
    removed = session.execute(delete(ChallengeVote).where(
        ChallengeVote.entry_id == entry_id, ChallengeVote.user_id == user_id,
    ).returning(ChallengeVote.id)).first()
    if removed is None:
        raise NotFound("You have not voted for this entry", code="not_voted")
    session.execute(update(ChallengeEntry).where(ChallengeEntry.id == entry_id)
                    .values(vote_count=ChallengeEntry.vote_count - 1)
                    .execution_options(synchronize_session=False))
    return VoteResult(entry_id=entry_id, voted=False)


def withdraw_entry_for_post(session: Session, post_id: int) -> None:
    """A deleted post leaves an open challenge (a closed challenge keeps its history)."""
    entry = session.scalar(select(ChallengeEntry).where(ChallengeEntry.post_id == post_id))
    if entry is None:
        return
    challenge = session.get(Challenge, entry.challenge_id)
    if challenge is None or status_of(challenge) == "closed":
        return
    session.delete(entry)
    session.execute(update(Challenge).where(Challenge.id == challenge.id)
                    .values(entries_count=Challenge.entries_count - 1)
                    .execution_options(synchronize_session=False))
    session.flush()


def close_due_challenges(session: Session, now: datetime | None = None) -> int:
    """Record winners of challenges past their end date and tell the entrants. Idempotent."""
    now = now or utcnow()
    due = list(session.scalars(select(Challenge).where(Challenge.ends_at <= now,
                                                       Challenge.closed_at.is_(None))
                               .with_for_update(skip_locked=True)))
    for challenge in due:
        ranked = _ranked_entries(session, challenge.id, None, public_only=True)
        winners = [e.id for e in ranked if e.vote_count > 0][:WINNERS]
        challenge.winners = winners
        challenge.closed_at = now
        for rank, entry in enumerate(ranked, start=1):
            won = entry.id in winners
            notify(session, recipient_id=entry.user_id, actor_id=None,
                   type="challenge_won" if won else "challenge_closed",
                   target_type="challenge", target_id=challenge.id,
                   data={"title": challenge.title, "rank": rank, "entry_id": entry.id,
                         "votes": entry.vote_count})
    session.flush()
    return len(due)
