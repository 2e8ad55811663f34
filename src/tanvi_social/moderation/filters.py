"""Automatic word filters: `screen_text(session, text)` for every domain that accepts text.

Content and comments call it before saving: `reject` refuses the text (the caller raises a 422),
`hold` saves it with moderation state `held` and puts it in the review queue with
`moderation.queue.flag_for_review(...)`; `allow` lets it through. Matching is whole-word, case-,
accent- and look-alike-insensitive and tolerates l33t, repeated letters and separators
(see `textmatch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
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


def screen_text(session: Session, text: str | None) -> FilterDecision:
    """Check `text` against the configured word list."""
    if not text:
        return FilterDecision("allow", [])
    rules = [(r.pattern, r.action) for r in session.execute(_RULES)]
    return match_rules(rules, text)
