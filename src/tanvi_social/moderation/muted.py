"""Users' own muted words: hidden from their feeds and notifications (never from others)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from tanvi_social.moderation.models import MutedWord
from tanvi_social.moderation.schemas import MutedWordCreate, MutedWordRead
from tanvi_social.moderation.textmatch import compile_phrase, fold, phrase_key

MAX_MUTED_WORDS = 200


def muted_words(session: Session, user_id: int) -> list[str]:
    """The phrases `user_id` muted (for feeds and notifications to filter with `is_muted`)."""
    return list(session.scalars(select(MutedWord.phrase).where(MutedWord.user_id == user_id)
                                .order_by(MutedWord.id)))


def is_muted(text: str | None, phrases: list[str]) -> bool:
    """Whether `text` contains any of the phrases (whole words, same folding as filters)."""
    if not text or not phrases:
        return False
    folded = fold(text)
    for phrase in phrases:
        pattern = compile_phrase(phrase)
        if pattern is not None and pattern.search(folded) is not None:
            return True
    return False


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
    return _read(row)


def remove_muted_word(session: Session, user_id: int, word_id: int) -> None:
    row = session.get(MutedWord, word_id)
    if row is None or row.user_id != user_id:
        raise NotFound("Muted word not found", code="muted_word_not_found")
    session.delete(row)
    session.flush()
