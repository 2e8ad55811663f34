"""Moderation domain events."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanvi_social.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MutedWordsChanged(DomainEvent):
    """The user added or removed a muted word: their feeds filter differently."""

    name: str = field(default="muted_words.changed", init=False)
    user_id: int
