"""Style tips: the library, tips by verified users and moderators, likes/saves, the daily tip.

Daily tip (docs/algorithms.md, "Daily tips"): once chosen, a user's tip for a day is stored, so it
is stable all day. The choice excludes every tip the user was served in the previous 30 days,
prefers the tips sharing the most style tags with the user's profile, and among those picks the
one with the smallest SHA-256 of `user:day:tip` — deterministic, yet different users (and days)
get different tips.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tanvi_social.accounts.models import User
from tanvi_social.community.models import DailyTip, StyleTip, TipReaction
from tanvi_social.community.schemas import DailyTipRead, TipCreate, TipRead, TipViewer
from tanvi_social.community.service import screen
from tanvi_social.core.db import json_text_contains
from tanvi_social.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.social.activities import record_activity
from tanvi_social.social.cards import author_cards
from tanvi_social.social.models import Profile

NO_REPEAT_DAYS = 30
KINDS = ("like", "save")


def _not_found() -> NotFound:
    return NotFound("Tip not found", code="tip_not_found")


def tip_reads(session: Session, viewer_id: int | None, tips: Sequence[StyleTip]) -> list[TipRead]:
    if not tips:
        return []
    ids = [t.id for t in tips]
    mine: set[tuple[int, str]] = set()
    if viewer_id is not None:
        mine = {(r.tip_id, r.kind) for r in session.execute(select(
            TipReaction.tip_id, TipReaction.kind).where(TipReaction.user_id == viewer_id,
                                                        TipReaction.tip_id.in_(ids)))}
    cards = author_cards(session, [t.author_id for t in tips if t.author_id])
    return [TipRead(id=t.id, title=t.title, body=t.body, category=t.category,
                    style_tags=list(t.style_tags or []), difficulty=t.difficulty,
                    origin=t.origin,
                    author=cards.get(t.author_id) if t.author_id else None,
                    like_count=t.like_count, save_count=t.save_count,
                    viewer=TipViewer(liked=(t.id, "like") in mine, saved=(t.id, "save") in mine),
                    created_at=t.created_at) for t in tips]


def _has_tag(tag: str) -> ColumnElement[bool]:
    return json_text_contains(StyleTip.style_tags, tag)


def list_tips(session: Session, viewer_id: int | None, page: PageParams, *,
              category: str | None = None, difficulty: str | None = None,
              tag: str | None = None, origin: str | None = None, search: str | None = None,
              sort: str = "popular", saved_only: bool = False) -> tuple[list[TipRead], int]:
    q = select(StyleTip)
    if category:
        q = q.where(StyleTip.category == category)
    if difficulty:
        q = q.where(StyleTip.difficulty == difficulty)
    if tag:
        q = q.where(_has_tag(tag.strip().lower().replace('"', "")))
    if origin:
        q = q.where(StyleTip.origin == origin)
    if search:
        term = f"%{search.strip().lower()}%"
        q = q.where(or_(func.lower(StyleTip.title).like(term),
                        func.lower(StyleTip.body).like(term)))
    if saved_only:
        if viewer_id is None:
            return [], 0
        q = q.where(StyleTip.id.in_(select(TipReaction.tip_id).where(
            TipReaction.user_id == viewer_id, TipReaction.kind == "save")))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    order = ((StyleTip.created_at.desc(), StyleTip.id.desc()) if sort == "new" else
             (StyleTip.like_count.desc(), StyleTip.save_count.desc(), StyleTip.id))
    rows = session.scalars(q.order_by(*order).offset(page.offset).limit(page.per_page)).all()
    return tip_reads(session, viewer_id, rows), total


def get_tip(session: Session, viewer_id: int | None, tip_id: int) -> TipRead:
    tip = session.get(StyleTip, tip_id)
    if tip is None:
        raise _not_found()
    return tip_reads(session, viewer_id, [tip])[0]


def may_write_tips(session: Session, user_id: int, is_moderator: bool) -> bool:
    """Moderators/admins, and verified users (docs/community.md, "Who may publish tips")."""
    if is_moderator:
        return True
    return bool(session.scalar(select(User.is_verified).where(User.id == user_id)))


def create_tip(session: Session, user_id: int, is_moderator: bool, data: TipCreate) -> TipRead:
    if not may_write_tips(session, user_id, is_moderator):
        raise Forbidden("Only verified members and moderators publish tips",
                        code="verification_required")
    if screen(session, data.title, data.body) != "visible":
        raise ValidationFailed("This tip needs different wording", code="content_held")
    tip = StyleTip(origin="community", author_id=user_id, title=data.title.strip(),
                   body=data.body.strip(), category=data.category, style_tags=data.style_tags,
                   difficulty=data.difficulty)
    session.add(tip)
    session.flush()
    record_activity(session, user_id=user_id, type="tip_create", target_type="tip",
                    target_id=tip.id)
    return tip_reads(session, user_id, [tip])[0]


def delete_tip(session: Session, user_id: int, is_moderator: bool, tip_id: int) -> None:
    tip = session.get(StyleTip, tip_id)
    if tip is None:
        raise _not_found()
    if tip.origin == "library" or (tip.author_id != user_id and not is_moderator):
        raise Forbidden("You cannot delete this tip", code="not_tip_author")
    session.delete(tip)
    session.flush()


def _counter(kind: str) -> InstrumentedAttribute[int]:
    return StyleTip.like_count if kind == "like" else StyleTip.save_count


def react(session: Session, user_id: int, tip_id: int, kind: str) -> TipRead:
    """Like or save a tip once (409 on a repeat); the count moves in SQL."""
    if session.get(StyleTip, tip_id) is None:
        raise _not_found()
    try:
        with session.begin_nested():
            session.add(TipReaction(tip_id=tip_id, user_id=user_id, kind=kind))
            session.flush()
    except IntegrityError:
        raise Conflict(f"You already {'liked' if kind == 'like' else 'saved'} this tip",
                       code=f"already_{kind}d") from None
    column = _counter(kind)
    session.execute(update(StyleTip).where(StyleTip.id == tip_id)
                    .values({column.key: column + 1}))
    return _fresh(session, user_id, tip_id)


def unreact(session: Session, user_id: int, tip_id: int, kind: str) -> TipRead:
    if session.get(StyleTip, tip_id) is None:
        raise _not_found()
    row = session.scalar(select(TipReaction).where(
        TipReaction.tip_id == tip_id, TipReaction.user_id == user_id, TipReaction.kind == kind))
    if row is None:
        raise NotFound(f"You have not {'liked' if kind == 'like' else 'saved'} this tip",
                       code=f"not_{kind}d")
    session.delete(row)
    column = _counter(kind)
    session.execute(update(StyleTip).where(StyleTip.id == tip_id)
                    .values({column.key: column - 1}))
    return _fresh(session, user_id, tip_id)


def _fresh(session: Session, user_id: int, tip_id: int) -> TipRead:
    session.flush()
    tip = session.get(StyleTip, tip_id)
    assert tip is not None
    session.refresh(tip)
    return tip_reads(session, user_id, [tip])[0]


def _profile_tags(session: Session, user_id: int) -> list[str]:
    profile = session.get(Profile, user_id)
    if profile is None:
        return []
    return ["-".join(str(t).strip().lower().replace("_", "-").split())
            for t in (profile.style_tags or [])]


def _digest(user_id: int, day: date, tip_id: int) -> str:
    return hashlib.sha256(f"{user_id}:{day.isoformat()}:{tip_id}".encode()).hexdigest()


def choose_tip(session: Session, user_id: int, day: date) -> tuple[int, list[str]]:
    """The tip for (user, day) by the rule in the module docstring, and the matched tags."""
    since = day - timedelta(days=NO_REPEAT_DAYS - 1)
    recent = set(session.scalars(select(DailyTip.tip_id).where(
        DailyTip.user_id == user_id, DailyTip.day >= since, DailyTip.day < day)))
    tags = set(_profile_tags(session, user_id))
    rows = session.execute(select(StyleTip.id, StyleTip.style_tags)).all()
    candidates = [(r.id, [t for t in (r.style_tags or []) if t in tags]) for r in rows
                  if r.id not in recent]
    if not candidates:  # fewer than 30 tips in total: the least recently served one
        last_seen = dict(session.execute(select(DailyTip.tip_id, func.max(DailyTip.day)).where(
            DailyTip.user_id == user_id).group_by(DailyTip.tip_id)).all())
        tip_id = min((r.id for r in rows), key=lambda i: (last_seen.get(i, date.min), i))
        return tip_id, []
    best = max(len(m) for _, m in candidates)
    pool = [(i, m) for i, m in candidates if len(m) == best]
    tip_id, matched = min(pool, key=lambda pair: _digest(user_id, day, pair[0]))
    return tip_id, matched


def daily_tip(session: Session, user_id: int, day: date) -> DailyTipRead:
    """Today's tip for the user: chosen once, then the same all day."""
    row = session.scalar(select(DailyTip).where(DailyTip.user_id == user_id, DailyTip.day == day))
    if row is None:
        tip_id, _ = choose_tip(session, user_id, day)
        row = DailyTip(user_id=user_id, day=day, tip_id=tip_id)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # a concurrent request chose first: use its choice
            row = session.scalar(select(DailyTip).where(DailyTip.user_id == user_id,
                                                        DailyTip.day == day))
            assert row is not None
    tip = session.get(StyleTip, row.tip_id)
    assert tip is not None
    tags = set(_profile_tags(session, user_id))
    matched = [t for t in (tip.style_tags or []) if t in tags]
    reason = ("Matches your style: " + ", ".join(matched) if matched else
              "A tip to widen your style range" if tags else
              "Add style tags to your profile to get tips matched to your style")
    return DailyTipRead(day=day, tip=tip_reads(session, user_id, [tip])[0],
                        matched_tags=matched, reason=reason)


def erase_user_tips(session: Session, user_id: int) -> None:
    """GDPR: take back the user's likes/saves (counts stay exact), delete their tips."""
    for r in session.scalars(select(TipReaction).where(TipReaction.user_id == user_id)):
        column = _counter(r.kind)
        session.execute(update(StyleTip).where(StyleTip.id == r.tip_id)
                        .values({column.key: column - 1}))
        session.delete(r)
    session.flush()
    for tip in session.scalars(select(StyleTip).where(StyleTip.author_id == user_id,
                                                      StyleTip.origin == "community")):
        session.delete(tip)
    session.execute(delete(DailyTip).where(DailyTip.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.flush()
