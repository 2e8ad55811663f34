from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from httpx import AsyncClient

from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import foryou
from tanvi_social.inspiration.ranking import (
    Candidate,
    Feedback,
    diversify,
    engagement,
    freshness,
    rank,
    style_match,
    trigram_similarity,
)
from tests.factories import Factory
from tests.inspiration.world import World, hours_ago

FEED = "/api/inspiration/feed"


def cand(pid: int, author: int, at: datetime, tags: list[str] | None = None,
         likes: int = 0) -> Candidate:
    return Candidate(post_id=pid, author_id=author, created_at=at, tags=tags or [], likes=likes,
                     sources={"following"})


class TestRankingFunctions:
    def test_factors(self) -> None:
        now = utcnow()
        assert freshness(now - timedelta(hours=24), now) == 0.5
        assert engagement(0, 0, 0, 0) < engagement(0, 0, 1, 0)
        assert engagement(0, 0, 1, 0) > engagement(1, 0, 0, 0)  # a save weighs more than a like
        assert style_match({"boho": 1.0}, ["#Boho"]) == 1.0
        assert style_match({"boho": 1.0}, ["minimal"]) == 0.5
        assert style_match({"boho": 1.0}, ["minimal"], strength=0) == 1.0
        assert trigram_similarity("amelia", "amelia") == 1.0

    def test_diversity_never_puts_an_author_twice_in_a_row_when_avoidable(self) -> None:
        now = utcnow()
        ranked = [cand(1, 7, now), cand(2, 7, now), cand(3, 7, now), cand(4, 8, now),
                  cand(5, 9, now)]
        authors = [c.author_id for c in diversify(ranked)]
        assert authors == [7, 8, 7, 9, 7]

    def test_feedback_and_determinism(self) -> None:
        now = utcnow()
        items = [cand(1, 1, now, ["boho"], 5), cand(2, 2, now, ["minimal"], 5),
                 cand(3, 3, now, ["grunge"], 5)]
        fb = Feedback(hidden_authors={3}, down_tags={"minimal"})
        out = rank(items, now=now, profile={}, fb=fb, interactions={}, compat={})
        assert [c.post_id for c in out] == [1, 2]
        assert out[1].factors["feedback"] == 0.2
        again = rank([cand(1, 1, now, ["boho"], 5), cand(2, 2, now, ["minimal"], 5),
                      cand(3, 3, now, ["grunge"], 5)], now=now, profile={}, fb=fb,
                     interactions={}, compat={})
        assert [(c.post_id, c.score) for c in again] == [(c.post_id, c.score) for c in out]


class TestForYouFeed:
    async def test_sources_reasons_and_privacy(self, client: AsyncClient, factory: Factory,
                                               world: World) -> None:
        me, friend, tagger, star, other = await factory.users(5)
        await world.follow(me.id, friend.id)
        f1 = await world.post(friend.id, "friend look", hashtags=["denim"])
        t1 = await world.post(tagger.id, "linen look", hashtags=["linen"])
        s1 = await world.post(star.id, "viral look", likes=500, saves=100)
        secret = await world.post(friend.id, "private", visibility="private")
        other_private = await world.post(other.id, "private", visibility="private", likes=999)
        await client.post("/api/content/hashtags/linen/follow", headers=me.headers)
        r = await client.get(FEED, headers=me.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        reasons = {i["post"]["id"]: i["reason"] for i in body["items"]}
        assert reasons[f1] == f"Because you follow @{friend.username}"
        assert reasons[t1] == "Because you follow #linen"
        assert reasons[s1] == "Popular right now"
        assert secret not in reasons
        assert other_private not in reasons
        for item in body["items"]:
            f = item["factors"]
            product = f["affinity"] * f["engagement"] * f["freshness"] * f["style_match"] * \
                f["feedback"]
            assert abs(product - item["score"]) < 1e-3
        alias = (await client.get("/api/inspiration/personalized-feed", headers=me.headers)).json()
        assert [(i["post"]["id"], i["reason"]) for i in alias["items"]] == [
            (i["post"]["id"], i["reason"]) for i in body["items"]]

    async def test_paging_is_stable_and_complete(self, client: AsyncClient, factory: Factory,
                                                 world: World) -> None:
        me, *authors = await factory.users(4)
        posts = []
        for a in authors:
            await world.follow(me.id, a.id)
            for i in range(4):
                posts.append(await world.post(a.id, f"look {i}", created_at=hours_ago(i)))
        seen, cursor = [], None
        while True:
            params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
            body = (await client.get(FEED, headers=me.headers, params=params)).json()
            seen += [i["post"]["id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(posts)

    async def test_same_data_same_time_same_feed(self, factory: Factory, world: World,
                                                 platform) -> None:
        me, a, b = await factory.users(3)
        await world.follow(me.id, a.id)
        for i in range(5):
            await world.post(a.id, "x", hashtags=["boho"], created_at=hours_ago(i), likes=i)
            await world.post(b.id, "y", hashtags=["boho"], created_at=hours_ago(i), likes=10 * i)
        now = utcnow()
        first = await platform.db.read(foryou.for_you_page, me.id, None, 20, now)
        second = await platform.db.read(foryou.for_you_page, me.id, None, 20, now)
        assert [i.model_dump() for i in first[0]] == [i.model_dump() for i in second[0]]
        ids = [i.post.author.id for i in first[0]]
        assert all(x != y for x, y in itertools.pairwise(ids)) or len(set(ids)) == 1

    async def test_feedback_changes_the_feed(self, client: AsyncClient, factory: Factory,
                                             world: World) -> None:
        me, a, b = await factory.users(3)
        await world.follow(me.id, a.id)
        await world.follow(me.id, b.id)
        boho = await world.post(a.id, "boho", hashtags=["boho"], likes=50)
        minimal = await world.post(b.id, "minimal", hashtags=["minimal"], likes=1)
        first = [i["post"]["id"] for i in (await client.get(FEED, headers=me.headers)).json()[
            "items"]]
        assert first == [boho, minimal]
        r = await client.post("/api/inspiration/feed/feedback", headers=me.headers,
                              json={"tag": "#minimal", "action": "see_more"})
        assert r.status_code == 201
        r = await client.post("/api/inspiration/feed/feedback", headers=me.headers,
                              json={"post_id": boho, "action": "not_interested"})
        assert r.status_code == 201
        after = [i["post"]["id"] for i in (await client.get(FEED, headers=me.headers)).json()[
            "items"]]
        assert after == [minimal]

    async def test_feedback_validation_and_forbidden(self, client: AsyncClient,
                                                     factory: Factory, world: World) -> None:
        me, other = await factory.users(2)
        secret = await world.post(other.id, "private", visibility="private")
        url = "/api/inspiration/feed/feedback"
        assert (await client.post(url, json={"action": "hide", "post_id": 1})).status_code == 401
        r = await client.post(url, headers=me.headers, json={"action": "hide"})
        assert r.status_code == 422
        r = await client.post(url, headers=me.headers, json={"action": "hide", "post_id": secret})
        assert r.status_code == 404
        r = await client.post(url, headers=me.headers, json={"action": "hide",
                                                             "author_id": 99999})
        assert r.status_code == 404
        r = await client.post(url, headers=me.headers, json={"action": "boo", "author_id": 1})
        assert r.status_code == 422


class TestPreferences:
    async def test_defaults_update_and_effect(self, client: AsyncClient, factory: Factory,
                                              world: World) -> None:
        me, star = await factory.users(2)
        await world.post(star.id, "viral", likes=100)
        url = "/api/inspiration/feed/preferences"
        r = await client.get(url, headers=me.headers)
        assert r.json()["preferences"]["feed_types"] == foryou_types()
        assert len((await client.get(FEED, headers=me.headers)).json()["items"]) == 1
        r = await client.put(url, headers=me.headers, json={"feed_types": ["following"],
                                                            "personalization_strength": 0.5})
        assert r.status_code == 200
        assert r.json()["preferences"]["feed_types"] == ["following"]
        assert (await client.get(FEED, headers=me.headers)).json()["items"] == []
        assert (await client.put(url, headers=me.headers, json={"feed_types": []})).status_code \
            == 422
        r = await client.put(url, headers=me.headers, json={"personalization_strength": 5})
        assert r.status_code == 422
        assert (await client.get(url)).status_code == 401


def foryou_types() -> list[str]:
    return ["following", "compatible", "hashtags", "communities", "trending"]
