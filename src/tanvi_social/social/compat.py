"""Style compatibility: a deterministic, symmetric score 0–100 with the reasons behind it.

Each user is reduced to `StyleSignals`: weighted sets of style tags, colours, brands and
occasions, plus a budget band. The profile gives every listed trait weight 1.0; other domains add
what users actually post and save through `register_signal_provider` (weights in (0, 1], e.g. how
often a tag appears in their posts), merged by taking the larger weight. The formula is in
docs/algorithms.md ("Style compatibility").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.social.models import Profile

BUDGET_ORDER = ["budget", "mid", "premium", "luxury"]

# Dimension weights; a set dimension counts when either side has data, budget when both do.
WEIGHTS = {"style_tags": 0.40, "colors": 0.20, "brands": 0.15, "occasions": 0.15, "budget": 0.10}
SET_DIMENSIONS = ("style_tags", "colors", "brands", "occasions")


@dataclass
class StyleSignals:
    style_tags: dict[str, float] = field(default_factory=dict)
    colors: dict[str, float] = field(default_factory=dict)
    brands: dict[str, float] = field(default_factory=dict)
    occasions: dict[str, float] = field(default_factory=dict)
    budget: str | None = None

    def merge(self, other: StyleSignals) -> None:
        """Add another source's traits; a trait keeps its strongest weight."""
        for dim in SET_DIMENSIONS:
            mine: dict[str, float] = getattr(self, dim)
            for key, weight in getattr(other, dim).items():
                w = max(0.0, min(1.0, float(weight)))
                if w > mine.get(key, 0.0):
                    mine[key] = w
        if self.budget is None and other.budget is not None:
            self.budget = other.budget

    def is_empty(self) -> bool:
        return self.budget is None and not any(getattr(self, d) for d in SET_DIMENSIONS)


@dataclass(frozen=True)
class Compatibility:
    score: int
    reasons: list[str]
    shared: dict[str, list[str]]

    @property
    def shared_style_tags(self) -> list[str]:
        return self.shared.get("style_tags", [])


SignalProvider = Callable[[Session, list[int]], dict[int, StyleSignals]]
_providers: list[SignalProvider] = []


def register_signal_provider(provider: SignalProvider) -> None:
    """Another domain adds style signals from what users post and save (called at import)."""
    if provider not in _providers:
        _providers.append(provider)


def _norm(value: str) -> str:
    return value.strip().lower()


# What `profile_signals` reads: load just these for many profiles (`signal_rows`).
SIGNAL_COLUMNS = (Profile.user_id, Profile.style_tags, Profile.custom_tags,
                  Profile.favorite_colors, Profile.favorite_brands, Profile.occasions,
                  Profile.budget_band)


def signal_rows(session: Session, user_ids: Iterable[int]) -> dict[int, StyleSignals]:
    """Profile-only signals of many users, reading only the columns they come from."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {row.user_id: profile_signals(row) for row in session.execute(
        select(*SIGNAL_COLUMNS).where(Profile.user_id.in_(ids)))}


def profile_signals(profile: Any) -> StyleSignals:
    """Signals from a `Profile` (or a row of SIGNAL_COLUMNS)."""
    return StyleSignals(
        style_tags={_norm(t): 1.0 for t in [*(profile.style_tags or []),
                                            *(profile.custom_tags or [])] if t.strip()},
        colors={_norm(c): 1.0 for c in profile.favorite_colors or [] if c.strip()},
        brands={_norm(b): 1.0 for b in profile.favorite_brands or [] if b.strip()},
        occasions={_norm(o): 1.0 for o in profile.occasions or [] if o.strip()},
        budget=profile.budget_band,
    )


def load_signals(session: Session, user_ids: Iterable[int]) -> dict[int, StyleSignals]:
    """Profile signals merged with every registered provider's, for many users at once."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    out = {uid: StyleSignals() for uid in ids}
    out.update(signal_rows(session, ids))
    for provider in _providers:
        for uid, extra in provider(session, ids).items():
            if uid in out:
                out[uid].merge(extra)
    return out


def weighted_jaccard(a: dict[str, float], b: dict[str, float]) -> float:
    """Σ min(wa, wb) / Σ max(wa, wb); 1 for identical, 0 for disjoint."""
    keys = a.keys() | b.keys()
    top = sum(max(a.get(k, 0.0), b.get(k, 0.0)) for k in keys)
    if top == 0:
        return 0.0
    return sum(min(a.get(k, 0.0), b.get(k, 0.0)) for k in keys) / top


def budget_similarity(a: str, b: str) -> float:
    if a not in BUDGET_ORDER or b not in BUDGET_ORDER:
        return 1.0 if a == b else 0.0
    return 1.0 - abs(BUDGET_ORDER.index(a) - BUDGET_ORDER.index(b)) / (len(BUDGET_ORDER) - 1)


def _budget_rank(band: str) -> int:
    return BUDGET_ORDER.index(band) if band in BUDGET_ORDER else len(BUDGET_ORDER)


def _shared(a: dict[str, float], b: dict[str, float]) -> list[str]:
    both = a.keys() & b.keys()
    return sorted(both, key=lambda k: (-min(a[k], b[k]), k))


def _join(items: list[str]) -> str:
    items = items[:3]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_PHRASES = {"style_tags": "Both love {} style", "colors": "Both wear {}",
            "brands": "Both shop {}", "occasions": "Both dress for {}"}


def score_value(a: StyleSignals, b: StyleSignals) -> int:
    """`score(a, b).score` without the reasons (for ranking many candidates)."""
    total_weight = 0.0
    total = 0.0
    for dim in SET_DIMENSIONS:
        da: dict[str, float] = getattr(a, dim)
        db: dict[str, float] = getattr(b, dim)
        if not da and not db:
            continue
        total_weight += WEIGHTS[dim]
        total += WEIGHTS[dim] * weighted_jaccard(da, db)
    if a.budget and b.budget:
        total_weight += WEIGHTS["budget"]
        total += WEIGHTS["budget"] * budget_similarity(a.budget, b.budget)
    return round(100 * total / total_weight) if total_weight else 0


def score(a: StyleSignals, b: StyleSignals) -> Compatibility:
    """The compatibility of two style profiles: symmetric and deterministic."""
    total_weight = 0.0
    total = 0.0
    reasons: list[str] = []
    shared: dict[str, list[str]] = {}
    for dim in SET_DIMENSIONS:
        da: dict[str, float] = getattr(a, dim)
        db: dict[str, float] = getattr(b, dim)
        if not da and not db:
            continue
        total_weight += WEIGHTS[dim]
        total += WEIGHTS[dim] * weighted_jaccard(da, db)
        common = _shared(da, db)
        shared[dim] = sorted(common)
        if common:
            reasons.append(_PHRASES[dim].format(_join(common)))
    if a.budget and b.budget:
        total_weight += WEIGHTS["budget"]
        sim = budget_similarity(a.budget, b.budget)
        total += WEIGHTS["budget"] * sim
        if a.budget == b.budget:
            reasons.append(f"Same budget band ({a.budget})")
        elif sim >= 0.6:
            low, high = sorted((a.budget, b.budget), key=_budget_rank)
            reasons.append(f"Close budget bands ({low} and {high})")
    value = round(100 * total / total_weight) if total_weight else 0
    if not reasons:
        reasons.append("No style traits in common yet")
    return Compatibility(score=int(value), reasons=reasons, shared=shared)


def compatibility(session: Session, a_id: int, b_id: int,
                  signals: dict[int, StyleSignals] | None = None) -> Compatibility:
    """Compatibility of two users from their profiles and every registered signal source."""
    data = signals if signals is not None else load_signals(session, [a_id, b_id])
    return score(data.get(a_id, StyleSignals()), data.get(b_id, StyleSignals()))
