"""The original's engagement-score and viral-score formulas (analysis §3.11), as pure functions."""

from __future__ import annotations

from collections.abc import Mapping


def engagement_score(total: int, distinct_types: int, peak_hour_count: int) -> float:
    """User engagement 0–100: 40·min(total/100,1) + 30·min(types/10,1) + 30·min(peak hour/20,1)."""
    score = (40 * min(total / 100, 1.0) + 30 * min(distinct_types / 10, 1.0)
             + 30 * min(peak_hour_count / 20, 1.0))
    return round(score, 2)


def engagement_level(score: float) -> str:
    if score >= 80:
        return "Highly Engaged"
    if score >= 60:
        return "Engaged"
    if score >= 40:
        return "Moderately Engaged"
    if score >= 20:
        return "Low Engagement"
    return "Inactive"


def engagement_advice(score: float, distinct_types: int, total: int) -> list[str]:
    advice = []
    if score < 40:
        advice += ["Post more outfits to build momentum",
                   "Follow people whose style is close to yours"]
    if distinct_types < 3:
        advice.append("Explore different activities: comment, save, join a challenge")
    if total < 10:
        advice.append("Stay active: a little every day beats a lot once a month")
    return advice


def viral_score(total: int, unique_users: int, distinct_types: int) -> float:
    """Content virality 0–100: 40·min(total/1000,1) + 35·min(unique/500,1) + 25·min(types/5,1)."""
    score = (40 * min(total / 1000, 1.0) + 35 * min(unique_users / 500, 1.0)
             + 25 * min(distinct_types / 5, 1.0))
    return round(score, 2)


def viral_level(score: float) -> str:
    if score >= 80:
        return "Viral"
    if score >= 60:
        return "High Performance"
    if score >= 40:
        return "Good Performance"
    if score >= 20:
        return "Average Performance"
    return "Low Performance"


def viral_advice(score: float, distinct_types: int, unique_users: int) -> list[str]:
    advice = []
    if score < 40:
        advice += ["Add relevant hashtags", "Post when your audience is most active"]
    if distinct_types < 3:
        advice.append("Invite different kinds of engagement: ask a question, make it saveable")
    if unique_users < 50:
        advice.append("Share it in your communities")
    return advice


def peak(counts: Mapping[int, int]) -> tuple[int | None, int]:
    """(hour, count) of the busiest hour of day; (None, 0) when there is nothing."""
    if not counts:
        return None, 0
    hour = max(sorted(counts), key=lambda h: counts[h])
    return hour, counts[hour]
