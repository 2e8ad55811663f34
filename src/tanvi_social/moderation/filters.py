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
# (`create_filter`, `delete_filter`) drops the copy at once and again when its unit of work ends,
# so it applies to the next text here (embedded mode: the only process); another worker of a
# PostgreSQL deployment applies it within RULES_TTL_S (docs/moderation.md).
RULES_TTL_S = 10.0
_clock = time.monotonic
# per database (`_key`): (expires, rules); and a generation per database, moved by every drop,
# so a read that was running while a change happened does not store the list it read
_copies: dict[str, tuple[float, list[tuple[str, str]]]] = {}
_generations: dict[str, int] = {}
_CHANGED = "filter_rules_changed"


_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()  # engine → _key


def _key(session: Session) -> str | None:
    """The database the session reads, whichever engine (async or sync driver) it goes through."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    if engine is None:
        return None
    key = _keys.get(engine)
    if key is None:
        url = engine.url
        key = _keys[engine] = url.set(drivername=url.get_backend_name()).render_as_string(
            hide_password=True)
    return key


def rules_for(session: Session) -> list[tuple[str, str]]:
    """The word list as `(pattern, action)`, from this process's copy when it is fresh."""
    key = _key(session)
    changed = bool(session.info.get(_CHANGED))
    now = _clock()
    copy = _copies.get(key) if key is not None else None
    if copy is not None and copy[0] > now and not changed:
        return copy[1]
    generation = _generations.get(key, 0) if key is not None else 0
    rules = [(r.pattern, r.action) for r in session.execute(_RULES)]
    if key is not None and not changed and _generations.get(key, 0) == generation:
        _copies[key] = (now + RULES_TTL_S, rules)
    return rules


def rules_changed(session: Session) -> None:
    """Call when the unit of work adds or removes a rule: the copy is dropped now, nothing in
    this unit of work stores one, and it is dropped again when the unit of work ends (so no read
    that ran meanwhile, still seeing the old list, keeps it)."""
    session.info[_CHANGED] = True
    _forget(session)


def forget_copies() -> None:
    """Drop every copy (after a write to the word list outside the service: tests, SQL)."""
    _copies.clear()
    for key in list(_generations):
        _generations[key] += 1


def _forget(session: Session) -> None:
    key = _key(session)
    if key is not None:
        _copies.pop(key, None)
        _generations[key] = _generations.get(key, 0) + 1


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    # the unit of work's own transaction, not a savepoint inside it: its rules may still be
    # uncommitted while a savepoint ends
    if transaction.parent is None and session.info.pop(_CHANGED, False):
        _forget(session)


def screen_text(session: Session, text: str | None) -> FilterDecision:
    """Check `text` against the configured word list."""
    if not text:
        return FilterDecision("allow", [])
    return match_rules(rules_for(session), text)
