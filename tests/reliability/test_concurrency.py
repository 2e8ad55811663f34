"""Exact counters and constraints under concurrent requests (real parallelism on PostgreSQL).

Covered elsewhere with the same technique, not repeated here: RSVPs at capacity
(tests/community/test_events.py::test_hundred_concurrent_yes_for_ten_places, 100 'yes' for 10
places), mentee limit (tests/community/test_mentorship.py::test_max_mentees_exact_under_concurrency,
6 accepts for 2 places), likes (tests/content/test_reactions.py), follows (tests/social).
"""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.content.models import ChallengeEntry, ChallengeVote
from tests.concurrency import fire_statuses
from tests.content.helpers import make_post
from tests.content.test_challenges import BASE, new_challenge
from tests.factories import Factory


async def _entry(client: AsyncClient, factory: Factory) -> tuple[int, int]:
    mod = await factory.moderator()
    author = await factory.user()
    cid = (await new_challenge(client, mod))["id"]
    assert (await client.post(f"{BASE}/{cid}/join", headers=author.headers)).status_code == 201
    post = await make_post(client, author, "entry #monoweek")
    r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": post["id"]},
                          headers=author.headers)
    assert r.status_code == 201, r.text
    return cid, r.json()["entry"]["id"]


async def _votes(platform: Any, entry_id: int) -> tuple[int, int]:
    """(the entry's vote_count column, the real number of vote rows)."""
    return await platform.db.read(lambda s: (
        s.get(ChallengeEntry, entry_id).vote_count,
        s.scalar(select(func.count()).select_from(ChallengeVote).where(
            ChallengeVote.entry_id == entry_id))))


class TestChallengeVotes:
    async def test_same_user_voting_ten_times_at_once_counts_once(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        cid, entry_id = await _entry(client, factory)
        voter = await factory.user()
        url = f"{BASE}/{cid}/entries/{entry_id}/vote"
        statuses = await fire_statuses(client, "POST", url, headers=[voter.headers] * 10)
        assert statuses == {201: 1, 409: 9}, statuses
        assert await _votes(platform, entry_id) == (1, 1)
        # ten concurrent withdrawals: one succeeds, the count goes back to exactly 0
        statuses = await fire_statuses(client, "DELETE", url, headers=[voter.headers] * 10)
        assert statuses == {200: 1, 404: 9}, statuses
        assert await _votes(platform, entry_id) == (0, 0)

    async def test_thirty_voters_at_once_give_exactly_thirty(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        cid, entry_id = await _entry(client, factory)
        voters = await factory.users(30, prefix="voter")
        url = f"{BASE}/{cid}/entries/{entry_id}/vote"
        statuses = await fire_statuses(client, "POST", url, headers=[v.headers for v in voters])
        assert statuses == {201: 30}, statuses
        assert await _votes(platform, entry_id) == (30, 30)
