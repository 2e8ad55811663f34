"""The home timeline's first page served from cached pieces (inspiration/home_cache.py): the same
page as computed, and every change that hides or adds a post shows at once. Through the HTTP API
only, in embedded mode (memory cache) and with Redis."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tanvi_social.core import cache as core_cache
from tests.factories import Factory, TestUser
from tests.media.conftest import upload
from tests.media.images import blocks, encode

FEED = "/api/inspiration/feed/following"


@pytest.fixture(autouse=True)
def prompt_redelete(monkeypatch: pytest.MonkeyPatch) -> None:
    """An invalidation deletes its keys again INVALIDATION_REDELETE_S (1 s) later (core.cache);
    here at once, so that a list cached right after a write is not dropped by that second
    delete while a test expects a hit."""
    monkeypatch.setattr(core_cache, "INVALIDATION_REDELETE_S", 0.0)


async def feed(client: AsyncClient, user: TestUser, **params: Any) -> tuple[list[int], Any]:
    r = await client.get(FEED, headers=user.headers, params=params)
    assert r.status_code == 200, r.text
    return [i["post"]["id"] for i in r.json()["items"]], r


async def post(client: AsyncClient, user: TestUser, caption: str, **body: Any) -> int:
    r = await client.post("/api/content/posts", headers=user.headers,
                          json={"caption": caption, **body})
    assert r.status_code == 201, r.text
    return int(r.json()["post"]["id"])


async def follow(client: AsyncClient, user: TestUser, target: TestUser) -> None:
    r = await client.post("/api/social/connections", headers=user.headers,
                          json={"user_id": target.id})
    assert r.status_code == 201, r.text


async def warm(client: AsyncClient, user: TestUser) -> list[int]:
    """Read the first page twice: the second read must come from the cache."""
    first, _ = await feed(client, user)
    again, r = await feed(client, user)
    assert r.headers.get("x-cache") == "hit"
    assert again == first
    return first


async def same_page_as_computed(client: AsyncClient, factory: Factory) -> None:
    me, ana, bea = await factory.users(3)
    await follow(client, me, ana)
    await follow(client, me, bea)
    image = await upload(client, ana, encode(blocks([("#1f3a93", 0.7), ("#f5deb3", 0.3)])))
    assert image.status_code == 201, image.text
    pics = await post(client, ana, "linen set", media_ids=[image.json()["media"]["id"]])
    quiet = await post(client, bea, "followers only", visibility="followers")
    mine = await post(client, me, "my own #boho")
    computed, r1 = await feed(client, me)
    assert r1.headers.get("x-cache") != "hit"
    assert computed == [mine, quiet, pics]
    _, r2 = await feed(client, me)
    assert r2.headers.get("x-cache") == "hit"
    body1, body2 = r1.json(), r2.json()
    assert body2["items"] == body1["items"]
    assert body2["next_cursor"] == body1["next_cursor"]
    assert body2["source"] == body1["source"]
    assert body2["items"][2]["post"]["image_url"]
    # a like updates the counters of the cached page (the card's counters are written through)
    r = await client.post(f"/api/content/posts/{pics}/likes", headers=bea.headers, json={})
    assert r.status_code in (200, 201), r.text
    _, r3 = await feed(client, me)
    assert r3.headers.get("x-cache") == "hit"
    assert r3.json()["items"][2]["post"]["like_count"] == 1
    # another page size is computed (and cached for that size)
    small, r4 = await feed(client, me, limit=2)
    assert r4.headers.get("x-cache") != "hit"
    assert small == [mine, quiet]
    assert r4.json()["next_cursor"]


async def author_side_changes(client: AsyncClient, factory: Factory) -> None:
    me, ana, other = await factory.users(3)
    await follow(client, me, ana)
    old = await post(client, ana, "first look")
    assert await warm(client, me) == [old]
    new = await post(client, ana, "second look")  # a followed author posts: at once
    assert (await feed(client, me))[0] == [new, old]
    await warm(client, me)
    r = await client.put(f"/api/content/posts/{new}", headers=ana.headers,
                         json={"visibility": "private"})
    assert r.status_code == 200, r.text
    assert (await feed(client, me))[0] == [old]  # private: never in anyone else's feed
    await warm(client, me)
    r = await client.delete(f"/api/content/posts/{old}", headers=ana.headers)
    assert r.status_code == 200, r.text
    assert (await feed(client, me))[0] == []
    # posts by accounts the viewer does not follow never come in
    await post(client, other, "not followed")
    assert (await feed(client, me))[0] == []


async def viewer_side_changes(client: AsyncClient, factory: Factory) -> None:
    me, ana, bea, cy, dee, eve = await factory.users(6)
    for target in (ana, bea, cy, dee, eve):
        await follow(client, me, target)
    a = await post(client, ana, "ana look")
    b = await post(client, bea, "bea look")
    c = await post(client, cy, "cy look")
    d = await post(client, dee, "dee look with sequins")
    e = await post(client, eve, "eve look")
    assert await warm(client, me) == [e, d, c, b, a]
    r = await client.delete(f"/api/social/connections/{ana.id}", headers=me.headers)
    assert r.status_code == 200, r.text
    assert (await feed(client, me))[0] == [e, d, c, b]  # unfollowed
    await warm(client, me)
    r = await client.post("/api/social/blocks", headers=bea.headers, json={"user_id": me.id})
    assert r.status_code == 201, r.text
    assert (await feed(client, me))[0] == [e, d, c]  # the author blocked the viewer
    await warm(client, me)
    r = await client.post("/api/social/mutes", headers=me.headers, json={"user_id": cy.id})
    assert r.status_code == 201, r.text
    assert (await feed(client, me))[0] == [e, d]  # muted
    await warm(client, me)
    r = await client.post("/api/social/muted-words", headers=me.headers,
                          json={"phrase": "sequins"})
    assert r.status_code == 201, r.text
    assert (await feed(client, me))[0] == [e]  # a muted word
    await warm(client, me)
    r = await client.post("/api/inspiration/feed/feedback", headers=me.headers,
                          json={"author_id": eve.id, "action": "hide"})
    assert r.status_code == 201, r.text
    assert (await feed(client, me))[0] == []  # author hidden
    await warm(client, me)
    r = await client.delete(f"/api/social/mutes/{cy.id}", headers=me.headers)
    assert r.status_code == 200, r.text
    assert (await feed(client, me))[0] == [c]  # unmuted: back at once
    await follow(client, me, ana)
    assert (await feed(client, me))[0] == [c, a]  # followed again


async def own_private_posts_and_profiles(client: AsyncClient, factory: Factory) -> None:
    me, ana, bea = await factory.users(3)
    await follow(client, me, ana)
    await follow(client, bea, me)
    secret = await post(client, me, "only me", visibility="private")
    draft = await post(client, me, "not ready yet", is_draft=True)
    a = await post(client, ana, "ana look")
    computed, r1 = await feed(client, me)
    assert computed == [a, secret]  # no timeline shows a draft, not even its author's
    _, r2 = await feed(client, me)
    assert r2.headers.get("x-cache") == "hit"  # the own private post is kept in the list
    assert r2.json()["items"] == r1.json()["items"]
    assert (await feed(client, bea))[0] == []  # a follower never sees it
    await feed(client, bea)
    assert (await feed(client, bea))[0] == []
    for who in (me, ana):  # a profile change shows on the cached page at once
        r = await client.put("/api/social/profiles/me", headers=who.headers,
                             json={"display_name": f"New {who.id}"})
        assert r.status_code == 200, r.text
        _, r3 = await feed(client, me)
        names = {i["post"]["author"]["id"]: i["post"]["author"]["display_name"]
                 for i in r3.json()["items"]}
        assert names[who.id] == f"New {who.id}"
        await warm(client, me)
    r = await client.put(f"/api/content/posts/{draft}", headers=me.headers,
                         json={"is_draft": False})
    assert r.status_code == 200, r.text
    assert (await feed(client, me))[0] == [draft, a, secret]  # published: in at once
    assert (await feed(client, bea))[0] == [draft]


SCENARIOS = (same_page_as_computed, author_side_changes, viewer_side_changes,
             own_private_posts_and_profiles)


class TestHomeCache:
    @pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
    async def test_embedded(self, client: AsyncClient, factory: Factory, scenario: Any) -> None:
        await scenario(client, factory)


@pytest.mark.redis
class TestHomeCacheRedis:
    @pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
    async def test_redis(self, make_harness: Any, redis_url: str, scenario: Any) -> None:
        h = await make_harness(redis_url=redis_url)
        async with h.client() as client:
            await scenario(client, Factory(h.platform))
