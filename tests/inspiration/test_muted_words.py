"""A user's muted words hide posts from their feeds, listings and search — only theirs — and
never stop them from opening a post directly."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import Factory, TestUser
from tests.inspiration.world import World, hours_ago

HOME = "/api/inspiration/feed/following"
FOR_YOU = "/api/inspiration/feed"
MUTED = "/api/social/muted-words"


async def mute_word(client: AsyncClient, user: TestUser, phrase: str) -> None:
    r = await client.post(MUTED, json={"phrase": phrase}, headers=user.headers)
    assert r.status_code == 201, r.text


async def feed_ids(client: AsyncClient, url: str, user: TestUser, **params: Any) -> list[int]:
    r = await client.get(url, headers=user.headers, params=params)
    assert r.status_code == 200, r.text
    return [i["post"]["id"] for i in r.json()["items"]]


async def test_muted_word_hides_posts_from_home_and_for_you_for_the_muter_only(
        client: AsyncClient, factory: Factory, world: World) -> None:
    me, friend, ana = await factory.users(3)
    for viewer in (me, friend):
        await world.follow(viewer.id, ana.id)
    upper = await world.post(ana.id, "CROCS with socks, yes really", created_at=hours_ago(5))
    accented = await world.post(ana.id, "My new crôcs!", created_at=hours_ago(4))
    tagged = await world.post(ana.id, "Garden look", hashtags=["Crocs"], created_at=hours_ago(3))
    styled = await world.post(ana.id, "Comfort first", style_tags=["crocs"],
                              created_at=hours_ago(2.5))
    titled = await world.post(ana.id, "Weekend", title="Crocs forever", created_at=hours_ago(2))
    unrelated = await world.post(ana.id, "Crocodile-print bag", created_at=hours_ago(1))
    muted = {upper, accented, tagged, styled, titled}
    before = await feed_ids(client, HOME, me)
    assert set(before) == muted | {unrelated}

    await mute_word(client, me, "Crocs")
    # Whole words, case- and accent-insensitive, in captions, hashtags, style tags and titles.
    assert await feed_ids(client, HOME, me) == [unrelated]
    assert await feed_ids(client, FOR_YOU, me) == [unrelated]
    assert set(await feed_ids(client, "/api/inspiration/personalized-feed", me)) == {unrelated}
    # Nobody else's feeds change.
    assert set(await feed_ids(client, HOME, friend)) == muted | {unrelated}
    assert set(await feed_ids(client, FOR_YOU, friend)) == muted | {unrelated}
    # Opening a muted post directly still works for the muter.
    r = await client.get(f"/api/content/posts/{accented}", headers=me.headers)
    assert r.status_code == 200
    # Unmuting brings them back.
    word = (await client.get(MUTED, headers=me.headers)).json()["muted_words"][0]
    assert (await client.delete(f"{MUTED}/{word['id']}", headers=me.headers)).status_code == 200
    assert set(await feed_ids(client, HOME, me)) == muted | {unrelated}


async def test_home_pages_stay_full_and_reposts_of_muted_posts_are_hidden(
        client: AsyncClient, factory: Factory, world: World) -> None:
    me, ana, bea = await factory.users(3)
    await world.follow(me.id, ana.id)
    kept = [await world.post(ana.id, f"linen look {i}", created_at=hours_ago(20 + i))
            for i in range(3)]
    for i in range(6):
        await world.post(ana.id, f"spoiler alert {i}", created_at=hours_ago(10 + i))
    original = await world.post(bea.id, "Huge SPOILER inside", created_at=hours_ago(9))
    await world.post(ana.id, "", repost_of_id=original, created_at=hours_ago(1))
    await world.post(ana.id, "no spoilers here, promise", repost_of_id=kept[0],
                     created_at=hours_ago(0.5))
    mine = await world.post(me.id, "my own spoiler stays", created_at=hours_ago(0.2))
    await mute_word(client, me, "spoiler")
    # A repost whose original (or its own caption) has the word is hidden; "spoilers" is
    # another word. The page is filled past the hidden posts; my own posts are never hidden.
    r = await client.get(HOME, headers=me.headers, params={"limit": 3})
    items = r.json()["items"]
    assert [(i["type"], i["post"]["id"]) for i in items] == [
        ("post", mine), ("repost", kept[0]), ("post", kept[0])]
    cursor = r.json()["next_cursor"]
    assert cursor
    rest = await feed_ids(client, HOME, me, limit=3, cursor=cursor)
    assert rest == kept[1:]


async def test_listing_search_and_discover_leave_muted_posts_out(
        client: AsyncClient, factory: Factory, world: World) -> None:
    me, other, ana = await factory.users(3)
    hidden = await world.post(ana.id, "Velvet blazer with crocs", likes=5)
    shown = await world.post(ana.id, "Velvet blazer with loafers", likes=3)
    await mute_word(client, me, "crocs")

    def ids(body: dict[str, Any], key: str) -> list[int]:
        return [p["id"] for p in body[key]]

    r = await client.get("/api/content/posts", headers=me.headers)
    assert ids(r.json(), "posts") == [shown]
    r = await client.get("/api/content/posts", headers=other.headers)
    assert ids(r.json(), "posts") == [shown, hidden]
    # One person's own profile listing is theirs to show in full (as with muted accounts).
    r = await client.get("/api/content/posts", headers=me.headers, params={"user_id": ana.id})
    assert ids(r.json(), "posts") == [shown, hidden]

    r = await client.get("/api/search", params={"q": "velvet", "type": "posts"},
                         headers=me.headers)
    assert [h["id"] for h in r.json()["results"]] == [shown]
    assert r.json()["pagination"]["total"] == 1
    r = await client.get("/api/search", params={"q": "velvet", "type": "posts"},
                         headers=other.headers)
    assert {h["id"] for h in r.json()["results"]} == {shown, hidden}

    r = await client.get("/api/inspiration/discover", headers=me.headers)
    assert [i["post"]["id"] for i in r.json()["exploration_results"]["trending_posts"]] == [shown]
