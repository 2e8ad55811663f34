"""Users' own muted words: hidden from their feeds and notifications (never from others).

Other domains apply them through `matcher_for(session, user_id)` (one query per request, then
pure matching) or `matchers_for(session, user_ids)` (one query for many viewers); the matching is
the word filters' (`textmatch`): whole words, case-, accent- and look-alike-insensitive.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from tanvi_social.moderation.events import MutedWordsChanged
from tanvi_social.moderation.models import MutedWord
from tanvi_social.moderation.schemas import MutedWordCreate, MutedWordRead
from tanvi_social.moderation.textmatch import compile_phrase, compile_phrases, fold, phrase_key

MAX_MUTED_WORDS = 200


@dataclass(frozen=True)
class MutedMatcher:
    """One viewer's muted words as one compiled expression (`textmatch.compile_phrases`);
    falsy when there are none (nothing to check)."""

    pattern: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return self.pattern is not None

    def matches(self, *texts: str | None) -> bool:
        """Whether any of the texts contains a muted phrase (each text is matched on its own,
        so a phrase never spans two of them)."""
        if self.pattern is None:
            return False
        search = self.pattern.search
        return any(text and search(fold(text)) is not None for text in texts)


NO_MUTED_WORDS = MutedMatcher()


def matcher(phrases: Iterable[str]) -> MutedMatcher:
    """The matcher for these phrases (letterless phrases dropped)."""
    return MutedMatcher(compile_phrases(phrases))


def muted_words(session: Session, user_id: int) -> list[str]:
    """The phrases `user_id` muted (for feeds and notifications to filter with `is_muted`)."""
    return list(session.scalars(select(MutedWord.phrase).where(MutedWord.user_id == user_id)
                                .order_by(MutedWord.id)))


def matcher_for(session: Session, user_id: int | None) -> MutedMatcher:
    """`user_id`'s muted words as a matcher (one query; anonymous viewers mute nothing)."""
    if user_id is None:
        return NO_MUTED_WORDS
    return matcher(muted_words(session, user_id))


def matchers_for(session: Session, user_ids: Iterable[int]) -> dict[int, MutedMatcher]:
    """Matchers of those users who muted something (one query for all of them)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    phrases: dict[int, list[str]] = defaultdict(list)
    for uid, phrase in session.execute(select(MutedWord.user_id, MutedWord.phrase)
                                       .where(MutedWord.user_id.in_(ids))
                                       .order_by(MutedWord.id)):
        phrases[uid].append(phrase)
    return {uid: matcher(words) for uid, words in phrases.items()}


def is_muted(text: str | None, phrases: list[str]) -> bool:
    """Whether `text` contains any of the phrases (whole words, same folding as filters)."""
    return matcher(phrases).matches(text)


def _read(row: MutedWord) -> MutedWordRead:
    return MutedWordRead(id=row.id, phrase=row.phrase, created_at=row.created_at)


def list_muted_words(session: Session, user_id: int) -> list[MutedWordRead]:
    rows = session.scalars(select(MutedWord).where(MutedWord.user_id == user_id)
                           .order_by(MutedWord.id))
    return [_read(r) for r in rows]


def add_muted_word(session: Session, user_id: int, data: MutedWordCreate) -> MutedWordRead:
    phrase = " ".join(data.phrase.split())
    if compile_phrase(phrase) is None:
        raise ValidationFailed("A muted word needs at least one letter or digit",
                               code="invalid_phrase",
                               details=[{"loc": ["body", "phrase"], "msg": "no letters"}])
    count = session.scalar(select(func.count()).select_from(MutedWord)
                           .where(MutedWord.user_id == user_id)) or 0
    if count >= MAX_MUTED_WORDS:
        raise InvalidState(f"At most {MAX_MUTED_WORDS} muted words", code="too_many_muted_words")
    row = MutedWord(user_id=user_id, phrase=phrase, key=phrase_key(phrase)[:200])
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("You already muted that", code="duplicate_muted_word") from None
    record_event(session, MutedWordsChanged(user_id=user_id))
    return _read(row)


def remove_muted_word(session: Session, user_id: int, word_id: int) -> None:
    row = session.get(MutedWord, word_id)
    if row is None or row.user_id != user_id:
        raise NotFound("Muted word not found", code="muted_word_not_found")
    session.delete(row)
    session.flush()
    record_event(session, MutedWordsChanged(user_id=user_id))
