"""GET /posts?sort=new (no filters) is served from cached pieces kept current by events: no SQL
on a warm page, the same document as the full read, and never a post the reader may not see —
new posts appear at once, deleted/hidden/private ones and blocked or muted authors go at once,
and the reader's liked/saved flags follow their writes."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tanvi_social.content import list_cache
from tanvi_social.core import pagination
from tests.content.helpers import block, follow, make_post, take_out_of_sight
from tests.content.test_post_card_cache import statements, without_timestamp
from tests.factories import Factory, TestUser

POSTS = "/api/content/posts"
S = "/api/social"


async def listing(client: AsyncClient, user: TestUser | None = None, **params: Any) -> Any:
    r = await client.get(POSTS, params={"sort": "new", **params},
                         headers=user.headers if user else {})
    assert r.status_code == 200, r.text
    return r


def ids(r: Any) -> list[int]:
    return [p["id"] for p in r.json()["posts"]]


async def full_read(client: AsyncClient, user: TestUser | None, monkeypatch: pytest.MonkeyPatch,
                    **params: Any) -> Any:
    """The same listing through the full read (the path the cache does not serve)."""
    with monkeypatch.context() as m:
        async def nothing(*args: Any) -> None:
            return None

        m.setattr(list_cache, "serve", nothing)
        r = await listing(client, user, **params)
    assert r.headers["x-cache"] == "miss"
    return r


class TestServedFromCache:
    async def test_warm_page_runs_no_sql_and_equals_the_full_read(
            self, client: AsyncClient, factory: Factory, platform: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("bea"))
        await follow(client, ana, bea)
        pids = [(await make_post(client, mia, f"look {i} #linen"))["id"] for i in range(5)]
        friends = (await make_post(client, bea, "for followers", visibility="followers"))["id"]
        mine = (await make_post(client, ana, "my own"))["id"]
        assert (await client.post(f"{POSTS}/{pids[1]}/likes", json={"like_type": "love"},
                                  headers=ana.headers)).status_code == 201
        assert (await client.post(f"{POSTS}/{pids[2]}/saves", json={},
                                  headers=ana.headers)).status_code == 201
        from tanvi_social.core.jobs import runner_of

        await runner_of(platform).drain()  # the posts' search indexing must not be counted
        for who in (ana, None):
            first = await listing(client, who, per_page=4)
            # the reader's first page reads their pieces; anonymous has none (the cards and
            # the window are shared)
            assert first.headers["x-cache"] == ("miss" if who else "hit")
            with statements(platform) as seen:
                second = await listing(client, who, per_page=4)
            assert second.headers["x-cache"] == "hit"
            assert seen == []
            for page in (1, 2):
                cached = await listing(client, who, per_page=4, page=page)
                full = await full_read(client, who, monkeypatch, per_page=4, page=page)
                assert without_timestamp(cached.json()) == without_timestamp(full.json())
        as_ana = (await listing(client, ana, per_page=20)).json()["posts"]
        assert [p["id"] for p in as_ana] == [mine, friends, *reversed(pids)]
        viewer = {p["id"]: p["viewer"] for p in as_ana}
        assert viewer[pids[1]]["like_type"] == "love"
        assert viewer[pids[2]]["saved"] is True
        assert friends not in ids(await listing(client))  # anonymous: followers-only hidden
        assert friends not in ids(await listing(client, mia))

    async def test_a_new_post_is_listed_from_the_cache_at_once(
            self, client: AsyncClient, factory: Factory, platform: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """The create caches the new post's card and puts it in the window: the next page is a
        hit, and the same document as the full read (also for a followers-only post)."""
        mia, ana = await factory.user("mia"), await factory.user("ana")
        await follow(client, ana, mia)
        await make_post(client, mia, "first")
        await listing(client, ana)
        for visibility in ("public", "followers"):
            pid = (await make_post(client, mia, f"new {visibility} #linen",
                                   visibility=visibility))["id"]
            r = await listing(client, ana)
            assert r.headers["x-cache"] == "hit"
            assert ids(r)[0] == pid
            full = await full_read(client, ana, monkeypatch)
            assert without_timestamp(r.json()) == without_timestamp(full.json())
            card = await client.get(f"{POSTS}/{pid}", headers=ana.headers)
            # (a followers-only card also reads the reader's follow once: the card cache's own)
            assert card.headers["x-cache"] == ("hit" if visibility == "public" else "miss")
            assert card.json()["post"] == r.json()["posts"][0]
        assert ids(await listing(client))[0] != pid  # anonymous: not the followers-only one

    async def test_capped_total_is_the_full_reads(
            self, client: AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(pagination, "COUNT_CAP", 3)
        mia, ana = await factory.user("mia"), await factory.user("ana")
        for i in range(6):
            await make_post(client, mia, f"look {i}")
        for page in (1, 2, 3):
            await listing(client, ana, per_page=2, page=page)
            cached = await listing(client, ana, per_page=2, page=page)
            assert cached.headers["x-cache"] == "hit"
            full = await full_read(client, ana, monkeypatch, per_page=2, page=page)
            assert cached.json()["pagination"] == full.json()["pagination"]
            assert ids(cached) == ids(full)

    async def test_a_window_shorter_than_the_bound_takes_the_full_read(
            self, client: AsyncClient, factory: Factory, platform: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(list_cache, "WINDOW_SIZE", 3)
        mia = await factory.user("mia")
        for i in range(5):
            await make_post(client, mia, f"look {i}")
        await listing(client, mia)
        r = await listing(client, mia)
        assert r.headers["x-cache"] == "miss"
        assert r.json()["pagination"]["total"] == 5
        assert len(r.json()["posts"]) == 5

    async def test_filters_and_other_sorts_take_the_full_read(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user("mia")
        await make_post(client, mia, "look #linen")
        for params in ({"sort": "hot"}, {"tag": "linen"}, {"user_id": mia.id},
                       {"occasion": "work"}):
            for _ in range(2):
                r = await client.get(POSTS, params=params)
                assert r.status_code == 200, r.text
                assert r.headers["x-cache"] == "miss"


class TestAtOnce:
    async def test_new_post_appears_and_delete_private_hide_disappear(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, rex = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("rex"))
        mod = await factory.moderator()
        await make_post(client, mia, "old look")
        for who in (ana, None):
            await listing(client, who)
            assert (await listing(client, who)).headers["x-cache"] == "hit"
        gone, private, hidden = [(await make_post(client, mia, f"post {i}"))["id"]
                                 for i in range(3)]
        for who in (ana, None, mia):
            assert {gone, private, hidden} <= set(ids(await listing(client, who)))
        await take_out_of_sight(client, mia, rex, mod, gone, private, hidden)
        for who in (ana, None, rex):
            seen = ids(await listing(client, who))
            assert not {gone, private, hidden} & set(seen)
        # the author still lists their private and hidden posts (the full read), never a deleted one
        own = ids(await listing(client, mia))
        assert private in own
        assert hidden in own
        assert gone not in own

    async def test_an_older_read_of_a_post_never_overwrites_a_newer_one(
            self, client: AsyncClient, factory: Factory, platform: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        """Two updates of one post in flight (created, then deleted): the one whose read started
        first but finished last is dropped."""
        import asyncio

        mia = await factory.user("mia")
        pid = (await make_post(client, mia, "here and gone"))["id"]
        existing = await platform.db.read(list_cache.post_entry, pid)
        real_read = platform.db.read
        calls: list[int] = []

        async def old_then_new(fn: Any, *args: Any, **kwargs: Any) -> Any:
            if fn is not list_cache.post_entry:
                return await real_read(fn, *args, **kwargs)
            calls.append(args[0])
            if len(calls) == 1:
                await asyncio.sleep(0.3)  # read while the post existed, answered late
                return existing
            return None  # the newer read: the post is gone

        monkeypatch.setattr(platform.db, "read", old_then_new)

        async def newer() -> None:
            await asyncio.sleep(0.1)
            await list_cache.refresh_window(platform, pid)

        await asyncio.gather(list_cache.refresh_window(platform, pid), newer())
        window = list_cache._local(platform.cache).window
        assert window is not None
        assert pid not in [e[0] for e in window["e"]]

    async def test_block_either_way_and_unblock(self, client: AsyncClient,
                                                factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "public look"))["id"]
        await listing(client, ana)
        assert pid in ids(await listing(client, ana))
        await block(client, mia, ana)
        r = await listing(client, ana)
        assert pid not in ids(r)
        assert r.json()["pagination"]["total"] == 0
        assert (await client.delete(f"{S}/blocks/{ana.id}",
                                    headers=mia.headers)).status_code == 200
        assert pid in ids(await listing(client, ana))
        await block(client, ana, mia)
        assert pid not in ids(await listing(client, ana))
        assert pid in ids(await listing(client))

    async def test_follow_and_unfollow_of_a_followers_only_author(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "friends only", visibility="followers"))["id"]
        await listing(client, ana)
        assert pid not in ids(await listing(client, ana))
        await follow(client, ana, mia)
        assert pid in ids(await listing(client, ana))
        assert (await client.delete(f"{S}/connections/{mia.id}",
                                    headers=ana.headers)).status_code == 200
        assert pid not in ids(await listing(client, ana))

    async def test_mute_and_unmute_an_author_and_muted_words(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "linen again"))["id"]
        other = (await make_post(client, ana, "my linen"))["id"]
        await listing(client, ana)
        assert pid in ids(await listing(client, ana))
        r = await client.post(f"{S}/mutes", json={"user_id": mia.id}, headers=ana.headers)
        assert r.status_code == 201, r.text
        r = await listing(client, ana)
        assert pid not in ids(r)
        assert r.json()["pagination"]["total"] == 1
        assert pid in ids(await listing(client))  # only for the muter
        assert (await client.delete(f"{S}/mutes/{mia.id}",
                                    headers=ana.headers)).status_code == 200
        assert pid in ids(await listing(client, ana))
        r = await client.post(f"{S}/muted-words", json={"phrase": "linen"}, headers=ana.headers)
        assert r.status_code == 201, r.text
        assert ids(await listing(client, ana)) == [other]  # own posts are never hidden
        word = r.json()["muted_word"]["id"]
        assert (await client.delete(f"{S}/muted-words/{word}",
                                    headers=ana.headers)).status_code == 200
        assert pid in ids(await listing(client, ana))

    async def test_profile_made_private_hides_its_posts_from_strangers(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, fan = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("fan"))
        await follow(client, fan, mia)
        pid = (await make_post(client, mia, "public for now"))["id"]
        for who in (ana, fan, None):
            await listing(client, who)
            assert pid in ids(await listing(client, who))
        r = await client.put(f"{S}/profiles/me", json={"visibility": "private"},
                             headers=mia.headers)
        assert r.status_code == 200, r.text
        assert pid not in ids(await listing(client, ana))
        assert pid not in ids(await listing(client))
        assert pid in ids(await listing(client, fan))

    async def test_like_and_save_flags_and_counters_follow_at_once(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("bea"))
        pid = (await make_post(client, mia, "like me"))["id"]
        await listing(client, ana)

        async def card(who: TestUser) -> dict[str, Any]:
            r = await listing(client, who)
            return next(p for p in r.json()["posts"] if p["id"] == pid)

        assert (await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "fire"},
                                  headers=ana.headers)).status_code == 201
        assert (await client.post(f"{POSTS}/{pid}/saves", json={},
                                  headers=ana.headers)).status_code == 201
        got = await card(ana)
        assert (got["viewer"]["like_type"], got["viewer"]["saved"], got["like_count"]) == \
            ("fire", True, 1)
        assert (await card(bea))["viewer"]["liked"] is False
        assert (await client.delete(f"{POSTS}/{pid}/likes",
                                    headers=ana.headers)).status_code == 200
        got = await card(ana)
        assert (got["viewer"]["liked"], got["like_count"]) == (False, 0)


@pytest.mark.redis
class TestSharedRedisCache:
    async def test_two_workers_sharing_redis(self, make_harness: Any, redis_url: str) -> None:
        """Writes on one worker, listings on the other: new, deleted and blocked at once."""
        a, b = await make_harness(redis_url=redis_url), await make_harness(redis_url=redis_url)
        factory = Factory(a.platform)
        mia, ana = await factory.user("mia"), await factory.user("ana")
        async with a.client() as on_a, b.client() as on_b:
            first = (await make_post(on_a, mia, "two workers"))["id"]
            from tanvi_social.core.jobs import runner_of

            await runner_of(a.platform).drain()
            await runner_of(b.platform).drain()
            await listing(on_b, ana)
            with statements(b.platform) as seen:
                hit = await listing(on_b, ana)
            assert hit.headers["x-cache"] == "hit"
            assert seen == []
            pid = (await make_post(on_a, mia, "fresh on a"))["id"]
            fresh = await listing(on_b, ana)
            assert ids(fresh) == [pid, first]
            assert fresh.headers["x-cache"] == "hit"  # the create cached the new card
            assert (await on_a.post(f"{POSTS}/{pid}/likes", json={"like_type": "like"},
                                    headers=ana.headers)).status_code == 201
            top = (await listing(on_b, ana)).json()["posts"][0]
            assert (top["viewer"]["liked"], top["like_count"]) == (True, 1)
            assert (await on_a.delete(f"{POSTS}/{pid}", headers=mia.headers)).status_code == 200
            assert ids(await listing(on_b, ana)) == [first]
            await block(on_a, mia, ana)
            assert ids(await listing(on_b, ana)) == []
            assert ids(await listing(on_b)) == [first]
