"""Trend detection as pure functions: usage per time window against an EWMA baseline.

For every term (a hashtag, a style tag or a colour name) the job counts, per window, the number of
distinct accounts that used it (one account posting a tag twenty times is one voice). The windows
before the last two form the baseline, summarised by an exponentially weighted moving average
(EWMA) and variance. The current window's excess over that baseline, in units of its noise, is the
z-score; the z-scores of the last two windows and the window-over-window growth give the lifecycle
stage. See docs/algorithms.md → "Trend detection (inspiration)".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

ALPHA = 0.3  # EWMA smoothing: weight of the most recent baseline window
Z_THRESHOLD = 2.0  # a window is "elevated" when its z-score reaches this
MIN_AUTHORS = 3  # fewer distinct accounts than this in the current window is never a trend
QUIET_BASELINE = 1.0  # a baseline mean below this (accounts/window) means the term was quiet
GROWTH_STEP = 0.10  # window-over-window growth above +10 % is "growing", below −10 % "declining"

STAGES = ("emerging", "growing", "peak", "declining")


@dataclass(frozen=True)
class Baseline:
    mean: float
    std: float


@dataclass(frozen=True)
class TrendSignal:
    """The figures behind one term's verdict; `stage` is None when it is not a trend."""

    category: str
    term: str
    current: int
    previous: int
    baseline_mean: float
    baseline_std: float
    z_score: float
    previous_z: float
    growth: float
    total_mentions: int
    stage: str | None
    confidence: float


def ewma_baseline(series: Sequence[float], alpha: float = ALPHA) -> Baseline:
    """EWMA mean and standard deviation of a series (oldest first); empty → zero baseline."""
    if not series:
        return Baseline(0.0, 0.0)
    mean = float(series[0])
    var = 0.0
    for x in series[1:]:
        diff = x - mean
        incr = alpha * diff
        mean += incr
        var = (1 - alpha) * (var + diff * incr)
    return Baseline(mean, math.sqrt(max(var, 0.0)))


def z_score(value: float, baseline: Baseline) -> float:
    """Excess over the baseline in units of its noise, floored by Poisson noise √mean and by 1."""
    noise = max(baseline.std, math.sqrt(max(baseline.mean, 0.0)), 1.0)
    return (value - baseline.mean) / noise


def classify(current: int, previous: int, z_now: float, z_prev: float, baseline_mean: float,
             *, min_authors: int = MIN_AUTHORS) -> str | None:
    """The lifecycle stage from the last two windows (None: not a trend)."""
    growth = (current - previous) / max(previous, 1)
    elevated = z_now >= Z_THRESHOLD and current >= min_authors
    if elevated and baseline_mean < QUIET_BASELINE and previous < min_authors:
        return "emerging"
    if elevated and growth > GROWTH_STEP:
        return "growing"
    if elevated and growth >= -GROWTH_STEP:
        return "peak"
    if z_prev >= Z_THRESHOLD and previous >= min_authors and growth < -GROWTH_STEP:
        return "declining"
    return None


def confidence(z_now: float, current: int) -> float:
    """0..1: saturates with the z-score and with the number of distinct accounts."""
    if current <= 0:
        return 0.0
    strength = 1 - math.exp(-max(z_now, 0.0) / (2 * Z_THRESHOLD))
    support = 1 - math.exp(-current / 10)
    return round(strength * support, 4)


def detect(category: str, term: str, counts: Sequence[int], *,
           min_authors: int = MIN_AUTHORS) -> TrendSignal:
    """Evaluate one term from its per-window distinct-author counts (oldest first, current last)."""
    counts = list(counts)
    if not counts:
        counts = [0]
    current = counts[-1]
    previous = counts[-2] if len(counts) >= 2 else 0
    # The current and the previous window are both compared with the same baseline: the windows
    # before them. (Folding the previous window into the baseline would hide a plateau.)
    base_now = ewma_baseline(counts[:-2])
    z_now = z_score(current, base_now)
    z_prev = z_score(previous, base_now) if len(counts) >= 2 else 0.0
    growth = (current - previous) / max(previous, 1)
    stage = classify(current, previous, z_now, z_prev, base_now.mean, min_authors=min_authors)
    return TrendSignal(
        category=category, term=term, current=current, previous=previous,
        baseline_mean=round(base_now.mean, 4), baseline_std=round(base_now.std, 4),
        z_score=round(z_now, 4), previous_z=round(z_prev, 4), growth=round(growth, 4),
        total_mentions=sum(counts), stage=stage,
        confidence=confidence(z_now, current) if stage else 0.0,
    )


@dataclass(frozen=True)
class Usage:
    """One use of a term by an account at a time (a post's hashtag, style tag or colour)."""

    category: str
    term: str
    author_id: int
    at: datetime


def window_counts(usages: Iterable[Usage], *, now: datetime, window: timedelta,
                  windows: int) -> dict[tuple[str, str], list[int]]:
    """Distinct authors per (category, term) in `windows` windows ending at `now`, oldest first."""
    start = now - window * windows
    authors: dict[tuple[str, str], list[set[int]]] = defaultdict(
        lambda: [set() for _ in range(windows)])
    for u in usages:
        if u.at <= start or u.at > now:
            continue
        index = windows - 1 - int((now - u.at) / window)
        if 0 <= index < windows:
            authors[(u.category, u.term)][index].add(u.author_id)
    return {key: [len(s) for s in buckets] for key, buckets in authors.items()}


def detect_all(usages: Iterable[Usage], *, now: datetime, window: timedelta = timedelta(hours=1),
               windows: int = 48, min_authors: int = MIN_AUTHORS) -> list[TrendSignal]:
    """Every term's signal that has a stage, strongest first (deterministic order)."""
    series = window_counts(usages, now=now, window=window, windows=windows)
    signals = [detect(cat, term, counts, min_authors=min_authors)
               for (cat, term), counts in series.items()]
    found = [s for s in signals if s.stage is not None]
    found.sort(key=lambda s: (-s.z_score, -s.current, s.category, s.term))
    return found
