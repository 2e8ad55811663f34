from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import trends
from tanvi_social.inspiration.trends import Usage, classify, detect, detect_all, ewma_baseline
from tests.factories import Factory
from tests.inspiration.world import World, hours_ago

TRENDS = "/api/inspiration/trends"


class TestDetectionFunctions:
    def test_ewma_of_constant_series_has_no_spread(self) -> None:
        b = ewma_baseline([4, 4, 4, 4])
        assert b.mean == 4
        assert b.std == 0

    def test_burst_over_quiet_baseline_is_emerging(self) -> None:
        s = detect("hashtag", "linen", [0] * 40 + [0, 30])
        assert s.stage == "emerging"
        assert s.z_score >= 20
        assert s.confidence > 0.9

    def test_rise_over_established_baseline_is_growing(self) -> None:
        s = detect("hashtag", "denim", [5] * 40 + [10, 20])
        assert s.stage == "growing"
        assert s.growth == 1.0

    def test_plateau_is_peak_then_drop_is_declining(self) -> None:
        assert detect("style", "boho", [5] * 40 + [20, 21]).stage == "peak"
        assert detect("style", "boho", [5] * 40 + [30, 12]).stage == "declining"

    def test_noise_is_not_a_trend(self) -> None:
        assert detect("hashtag", "ootd", [20, 24, 18, 22, 21, 19, 23, 22]).stage is None
        assert detect("hashtag", "rare", [0, 0, 0, 2]).stage is None  # too few accounts
        assert classify(10, 10, 0.5, 0.5, 10.0) is None

    def test_one_account_posting_many_times_counts_once(self) -> None:
        now = utcnow()
        spam = [Usage("hashtag", "spam", 1, now - timedelta(minutes=i)) for i in range(50)]
        assert detect_all(spam, now=now) == []

    def test_windows_and_order_are_deterministic(self) -> None:
        now = utcnow()
        uses = [Usage("hashtag", "a", u, now - timedelta(minutes=5)) for u in range(10)]
        uses += [Usage("hashtag", "b", u, now - timedelta(minutes=5)) for u in range(20)]
        found = detect_all(uses, now=now)
        assert [s.term for s in found] == ["b", "a"]
        assert trends.window_counts(uses, now=now, window=timedelta(hours=1), windows=3)[
            ("hashtag", "a")] == [0, 0, 10]


class TestTrendJobAndApi:
    async def test_linen_by_30_users_in_the_last_hour(self, client: AsyncClient,
                                                      factory: Factory, world: World) -> None:
        mod = await factory.moderator()
        users = await factory.users(30)
        # quiet baseline: a couple of #linen posts a day over the last two days
        await world.post(users[0].id, "old linen", hashtags=["linen"], created_at=hours_ago(30))
        await world.post(users[1].id, "old linen", hashtags=["linen"], created_at=hours_ago(20))
        for i in range(12):  # a steady tag that is not trending
            await world.post(users[i].id, "daily", hashtags=["ootd"], created_at=hours_ago(i * 3))
        for u in users:
            await world.post(u.id, "linen season", hashtags=["linen"], style_tags=["minimal"],
                             created_at=hours_ago(0.5))
        await world.post(users[2].id, "private linen", hashtags=["secretlinen"] ,
                         visibility="private")
        r = await client.post(f"{TRENDS}/refresh", headers=mod.headers)
        assert r.status_code == 200, r.text
        assert r.json()["result"]["detected"] >= 2
        r = await client.get(TRENDS)
        body = r.json()
        by_term = {(t["category"], t["term"]): t for t in body["trends"]}
        linen = by_term[("hashtag", "linen")]
        assert linen["stage"] in ("emerging", "growing")
        assert linen["current_count"] == 30
        assert linen["baseline_mean"] < 1
        assert linen["z_score"] > 10
        assert linen["name"] == "#linen"
        assert ("style", "minimal") in by_term
        assert ("hashtag", "ootd") not in by_term
        assert ("hashtag", "secretlinen") not in by_term
        assert body["trend_summary"]["total"] == len(body["trends"])
        r = await client.get(TRENDS, params={"category": "style"})
        assert {t["category"] for t in r.json()["trends"]} == {"style"}
        r = await client.get(TRENDS, params={"stage": "declining"})
        assert r.json()["trends"] == []

    async def test_moderators_hide_trends_and_hiding_survives_refresh(
            self, client: AsyncClient, factory: Factory, world: World) -> None:
        mod, user = await factory.moderator(), await factory.user()
        for u in await factory.users(5):
            await world.post(u.id, "x", hashtags=["rudeword"])
        assert (await client.post(f"{TRENDS}/refresh", headers=user.headers)).status_code == 403
        assert (await client.post(f"{TRENDS}/refresh")).status_code == 401
        await client.post(f"{TRENDS}/refresh", headers=mod.headers)
        trend = (await client.get(TRENDS)).json()["trends"][0]
        r = await client.post(f"{TRENDS}/{trend['id']}/hide", headers=user.headers)
        assert r.status_code == 403
        r = await client.post(f"{TRENDS}/{trend['id']}/hide", headers=mod.headers)
        assert r.status_code == 200
        assert r.json()["trend"]["is_hidden"] is True
        await client.post(f"{TRENDS}/refresh", headers=mod.headers)
        assert (await client.get(TRENDS)).json()["trends"] == []
        r = await client.get(TRENDS, params={"include_hidden": True}, headers=mod.headers)
        assert [t["term"] for t in r.json()["trends"]] == ["rudeword"]
        r = await client.get(TRENDS, params={"include_hidden": True}, headers=user.headers)
        assert r.json()["trends"] == []
        assert (await client.post(f"{TRENDS}/999/hide", headers=mod.headers)).status_code == 404


class TestHashtagFollow:
    async def test_follow_unfollow(self, client: AsyncClient, factory: Factory) -> None:
        me = await factory.user()
        url = "/api/content/hashtags/Linen/follow"
        r = await client.post(url, headers=me.headers)
        assert r.status_code == 201, r.text
        assert r.json()["hashtag"] == {"tag": "linen", "following": True, "followers": 1}
        assert (await client.post(url, headers=me.headers)).status_code == 409
        assert (await client.post(url)).status_code == 401
        r = await client.delete(url, headers=me.headers)
        assert r.status_code == 200
        assert r.json()["hashtag"]["following"] is False
        assert (await client.delete(url, headers=me.headers)).status_code == 404
        bad = await client.post("/api/content/hashtags/no%20spaces/follow", headers=me.headers)
        assert bad.status_code == 422
