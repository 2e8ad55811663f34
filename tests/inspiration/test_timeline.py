from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import Factory
from tests.inspiration.world import World, hours_ago

FEED = "/api/inspiration/feed/following"


async def page_ids(client: AsyncClient, headers: dict, **params: Any) -> tuple[list, str | None]:
    r = await client.get(FEED, headers=headers, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [(i["type"], i["post"]["id"]) for i in body["items"]]
    return ids, body["next_cursor"]


class TestHomeTimeline:
    async def test_newest_first_from_followed_only(self, client: AsyncClient, factory: Factory,
                                                   world: World) -> None:
        me, ana, bea, stranger = await factory.users(4)
        await world.follow(me.id, ana.id)
        await world.follow(me.id, bea.id)
        a1 = await world.post(ana.id, "linen set", created_at=hours_ago(3))
        b1 = await world.post(bea.id, "boho skirt", created_at=hours_ago(2))
        await world.post(stranger.id, "not followed", created_at=hours_ago(1))
        mine = await world.post(me.id, "my own", created_at=hours_ago(0.5))
        ids, cursor = await page_ids(client, me.headers)
        assert ids == [("post", mine), ("post", b1), ("post", a1)]
        assert cursor is None
        r = await client.get(FEED, headers=me.headers)
        assert r.json()["source"] == "computed"
        assert r.json()["items"][0]["reason"]

    async def test_cursor_pages_cover_everything_once(self, client: AsyncClient,
                                                      factory: Factory, world: World) -> None:
        me, ana = await factory.users(2)
        await world.follow(me.id, ana.id)
        same = hours_ago(1)
        posts = [await world.post(ana.id, f"look {i}", created_at=same if i < 3 else hours_ago(i))
                 for i in range(7)]
        seen: list[int] = []
        cursor = None
        for _ in range(5):
            params: dict[str, Any] = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            ids, cursor = await page_ids(client, me.headers, **params)
            seen += [pid for _, pid in ids]
            if cursor is None:
                break
        assert sorted(seen) == sorted(posts)
        assert len(seen) == len(set(seen))

    async def test_pages_across_months_and_the_read_windows(
            self, client: AsyncClient, factory: Factory, world: World) -> None:
        """Posts hours, days, weeks and months old (inside and beyond every time window the
        read tries first) come in one newest-first order, each once, from page to page."""
        me, ana, bea = await factory.users(3)
        await world.follow(me.id, ana.id)
        await world.follow(me.id, bea.id)
        ages = [0.5, 5, 20, 30, 47, 80, 190, 400, 1600, 2000, 3000]
        posts = {await world.post((ana if i % 2 else bea).id, f"look {i}",
                                  created_at=hours_ago(h)): h for i, h in enumerate(ages)}
        newest_first = sorted(posts, key=lambda pid: posts[pid])
        for limit in (1, 2, 4, 20):
            seen: list[int] = []
            cursor = None
            for _ in range(len(ages) + 2):
                params: dict[str, Any] = {"limit": limit}
                if cursor:
                    params["cursor"] = cursor
                ids, cursor = await page_ids(client, me.headers, **params)
                seen += [pid for _, pid in ids]
                if cursor is None:
                    break
            assert seen == newest_first, limit

    async def test_visibility_blocks_and_mutes(self, client: AsyncClient, factory: Factory,
                                               world: World) -> None:
        me, ana, bea, cat = await factory.users(4)
        for other in (ana, bea, cat):
            await world.follow(me.id, other.id)
        public = await world.post(ana.id, "public")
        followers = await world.post(ana.id, "followers only", visibility="followers")
        await world.post(ana.id, "private", visibility="private")
        await world.post(bea.id, "from someone I will block")
        await world.post(cat.id, "from someone I mute")
        await world.block(me.id, bea.id)
        await world.mute(me.id, cat.id)
        ids, _ = await page_ids(client, me.headers)
        assert {pid for _, pid in ids} == {public, followers}

    async def test_reposts_show_the_original(self, client: AsyncClient, factory: Factory,
                                             world: World) -> None:
        me, ana, bea = await factory.users(3)
        await world.follow(me.id, ana.id)
        original = await world.post(bea.id, "original look", created_at=hours_ago(5))
        repost = await world.post(ana.id, "", repost_of_id=original)
        hidden_original = await world.post(bea.id, "private", visibility="private")
        await world.post(ana.id, "", repost_of_id=hidden_original)
        r = await client.get(FEED, headers=me.headers)
        items = r.json()["items"]
        assert [(i["type"], i["post"]["id"]) for i in items] == [("repost", original)]
        assert items[0]["reposted_by"]["id"] == ana.id
        assert repost

    async def test_hidden_author_disappears(self, client: AsyncClient, factory: Factory,
                                            world: World) -> None:
        me, ana, bea = await factory.users(3)
        await world.follow(me.id, ana.id)
        await world.follow(me.id, bea.id)
        await world.post(ana.id, "ana look")
        keep = await world.post(bea.id, "bea look")
        r = await client.post("/api/inspiration/feed/feedback", headers=me.headers,
                              json={"author_id": ana.id, "action": "hide"})
        assert r.status_code == 201, r.text
        ids, _ = await page_ids(client, me.headers)
        assert ids == [("post", keep)]
        r = await client.get("/api/inspiration/feed", headers=me.headers)
        assert all(i["post"]["author"]["id"] != ana.id for i in r.json()["items"])

    async def test_anonymous_is_401(self, client: AsyncClient) -> None:
        r = await client.get(FEED)
        assert r.status_code == 401
        assert (await client.get(FEED, headers={"Authorization": "Bearer nope"})).status_code == 401

    async def test_bad_cursor_is_422(self, client: AsyncClient, factory: Factory) -> None:
        me = await factory.user()
        r = await client.get(FEED, headers=me.headers, params={"cursor": "%%%"})
        assert r.status_code == 422
