"""Spam heuristics for posts and follows (documented in docs/moderation.md).

* Link-only posts (links and nothing else) are held for review.
* The same text (folded, at least `MIN_REPEAT_CHARS` long) repeated by one author
  `SELF_REPEAT_LIMIT` times within `REPEAT_WINDOW` is rate-limited; repeated across
  `GLOBAL_REPEAT_LIMIT` posts by anyone within the window it is held (only texts with a link or at
  least `GLOBAL_MIN_CHARS` characters, so short common captions never count).
* An account younger than `NEW_ACCOUNT_AGE` following `NEW_ACCOUNT_FOLLOWS_PER_HOUR` accounts in
  an hour is rate-limited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, cast

from sqlalchemy import Table, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.db import UTCDateTime, deferred_rows, execute_write
from tanvi_social.core.time import as_utc, utcnow
from tanvi_social.moderation.models import TextFingerprint
from tanvi_social.moderation.textmatch import fold
from tanvi_social.social.models import Connection

REPEAT_WINDOW = timedelta(minutes=10)
SELF_REPEAT_LIMIT = 3
GLOBAL_REPEAT_LIMIT = 5
MIN_REPEAT_CHARS = 12
GLOBAL_MIN_CHARS = 30  # short common captions ("outfit of the day") never count across accounts
NEW_ACCOUNT_AGE = timedelta(days=7)
NEW_ACCOUNT_FOLLOWS_PER_HOUR = 50

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|co|ly|"
                  r"shop|store|xyz|info|biz|me|app|link|site)(?:/\S*)?\b", re.IGNORECASE)

Action = Literal["allow", "hold", "rate_limit"]


@dataclass(frozen=True)
class SpamDecision:
    action: Action
    reasons: list[str] = field(default_factory=list)
    retry_after: int = 0


def is_link_only(text: str) -> bool:
    """True when the text has at least one link and nothing else but punctuation/emoji."""
    if not _URL.search(text):
        return False
    rest = _URL.sub(" ", text)
    return not re.search(r"[^\W_]", rest)


def fingerprint(text: str) -> str | None:
    folded = " ".join(re.sub(r"[^\w\s]|_", " ", fold(text)).split())
    if len(folded) < MIN_REPEAT_CHARS:
        return None
    return hashlib.sha256(folded.encode()).hexdigest()


_PRINTS = cast(Table, TextFingerprint.__table__)
# built once: building a statement costs more than running it (see social/graph.py)
_REPEATS = (select(func.count(), func.count(case((_PRINTS.c.user_id == bindparam("author"), 1))))
            .where(_PRINTS.c.digest == bindparam("digest"),
                   _PRINTS.c.created_at > bindparam("since", type_=UTCDateTime())))
_REMEMBER = insert(_PRINTS)
_OWN_TIMES = select(_PRINTS.c.created_at).where(
    _PRINTS.c.user_id == bindparam("author"), _PRINTS.c.digest == bindparam("digest"),
    _PRINTS.c.created_at > bindparam("since", type_=UTCDateTime()))
# the same counts for several texts at once: per text and author
_REPEATS_MANY = (select(_PRINTS.c.digest, _PRINTS.c.user_id, func.count())
                 .where(_PRINTS.c.digest.in_(bindparam("digests", expanding=True)),
                        _PRINTS.c.created_at > bindparam("since", type_=UTCDateTime()))
                 .group_by(_PRINTS.c.digest, _PRINTS.c.user_id))

# digest -> author -> how many times in the window (`count_repeats`)
Repeats = dict[str, dict[int, int]]


def count_repeats(session: Session, texts: Iterable[str | None]) -> Repeats:
    """The stored fingerprints of these texts in the window, in one statement (a batch of posts
    reads them once: `check_post(..., repeats=)`)."""
    digests = {d for t in texts if t and (d := fingerprint(t)) is not None}
    out: Repeats = {}
    if digests:
        since = utcnow() - REPEAT_WINDOW
        for digest, user_id, n in session.execute(_REPEATS_MANY, {"digests": sorted(digests),
                                                                   "since": since}):
            out.setdefault(digest, {})[user_id] = n
    return out


def check_post(session: Session, author_id: int, text: str | None,
               repeats: Repeats | None = None) -> SpamDecision:
    """Judge a new post's text and remember its fingerprint (call inside the creating unit of work).

    `hold`: create the post held and `flag_for_review(..., source="spam")`; `rate_limit`: refuse
    with a 429 and `retry_after`. `repeats`: `count_repeats`'s answer for (at least) this text,
    read earlier in this unit of work.
    """
    if not text or not text.strip():
        return SpamDecision("allow")
    reasons: list[str] = []
    action: Action = "allow"
    retry_after = 0
    if is_link_only(text):
        reasons.append("link_only")
        action = "hold"
    digest = fingerprint(text)
    if digest is not None:
        now = utcnow()
        since = now - REPEAT_WINDOW
        # one indexed statement (digest, created_at) answers both repeat questions
        if repeats is None:
            everyone, own = session.execute(_REPEATS, {"author": author_id, "digest": digest,
                                                       "since": since}).one()
        else:
            stored = repeats.get(digest, {})
            everyone, own = sum(stored.values()), stored.get(author_id, 0)
        # texts of this unit of work not written yet (a batch of posts: deferred_writes)
        held = [r for r in deferred_rows(session, _REMEMBER) if r["digest"] == digest]
        everyone += len(held)
        own += sum(r["user_id"] == author_id for r in held)
        if own >= SELF_REPEAT_LIMIT:
            reasons.append("repeated_text")
            times = sorted([*map(as_utc, session.scalars(
                _OWN_TIMES, {"author": author_id, "digest": digest, "since": since})),
                *(r["created_at"] for r in held if r["user_id"] == author_id)])
            oldest = times[-SELF_REPEAT_LIMIT]
            retry_after = max(1, int((oldest + REPEAT_WINDOW - now).total_seconds()) + 1)
            return SpamDecision("rate_limit", reasons, retry_after)
        long_or_linked = _URL.search(text) is not None or len(text.strip()) >= GLOBAL_MIN_CHARS
        if long_or_linked and (everyone or 0) + 1 >= GLOBAL_REPEAT_LIMIT:
            reasons.append("repeated_text_across_accounts")
            action = "hold"
        execute_write(session, _REMEMBER,
                      {"user_id": author_id, "digest": digest, "created_at": now})
    return SpamDecision(action, reasons, retry_after)


def check_follow(session: Session, user_id: int) -> SpamDecision:
    """Call before creating a follow: new accounts mass-following are rate-limited."""
    created_at = session.scalar(select(User.created_at).where(User.id == user_id))
    now = utcnow()
    if created_at is None or now - as_utc(created_at) > NEW_ACCOUNT_AGE:
        return SpamDecision("allow")
    hour_ago = now - timedelta(hours=1)
    recent = session.scalar(select(func.count()).select_from(Connection).where(
        Connection.follower_id == user_id, Connection.created_at > hour_ago)) or 0
    if recent >= NEW_ACCOUNT_FOLLOWS_PER_HOUR:
        first = session.scalar(select(func.min(Connection.created_at)).where(
            Connection.follower_id == user_id, Connection.created_at > hour_ago))
        wait = 60 if first is None else int((as_utc(first) + timedelta(hours=1) - now)
                                             .total_seconds()) + 1
        return SpamDecision("rate_limit", ["new_account_mass_following"], max(1, wait))
    return SpamDecision("allow")
