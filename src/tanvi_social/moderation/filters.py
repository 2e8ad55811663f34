"""Automatic word filters: `screen_text(session, text)` for every domain that accepts text.

Content and comments call it before saving: `reject` refuses the text (the caller raises a 422),
`hold` saves it with moderation state `held` and puts it in the review queue with
`moderation.queue.flag_for_review(...)`; `allow` lets it through. Matching is whole-word, case-,
accent- and look-alike-insensitive and tolerates l33t, repeated letters and separators
(see `textmatch`).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tanvi_social.moderation.models import FilterAction, FilterRule
from tanvi_social.moderation.textmatch import compile_phrase, fold

Action = Literal["allow", "hold", "reject"]


@dataclass(frozen=True)
class FilterDecision:
    action: Action
    matched: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.action == "allow"


def match_rules(rules: list[tuple[str, str]], text: str) -> FilterDecision:
    """Decide `text` against `(pattern, action)` rules: any reject wins over any hold."""
    if not text or not rules:
        return FilterDecision("allow", [])
    folded = fold(text)
    matched: list[str] = []
    action: Action = "allow"
    for pattern, rule_action in rules:
        compiled = compile_phrase(pattern)
        if compiled is None or compiled.search(folded) is None:
            continue
        matched.append(pattern)
        if rule_action == FilterAction.REJECT.value:
            action = "reject"
        elif action == "allow":
            action = "hold"
    return FilterDecision(action, matched)


_RULES = select(FilterRule.pattern, FilterRule.action).order_by(FilterRule.id)  # built once

# The word list is read for every post, comment and message, and changes a few times a day: each
# process keeps a copy per database for RULES_TTL_S. A change made through this process
# (`create_filter`, `delete_filter`) drops the copy when its unit of work commits, so it applies
# at once here (embedded mode: the only process); another worker of a PostgreSQL deployment
# applies it within RULES_TTL_S (docs/moderation.md).
RULES_TTL_S = 10.0
_copies: weakref.WeakKeyDictionary[Engine, tuple[float, list[tuple[str, str]]]] = \
    weakref.WeakKeyDictionary()
_CHANGED = "filter_rules_changed"


def _engine(session: Session) -> Engine | None:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else getattr(bind, "engine", None)


def rules_for(session: Session) -> list[tuple[str, str]]:
    """The word list as `(pattern, action)`, from this process's copy when it is fresh."""
    engine = _engine(session)
    copy = _copies.get(engine) if engine is not None else None
    now = time.monotonic()
    if copy is not None and copy[0] > now and not session.info.get(_CHANGED):
        return copy[1]
    rules = [(r.pattern, r.action) for r in session.execute(_RULES)]
    if engine is not None and not session.info.get(_CHANGED):
        _copies[engine] = (now + RULES_TTL_S, rules)
    return rules


def rules_changed(session: Session) -> None:
    """Call when the unit of work adds or removes a rule: the copy is dropped now (so nothing
    in this unit of work reads it) and again when it commits (so no read that ran meanwhile,
    still seeing the old list, keeps it)."""
    session.info[_CHANGED] = True
    _forget(session)


def forget_copies() -> None:
    """Drop every copy (after a write to the word list outside the service: tests, SQL)."""
    _copies.clear()


def _forget(session: Session) -> None:
    engine = _engine(session)
    if engine is not None:
        _copies.pop(engine, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _forget(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Any) -> None:
    session.info.pop(_CHANGED, None)


def screen_text(session: Session, text: str | None) -> FilterDecision:
    """Check `text` against the configured word list."""
    if not text:
        return FilterDecision("allow", [])
    return match_rules(rules_for(session), text)
