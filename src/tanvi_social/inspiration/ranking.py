"""Pure scoring for the "for you" feed and recommendations (documented in docs/algorithms.md).

score = affinity × engagement × freshness × style_match × feedback

Every factor is positive, computed from stored data, and deterministic for a given data set and
`now`. Ties are broken by post id (newest first) so the order never depends on the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

HALF_LIFE_HOURS = 24.0
FOLLOW_AFFINITY = 1.0
COMPATIBLE_AFFINITY = 0.6
TAG_AFFINITY = 0.5
COMMUNITY_AFFINITY = 0.5
INTERACTION_AFFINITY = 0.5
NOT_INTERESTED = 0.2
SEE_MORE = 2.0


@dataclass
class Candidate:
    post_id: int
    author_id: int
    created_at: datetime
    tags: list[str]
    likes: int = 0
    comments: int = 0
    saves: int = 0
    shares: int = 0
    sources: set[str] = field(default_factory=set)
    reason: str = ""
    score: float = 0.0
    factors: dict[str, float] = field(default_factory=dict)


@dataclass
class Feedback:
    hidden_posts: set[int] = field(default_factory=set)
    hidden_authors: set[int] = field(default_factory=set)
    down_authors: set[int] = field(default_factory=set)
    down_tags: set[str] = field(default_factory=set)
    up_authors: set[int] = field(default_factory=set)
    up_tags: set[str] = field(default_factory=set)


def norm_tag(tag: str) -> str:
    """Tags compare case-insensitively and without the leading '#'."""
    return tag.strip().lstrip("#").lower()


def engagement(likes: int, comments: int, saves: int, shares: int) -> float:
    """ln(2 + likes + 2·comments + 3·saves + 2·shares): saves weigh most, never below ln 2."""
    return math.log(2 + max(likes, 0) + 2 * max(comments, 0) + 3 * max(saves, 0)
                    + 2 * max(shares, 0))


def freshness(created_at: datetime, now: datetime,
              half_life_hours: float = HALF_LIFE_HOURS) -> float:
    """Exponential decay with a half-life; future timestamps count as brand new."""
    age = max((now - created_at).total_seconds() / 3600.0, 0.0)
    return 0.5 ** (age / half_life_hours)


def style_match(profile: Mapping[str, float], tags: Iterable[str], strength: float = 1.0) -> float:
    """0.5 + 0.5·cosine(viewer's tag weights, post's tags), to the personalisation strength."""
    post = {norm_tag(t) for t in tags if t}
    if not profile or not post:
        cosine = 0.0
    else:
        dot = sum(profile.get(t, 0.0) for t in post)
        norm = math.sqrt(sum(w * w for w in profile.values())) * math.sqrt(len(post))
        cosine = dot / norm if norm else 0.0
    return (0.5 + 0.5 * cosine) ** max(strength, 0.0)


def affinity(sources: set[str], interactions: int, compat: float = 0.0) -> float:
    """1 + bonuses for following, compatibility, followed tags/communities and past interactions."""
    value = 1.0
    if "following" in sources:
        value += FOLLOW_AFFINITY
    if "compatible" in sources:
        value += COMPATIBLE_AFFINITY * max(min(compat, 1.0), 0.0) if compat else COMPATIBLE_AFFINITY
    if "hashtag" in sources:
        value += TAG_AFFINITY
    if "community" in sources:
        value += COMMUNITY_AFFINITY
    value += INTERACTION_AFFINITY * math.log1p(max(interactions, 0))
    return value


def feedback_factor(fb: Feedback, author_id: int, tags: Iterable[str]) -> float:
    """×0.2 per 'not interested' match (author or tag), ×2 per 'see more' match."""
    tagset = {norm_tag(t) for t in tags}
    factor = 1.0
    if author_id in fb.down_authors:
        factor *= NOT_INTERESTED
    if author_id in fb.up_authors:
        factor *= SEE_MORE
    factor *= NOT_INTERESTED ** len(tagset & fb.down_tags)
    factor *= SEE_MORE ** min(len(tagset & fb.up_tags), 2)
    return factor


def score(c: Candidate, *, now: datetime, profile: Mapping[str, float], fb: Feedback,
          interactions: Mapping[int, int], compat: Mapping[int, float],
          strength: float = 1.0) -> float:
    """Fill `c.factors` and `c.score` for one candidate."""
    f = {
        "affinity": affinity(c.sources, interactions.get(c.author_id, 0),
                             compat.get(c.author_id, 0.0)),
        "engagement": engagement(c.likes, c.comments, c.saves, c.shares),
        "freshness": freshness(c.created_at, now),
        "style_match": style_match(profile, c.tags, strength),
        "feedback": feedback_factor(fb, c.author_id, c.tags),
    }
    c.factors = {k: round(v, 4) for k, v in f.items()}
    c.score = f["affinity"] * f["engagement"] * f["freshness"] * f["style_match"] * f["feedback"]
    return c.score


def diversify(ranked: Sequence[Candidate]) -> list[Candidate]:
    """Greedy re-rank: the best remaining item whose author differs from the previous one."""
    pool = list(ranked)
    out: list[Candidate] = []
    while pool:
        pick = 0
        if out:
            for i, c in enumerate(pool):
                if c.author_id != out[-1].author_id:
                    pick = i
                    break
        out.append(pool.pop(pick))
    return out


def rank(candidates: Iterable[Candidate], *, now: datetime, profile: Mapping[str, float],
         fb: Feedback, interactions: Mapping[int, int], compat: Mapping[int, float],
         strength: float = 1.0) -> list[Candidate]:
    """Score, drop hidden posts/authors, sort (score desc, id desc) and diversify authors."""
    kept = [c for c in candidates
            if c.post_id not in fb.hidden_posts and c.author_id not in fb.hidden_authors]
    for c in kept:
        score(c, now=now, profile=profile, fb=fb, interactions=interactions, compat=compat,
              strength=strength)
    kept.sort(key=lambda c: (-c.score, -c.post_id))
    return diversify(kept)


def tag_profile(weighted_tags: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Sum weights per normalised tag (profile tags, tags of saved/liked posts)."""
    out: dict[str, float] = {}
    for tag, weight in weighted_tags:
        t = norm_tag(tag)
        if t:
            out[t] = out.get(t, 0.0) + weight
    return out


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors."""
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def trigrams(text: str) -> set[str]:
    """pg_trgm-style trigrams: lower-case words padded with two spaces before and one after."""
    out: set[str] = set()
    for word in "".join(ch if ch.isalnum() else " " for ch in text.lower()).split():
        padded = f"  {word} "
        out.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return out


def trigram_similarity(a: str, b: str) -> float:
    """|shared trigrams| / |union| — the same measure as pg_trgm's similarity()."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
