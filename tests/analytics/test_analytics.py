"""Analytics on a small fixture world: every number equals a hand-computed value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.analytics.models import UserActivityDaily
from tanvi_social.analytics.scores import engagement_score, viral_score
from tanvi_social.content.models import Comment, Post, Reaction, Save, Share
from tanvi_social.core.time import utcnow
from tanvi_social.social.models import Activity, Connection
from tests.factories import Factory, TestUser


@dataclass
class World:
    alice: TestUser
    bob: TestUser
    carol: TestUser
    admin: TestUser
    p1: int
    p2: int
    now: datetime
    today: datetime
    activity_times: list[datetime]


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.fixture
async def world(factory: Factory, platform: Any) -> World:
    alice, bob, carol = await factory.user("alice"), await factory.user("bob"), \
        await factory.user("carol")
    admin = await factory.admin()
    now = utcnow() - timedelta(seconds=1)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    d1, d2, d3 = today - timedelta(days=1), today - timedelta(days=2), today - timedelta(days=3)
    # Alice's activity log: 3 posts at 10:xx two days ago, 2 likes at 10:xx yesterday,
    # 1 comment just now.
    activity = [("post", _at(d2, 10, 1)), ("post", _at(d2, 10, 2)), ("post", _at(d2, 10, 3)),
                ("like", _at(d1, 10, 5)), ("like", _at(d1, 10, 6)), ("comment", now)]

    def build(session: Session) -> tuple[int, int]:
        for kind, at in activity:
            session.add(Activity(user_id=alice.id, type=kind, created_at=at))
        session.add(Activity(user_id=bob.id, type="like", created_at=_at(d1, 9)))
        p1 = Post(author_id=alice.id, caption="linen", created_at=_at(d2, 10), like_count=2,
                  comment_count=2, share_count=1, save_count=1)
        p2 = Post(author_id=alice.id, caption="denim", created_at=_at(d1, 18), like_count=1)
        session.add_all([p1, p2])
        session.flush()
        session.add_all([
            Reaction(post_id=p1.id, user_id=bob.id, reaction_type="like", created_at=_at(d1, 11)),
            Reaction(post_id=p1.id, user_id=carol.id, reaction_type="love",
                     created_at=_at(d1, 12)),
            Comment(post_id=p1.id, author_id=bob.id, body="love it", created_at=_at(d1, 11, 30)),
            Comment(post_id=p1.id, author_id=alice.id, body="thanks", created_at=_at(d1, 13)),
            Save(post_id=p1.id, user_id=carol.id, created_at=now),
            Share(post_id=p1.id, user_id=bob.id, share_type="external", created_at=now),
            Reaction(post_id=p2.id, user_id=carol.id, reaction_type="like", created_at=now),
            Connection(follower_id=bob.id, target_id=alice.id, state="accepted",
                       created_at=_at(d3, 8)),
            Connection(follower_id=carol.id, target_id=alice.id, state="accepted",
                       created_at=now),
            Connection(follower_id=alice.id, target_id=bob.id, state="accepted",
                       created_at=_at(d1, 8)),
        ])
        return p1.id, p2.id

    p1, p2 = await platform.db.run(build)
    return World(alice, bob, carol, admin, p1, p2, now, today, [a for _, a in activity])


def _expected_user_score(world: World) -> float:
    hours: dict[int, int] = {}
    for at in world.activity_times:
        hours[at.hour] = hours.get(at.hour, 0) + 1
    return engagement_score(6, 3, max(hours.values()))


async def _user(client: AsyncClient, world: World, viewer: TestUser, days: int = 7) -> Any:
    r = await client.get(f"/api/performance/analytics/user/{world.alice.id}?days={days}",
                         headers=viewer.headers)
    assert r.status_code == 200, r.text
    return r.json()["analytics"]


async def test_user_analytics_match_hand_computed_values(client: AsyncClient,
                                                        world: World) -> None:
    a = await _user(client, world, world.alice)
    assert a["total_activities"] == 6
    assert a["distinct_activity_types"] == 3
    assert {t["type"]: t["count"] for t in a["activity_types"]} == {"post": 3, "like": 2,
                                                                    "comment": 1}
    assert a["activity_types"][0] == {"type": "post", "count": 3, "share": 0.5}
    # 40·0.06 + 30·0.3 + 30·min(peak/20, 1): peak is the 10:00 bucket (5, or 6 at 10:xx now).
    assert a["engagement_score"] == _expected_user_score(world)
    assert a["engagement_score"] in (18.9, 20.4)
    assert a["peak_hour"] == "10:00"
    assert a["engagement_level"] in ("Inactive", "Low Engagement")
    # Received: like(bob) + love(carol) on p1, like(carol) on p2, comment(bob), save, share;
    # alice's own comment is not counted.
    assert a["engagements_received"] == 6
    assert {t["type"]: t["count"] for t in a["engagements_received_by_type"]} == {
        "like": 2, "love": 1, "comment": 1, "save": 1, "share": 1}
    assert a["reach"] == 2
    assert a["followers"] == 2
    growth = {g["day"]: (g["new_followers"], g["total"]) for g in a["follower_growth"]}
    d3 = (world.today - timedelta(days=3)).date().isoformat()
    assert growth[d3] == (1, 1)
    assert growth[world.today.date().isoformat()] == (1, 2)
    assert growth[(world.today - timedelta(days=4)).date().isoformat()] == (0, 0)
    assert len(a["follower_growth"]) == 7
    # Best hours: p1 at 10:00 drew 2+2+1+1 = 6, p2 at 18:00 drew 1.
    assert [(h["hour"], h["avg_engagement"]) for h in a["best_posting_hours"]] == [(10, 6.0),
                                                                                  (18, 1.0)]
    assert a["posts_published"] == 2
    assert sum(d["count"] for d in a["activity_by_day"]) == 6


async def test_rollup_gives_the_same_numbers_and_fills_the_daily_tables(
        client: AsyncClient, world: World, platform: Any) -> None:
    before = await _user(client, world, world.alice)
    r = await client.post("/api/performance/analytics/rollup", headers=world.admin.headers)
    assert r.status_code == 200, r.text
    after = await _user(client, world, world.alice)
    assert after == before

    def rolled(session: Session) -> int:
        return int(session.scalar(select(func.sum(UserActivityDaily.count))
                                  .where(UserActivityDaily.user_id == world.alice.id)) or 0)

    assert await platform.db.read(rolled) == 5  # every complete day; today's comment stays live
    # Idempotent: a second run changes nothing.
    await client.post("/api/performance/analytics/rollup", headers=world.admin.headers)
    assert await platform.db.read(rolled) == 5
    assert await _user(client, world, world.alice) == before


async def test_content_analytics_viral_score(client: AsyncClient, world: World) -> None:
    r = await client.get(f"/api/performance/analytics/content/{world.p1}",
                         headers=world.alice.headers)
    assert r.status_code == 200, r.text
    c = r.json()["analytics"]
    assert c["total_engagements"] == 5
    assert c["unique_engagers"] == 2
    assert c["distinct_engagement_types"] == 5
    # 40·5/1000 + 35·2/500 + 25·5/5 = 0.2 + 0.14 + 25
    assert c["viral_score"] == viral_score(5, 2, 5) == 25.34
    assert c["performance_level"] == "Average Performance"
    assert c["engagements_per_engager"] == 2.5
    assert c["reach"] == 2
    assert sum(d["count"] for d in c["engagement_by_day"]) == 5
    assert sum(h["count"] for h in c["engagement_by_hour"]) == 5


async def test_platform_analytics_totals(client: AsyncClient, world: World) -> None:
    for _ in range(2):  # live, then from the roll-up tables
        r = await client.get("/api/performance/analytics/platform?days=7",
                             headers=world.admin.headers)
        assert r.status_code == 200, r.text
        p = r.json()["analytics"]
        assert p["totals"] == {"new_users": 4, "posts": 2, "reactions": 3, "comments": 2,
                               "shares": 1, "saves": 1, "follows": 3, "activities": 7}
        assert p["total_engagements"] == 7
        assert p["engagements_per_post"] == 3.5
        day_24h = world.now - timedelta(hours=24)
        recent = [t for t in [*world.activity_times, _at(world.today - timedelta(days=1), 9)]
                  if t >= day_24h]
        assert sum(t["count"] for t in p["top_activity_types_24h"]) == len(recent)
        assert p["users_scored"] == 2
        assert p["posts_scored"] == 2
        # p1: viral(5, 2, 5) = 25.34; p2: viral(1, 1, 1) = 0.04 + 0.07 + 5 = 5.11
        assert p["average_viral_score"] == round((25.34 + 5.11) / 2, 2)
        bob_score = engagement_score(1, 1, 1)
        assert p["average_engagement_score"] == round(
            (_expected_user_score(world) + bob_score) / 2, 2)
        assert sum(d["count"] for d in p["daily"]["posts"]) == 2
        await client.post("/api/performance/analytics/rollup", headers=world.admin.headers)


async def test_analytics_permissions(client: AsyncClient, world: World) -> None:
    alice_url = f"/api/performance/analytics/user/{world.alice.id}"
    assert (await client.get(alice_url)).status_code == 401
    assert (await client.get(alice_url, headers=world.bob.headers)).status_code == 403
    assert (await client.get(alice_url, headers=world.admin.headers)).status_code == 200
    assert (await client.get("/api/performance/analytics/user/999999",
                             headers=world.admin.headers)).status_code == 404
    p1_url = f"/api/performance/analytics/content/{world.p1}"
    assert (await client.get(p1_url, headers=world.bob.headers)).status_code == 403
    assert (await client.get(p1_url, headers=world.admin.headers)).status_code == 200
    assert (await client.get("/api/performance/analytics/content/999999",
                             headers=world.alice.headers)).status_code == 404
    r = await client.get("/api/performance/analytics/platform", headers=world.bob.headers)
    assert r.status_code == 403
    assert r.json()["success"] is False
    assert (await client.post("/api/performance/analytics/rollup",
                              headers=world.alice.headers)).status_code == 403


async def test_private_post_analytics_is_404_for_strangers(client: AsyncClient, world: World,
                                                           platform: Any) -> None:
    def hide(session: Session) -> None:
        post = session.get(Post, world.p2)
        assert post is not None
        post.visibility = "private"

    await platform.db.run(hide)
    r = await client.get(f"/api/performance/analytics/content/{world.p2}",
                         headers=world.carol.headers)
    assert r.status_code == 404
    r = await client.get(f"/api/performance/analytics/content/{world.p2}",
                         headers=world.alice.headers)
    assert r.status_code == 200


async def test_rollup_job_is_registered_and_runs(platform: Any, world: World) -> None:
    from tanvi_social.core.jobs import enqueue, registered_jobs, runner_of

    assert registered_jobs()["analytics.rollup"].every_seconds == 3600
    await enqueue(platform, "analytics.rollup")
    await runner_of(platform).drain()
    assert runner_of(platform).describe()["jobs"]["analytics.rollup"]["succeeded"] >= 1

    def rolled(session: Session) -> int:
        return int(session.scalar(select(func.count()).select_from(UserActivityDaily)) or 0)

    assert await platform.db.read(rolled) > 0


def test_scores_edge_values() -> None:
    assert engagement_score(0, 0, 0) == 0.0
    assert engagement_score(1000, 50, 500) == 100.0
    assert viral_score(10_000, 10_000, 9) == 100.0
    assert datetime(2026, 1, 1, tzinfo=UTC).hour == 0
