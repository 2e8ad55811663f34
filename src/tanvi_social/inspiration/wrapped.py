"""Style Wrapped: one person's month or year in looks, computed from stored data.

Every figure is one aggregate statement (GROUP BY, window functions, JSON arrays expanded by
the database) over the caller's own published looks of the period; nothing walks the rows in
Python. The report is its owner's only. The rules are in docs/algorithms.md ("Style Wrapped").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Select, column, distinct, func, select, true, union_all
from sqlalchemy.orm import Session

from tanvi_social.content.models import (
    Challenge,
    ChallengeEntry,
    ChallengeVote,
    ModerationState,
    Post,
    PostMedia,
    Reaction,
)
from tanvi_social.core.errors import ValidationFailed
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.schemas import (
    WrappedColour,
    WrappedLook,
    WrappedPlacement,
    WrappedRead,
    WrappedTerm,
    WrappedTotals,
)
from tanvi_social.media.colors import named_color_hex
from tanvi_social.media.models import Media, MediaTag
from tanvi_social.social.cards import AuthorCard, author_cards
from tanvi_social.social.models import Connection, ConnectionState

PERIOD_RE = r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$"
MIN_YEAR, MAX_YEAR = 1970, 9998
TOP_COLOURS = 5
TOP_TERMS = 5
TOP_LOOKS = 3
MAX_PLACEMENTS = 20
CAPTION_CHARS = 120
WINNERS = 3  # the challenge rule: the top three entries with at least one vote
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
HEX = re.compile(r"^#[0-9a-f]{6}$")
REPORT_TTL = 60.0  # seconds a report may lag the data (the owner sees their own writes then)
CARD_TTL = 3600.0  # cards are cached under their report's content, so they are never stale


@dataclass(frozen=True)
class Period:
    """A calendar month or year in UTC, as the half-open interval [start, end)."""

    key: str
    kind: Literal["month", "year"]
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        return f"{MONTHS[self.start.month - 1]} {self.start.year}"


def parse_period(text: str) -> Period:
    """`YYYY-MM` (a month) or `YYYY` (a year), years 1970–9998; anything else is a 422."""
    match = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2}))?", text)
    year = int(match[1]) if match else 0
    month = int(match[2]) if match and match[2] else None
    if not match or not MIN_YEAR <= year <= MAX_YEAR or (month is not None
                                                         and not 1 <= month <= 12):
        raise ValidationFailed(
            "period must be YYYY-MM (a month) or YYYY (a year)", code="invalid_period",
            details=[{"loc": ["query", "period"], "msg": f"not a month or a year: {text!r}",
                      "type": "value_error"}])
    if month is None:
        return Period(f"{year:04d}", "year", datetime(year, 1, 1, tzinfo=UTC),
                      datetime(year + 1, 1, 1, tzinfo=UTC))
    return Period(f"{year:04d}-{month:02d}", "month", datetime(year, month, 1, tzinfo=UTC),
                  datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC))


def _looks(user_id: int, period: Period) -> Select[Any]:
    """Ids of the user's looks published in the period: not drafts, not deleted, not reposts,
    not held or taken down by moderation; any audience (it is their own report)."""
    stamp = func.coalesce(Post.published_at, Post.created_at)
    return select(Post.id).where(
        Post.author_id == user_id, Post.deleted_at.is_(None), Post.is_draft.is_(False),
        Post.repost_of_id.is_(None), Post.moderation_state == ModerationState.VISIBLE.value,
        stamp >= period.start, stamp < period.end)


def _elements(session: Session, array: Any) -> Any:
    """The elements of a JSON array column as a table joined to its row (one `value` each)."""
    fn = (func.json_array_elements if session.get_bind().dialect.name == "postgresql"
          else func.json_each)
    return fn(array).table_valued(column("value", JSON)).alias()


def _bytewise(session: Session, text: Any) -> Any:
    """`text` compared by code point on every database (PostgreSQL would otherwise use the
    database's locale, where `cos` may sort before `COS`), so ties break the same way."""
    return text.collate("C") if session.get_bind().dialect.name == "postgresql" else text


def _colours(session: Session, looks: Select[Any]) -> tuple[list[WrappedColour], int]:
    """Palette colours of the looks' photos: a look weighs 1, shared equally by its images."""
    images = (select(PostMedia.post_id, func.count().label("n"))
              .where(PostMedia.post_id.in_(looks)).group_by(PostMedia.post_id).subquery())
    photographed = session.scalar(select(func.count()).select_from(images)) or 0
    if not photographed:
        return [], 0
    palette = _elements(session, Media.palette)
    name = func.lower(palette.c.value["name"].as_string())
    weight = func.sum(palette.c.value["share"].as_float() / images.c.n).label("weight")
    rows = session.execute(
        select(name.label("name"), weight, func.count(distinct(images.c.post_id)),
               func.min(palette.c.value["hex"].as_string()))
        .select_from(images)
        .join(PostMedia, PostMedia.post_id == images.c.post_id)
        .join(Media, Media.id == PostMedia.media_id)
        .join(palette, true())
        .where(name.is_not(None))
        .group_by(name).order_by(weight.desc(), _bytewise(session, name))
        .limit(TOP_COLOURS)).all()
    colours = []
    for colour, total, posts, measured in rows:
        shown = named_color_hex(colour) or (measured or "").lower()
        colours.append(WrappedColour(name=colour, hex=shown if HEX.match(shown) else "#cccccc",
                                     share=round(total / photographed, 4), posts=posts))
    return colours, photographed


def _terms(session: Session, looks: Select[Any], field: Literal["category", "brand"]
           ) -> list[WrappedTerm]:
    """Categories or brands by the number of looks carrying them, from the outfit items and
    the garment tags of the look's photos (a look counts once per term)."""
    items = _elements(session, Post.outfit_items)
    raw = items.c.value[field].as_string()
    from_items = (select(Post.id.label("post_id"), func.lower(func.trim(raw)).label("key"),
                         func.trim(raw).label("shown"))
                  .select_from(Post).join(items, true()).where(Post.id.in_(looks)))
    tag_key = MediaTag.brand_key if field == "brand" else func.lower(MediaTag.category)
    tag_shown = MediaTag.brand if field == "brand" else MediaTag.category
    from_tags = (select(PostMedia.post_id.label("post_id"), tag_key.label("key"),
                        tag_shown.label("shown"))
                 .join(MediaTag, MediaTag.media_id == PostMedia.media_id)
                 .where(PostMedia.post_id.in_(looks)))
    both = union_all(from_items, from_tags).subquery()
    posts = func.count(distinct(both.c.post_id)).label("posts")
    rows = session.execute(
        select(both.c.key, func.min(_bytewise(session, both.c.shown)), posts)
        .where(both.c.key.is_not(None), both.c.key != "")
        .group_by(both.c.key).order_by(posts.desc(), _bytewise(session, both.c.key))
        .limit(TOP_TERMS)).all()
    # categories are vocabulary words (shown in lower case); brands keep their spelling
    return [WrappedTerm(name=key if field == "category" else shown, posts=n)
            for key, shown, n in rows]


def _reactions(session: Session, looks: Select[Any]) -> tuple[list[WrappedLook], int]:
    """The looks with the most reactions (ties: the earlier look), and all reactions received."""
    total = session.scalar(select(func.count()).select_from(Reaction)
                           .where(Reaction.post_id.in_(looks))) or 0
    if not total:
        return [], 0
    count = func.count().label("reactions")
    top = session.execute(
        select(Reaction.post_id, count).where(Reaction.post_id.in_(looks))
        .group_by(Reaction.post_id).order_by(count.desc(), Reaction.post_id)
        .limit(TOP_LOOKS)).all()
    ids = [pid for pid, _ in top]
    by_type: dict[int, dict[str, int]] = {pid: {} for pid in ids}
    for pid, kind, n in session.execute(
            select(Reaction.post_id, Reaction.reaction_type, func.count())
            .where(Reaction.post_id.in_(ids)).group_by(Reaction.post_id, Reaction.reaction_type)):
        by_type[pid][kind] = n
    posts = {p.id: p for p in session.execute(
        select(Post.id, Post.title, Post.caption, Post.published_at, Post.created_at)
        .where(Post.id.in_(ids)))}
    media_of = adapters.post_media_ids(session, ids)
    media = adapters.media_reads(session, {mids[0] for mids in media_of.values() if mids})
    looks_out = []
    for pid, n in top:
        post = posts[pid]
        first = media.get((media_of.get(pid) or [0])[0])
        looks_out.append(WrappedLook(
            post_id=pid, title=post.title, caption=(post.caption or "")[:CAPTION_CHARS],
            reactions=n, reactions_by_type=dict(sorted(by_type[pid].items())),
            published_at=as_utc(post.published_at or post.created_at),
            thumbnail_url=first.urls.thumbnail if first is not None else None))
    return looks_out, total


def _placements(session: Session, user_id: int, period: Period, now: datetime
                ) -> list[WrappedPlacement]:
    """The user's places in challenges that ended in the period (and have ended: while a
    challenge is open its standings are hidden). Ranked like the closed leaderboard."""
    ended = (select(ChallengeEntry.challenge_id)
             .join(Challenge, Challenge.id == ChallengeEntry.challenge_id)
             .where(ChallengeEntry.user_id == user_id, Challenge.ends_at >= period.start,
                    Challenge.ends_at < period.end, Challenge.ends_at <= now))
    last_vote = (select(ChallengeVote.entry_id, func.max(ChallengeVote.created_at).label("at"))
                 .group_by(ChallengeVote.entry_id).subquery())
    board = (
        select(ChallengeEntry.id, ChallengeEntry.challenge_id, ChallengeEntry.user_id,
               ChallengeEntry.post_id, ChallengeEntry.vote_count,
               func.row_number().over(
                   partition_by=ChallengeEntry.challenge_id,
                   order_by=(ChallengeEntry.vote_count.desc(), last_vote.c.at.asc(),
                             ChallengeEntry.id.asc())).label("rank"),
               func.count().over(partition_by=ChallengeEntry.challenge_id).label("entries"))
        .join(Post, Post.id == ChallengeEntry.post_id)
        .outerjoin(last_vote, last_vote.c.entry_id == ChallengeEntry.id)
        .where(ChallengeEntry.challenge_id.in_(ended), Post.deleted_at.is_(None),
               Post.moderation_state == ModerationState.VISIBLE.value)
    ).subquery()
    rows = session.execute(
        select(board, Challenge.title, Challenge.ends_at)
        .join(Challenge, Challenge.id == board.c.challenge_id)
        .where(board.c.user_id == user_id)
        .order_by(Challenge.ends_at, Challenge.id).limit(MAX_PLACEMENTS)).all()
    return [WrappedPlacement(challenge_id=r.challenge_id, title=r.title, entry_id=r.id,
                             post_id=r.post_id, rank=r.rank, entries=r.entries,
                             votes=r.vote_count, winner=r.rank <= WINNERS and r.vote_count > 0,
                             ended_at=as_utc(r.ends_at)) for r in rows]


def _new_followers(session: Session, user_id: int, period: Period) -> int:
    """Follows of the user accepted in the period and still in place."""
    since = func.coalesce(Connection.accepted_at, Connection.created_at)
    return session.scalar(
        select(func.count()).select_from(Connection)
        .where(Connection.target_id == user_id,
               Connection.state == ConnectionState.ACCEPTED.value,
               since >= period.start, since < period.end)) or 0


def wrapped_report(session: Session, user_id: int, period: Period,
                   now: datetime | None = None) -> WrappedRead:
    """The user's own Style Wrapped for `period`; a future or empty period gives zeros."""
    now = now or utcnow()
    status: Literal["past", "current", "future"] = (
        "future" if now < period.start else "past" if now >= period.end else "current")
    card = author_cards(session, [user_id]).get(user_id) or AuthorCard(id=user_id, username="")
    colours: list[WrappedColour] = []
    categories: list[WrappedTerm] = []
    brands: list[WrappedTerm] = []
    looks_out: list[WrappedLook] = []
    placements: list[WrappedPlacement] = []
    posts = photographed = reactions = followers = 0
    if status != "future":
        looks = _looks(user_id, period)
        posts = session.scalar(select(func.count()).select_from(looks.subquery())) or 0
        if posts:
            colours, photographed = _colours(session, looks)
            categories = _terms(session, looks, "category")
            brands = _terms(session, looks, "brand")
            looks_out, reactions = _reactions(session, looks)
        placements = _placements(session, user_id, period, now)
        followers = _new_followers(session, user_id, period)
    return WrappedRead(
        user=card, period=period.key, period_type=period.kind, label=period.label,
        starts_at=period.start, ends_at=period.end, status=status,
        totals=WrappedTotals(posts=posts, posts_with_photos=photographed, reactions=reactions,
                             new_followers=followers, challenge_placements=len(placements),
                             challenge_wins=sum(1 for p in placements if p.winner)),
        top_colours=colours, top_categories=categories, top_brands=brands,
        most_reacted=looks_out, challenge_placements=placements, generated_at=now)


def report_key(user_id: int, period: Period) -> str:
    return f"wrapped:{user_id}:{period.key}"


def card_key(report: WrappedRead) -> str:
    """The card's cache key: a hash of everything drawn (not of `generated_at`)."""
    drawn = report.model_dump_json(exclude={"generated_at"})
    return f"wrapped-card:{hashlib.sha256(drawn.encode()).hexdigest()}"
