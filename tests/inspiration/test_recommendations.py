from __future__ import annotations

from httpx import AsyncClient

from tests.factories import Factory
from tests.inspiration.world import World

RECS = "/api/inspiration/recommendations"


async def rec_ids(client: AsyncClient, headers: dict, type: str = "posts") -> list[dict]:
    r = await client.get(RECS, headers=headers, params={"type": type})
    assert r.status_code == 200, r.text
    return r.json()["recommendations"]


class TestPostRecommendations:
    async def test_boho_saver_gets_boho_heavy_recommendations(
            self, client: AsyncClient, factory: Factory, world: World) -> None:
        me, *creators = await factory.users(7)
        styles = ["boho", "minimal", "streetwear"]
        posts: dict[str, list[int]] = {s: [] for s in styles}
        for i, creator in enumerate(creators):
            for style in styles:
                for j in range(2):
                    posts[style].append(await world.post(
                        creator.id, f"{style} look {i}-{j}", hashtags=[style],
                        style_tags=[style], likes=(i * 7 + j * 3) % 11))
        for pid in posts["boho"][:4]:
            await world.save(me.id, pid)
        recs = await rec_ids(client, me.headers)
        assert len(recs) >= 10
        top = recs[:10]
        boho = [r for r in top if "boho" in r["post"]["hashtags"]]
        assert len(boho) >= 8, [r["post"]["hashtags"] for r in top]
        assert all(r["item_id"] not in posts["boho"][:4] for r in recs)  # already saved
        assert any(r["reasons"][0].startswith("Matches your style: #boho") for r in top)
        assert top[0]["id"] == f"post-{top[0]['item_id']}"

    async def test_co_engagement_explains_itself(self, client: AsyncClient, factory: Factory,
                                                 world: World) -> None:
        me, twin, author = await factory.users(3)
        a = await world.post(author.id, "a")
        b = await world.post(author.id, "b")
        await world.save(me.id, a)
        await world.save(twin.id, a)
        await world.save(twin.id, b)
        recs = await rec_ids(client, me.headers)
        assert recs[0]["item_id"] == b
        assert "1 people who saved what you saved also saved this" in recs[0]["reasons"]

    async def test_private_post_never_recommended(self, client: AsyncClient, factory: Factory,
                                                  world: World) -> None:
        me, other = await factory.users(2)
        secret = await world.post(other.id, "boho", hashtags=["boho"], visibility="private",
                                  likes=100)
        fol = await world.post(other.id, "boho", hashtags=["boho"], visibility="followers")
        public = await world.post(other.id, "boho", hashtags=["boho"])
        await world.profile(me.id, style_tags=["boho"])
        ids = [r["item_id"] for r in await rec_ids(client, me.headers)]
        assert ids == [public]
        await world.follow(me.id, other.id)
        ids = [r["item_id"] for r in await rec_ids(client, me.headers)]
        assert set(ids) == {public, fol}
        assert secret not in ids

    async def test_rating_changes_later_results(self, client: AsyncClient, factory: Factory,
                                                world: World) -> None:
        me, a, b = await factory.users(3)
        grunge = await world.post(a.id, "grunge", hashtags=["grunge"], likes=50)
        await world.post(a.id, "more grunge", hashtags=["grunge"], likes=40)
        prep = await world.post(b.id, "prep", hashtags=["preppy"], likes=1)
        first = [r["item_id"] for r in await rec_ids(client, me.headers)]
        assert first[0] == grunge
        r = await client.post(f"{RECS}/post-{grunge}/rate", headers=me.headers,
                              json={"rating": 1, "feedback": "not me"})
        assert r.status_code == 200, r.text
        assert r.json()["rating"]["rating"] == 1
        after = [r["item_id"] for r in await rec_ids(client, me.headers)]
        assert grunge not in after
        assert after[0] == prep
        r = await client.post(f"{RECS}/post-{prep}/rate", headers=me.headers, json={"rating": 5})
        assert r.status_code == 200

    async def test_rate_validation_and_access(self, client: AsyncClient, factory: Factory,
                                              world: World) -> None:
        me, other = await factory.users(2)
        secret = await world.post(other.id, "x", visibility="private")
        url = f"{RECS}/post-{secret}/rate"
        assert (await client.post(url, json={"rating": 3})).status_code == 401
        assert (await client.post(url, headers=me.headers, json={"rating": 3})).status_code == 404
        r = await client.post(f"{RECS}/post-1/rate", headers=me.headers, json={"rating": 9})
        assert r.status_code == 422
        r = await client.post(f"{RECS}/bogus/rate", headers=me.headers, json={"rating": 3})
        assert r.status_code == 422
        r = await client.post(f"{RECS}/user-{me.id}/rate", headers=me.headers, json={"rating": 3})
        assert r.status_code == 404


class TestPeopleRecommendations:
    async def test_friends_of_friends_and_style(self, client: AsyncClient, factory: Factory,
                                                world: World) -> None:
        me, friend, fof, blocked = await factory.users(4)
        await world.follow(me.id, friend.id)
        await world.follow(friend.id, fof.id)
        await world.follow(friend.id, blocked.id)
        await world.block(blocked.id, me.id)
        recs = await rec_ids(client, me.headers, "people")
        ids = [r["item_id"] for r in recs]
        assert ids == [fof.id]
        assert recs[0]["reasons"] == ["Followed by 1 people you follow"]
        assert recs[0]["user"]["username"] == fof.username

    async def test_other_types_answer(self, client: AsyncClient, factory: Factory) -> None:
        me = await factory.user()
        for kind in ("communities", "events"):
            r = await client.get(RECS, headers=me.headers, params={"type": kind})
            assert r.status_code == 200
        assert (await client.get(RECS, headers=me.headers, params={"type": "x"})).status_code \
            == 422
        assert (await client.get(RECS)).status_code == 401
