"""GET /posts/{id} is served from cached pieces kept current by events: no SQL on a hit, never a
post the reader may no longer see, never a stale liked/saved flag for the reader who changed it,
and counters that follow likes without dropping the card."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event

from tanvi_social.content import card_cache
from tests.content.helpers import block, follow, make_post, take_out_of_sight
from tests.factories import PASSWORD, Factory, TestUser

POSTS = "/api/content/posts"
S = "/api/social"


@contextmanager
def statements(platform: Any) -> Iterator[list[str]]:
    """Every SQL statement the app runs inside the block."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engines = [platform.db.sync_engine]
    if platform.db.async_engine is not None:
        engines.append(platform.db.async_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


async def read(client: AsyncClient, post_id: int, user: TestUser | None = None) -> Any:
    return await client.get(f"{POSTS}/{post_id}", headers=user.headers if user else {})


def without_timestamp(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "timestamp"}


class TestServedFromCache:
    async def test_second_read_runs_no_sql_and_equals_the_full_read(
            self, client: AsyncClient, factory: Factory, platform: Any,
            monkeypatch: pytest.MonkeyPatch) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        post = await make_post(client, mia, "cache me #linen")
        pid = post["id"]
        assert (await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "love"},
                                  headers=ana.headers)).status_code == 201
        assert (await client.post(f"{POSTS}/{pid}/saves", json={},
                                  headers=ana.headers)).status_code == 201
        first = await read(client, pid, ana)
        assert first.status_code == 200
        with statements(platform) as seen:
            second = await read(client, pid, ana)
        assert second.status_code == 200
        assert second.headers["x-cache"] == "hit"
        assert seen == []
        body = second.json()
        assert body["post"]["viewer"] == {"liked": True, "like_type": "love", "saved": True,
                                          "shared": False}
        assert body["post"]["like_count"] == 1
        assert body["post"]["save_count"] == 1
        # the same document as the full read (the path the cache does not serve)
        monkeypatch.setattr(card_cache, "servable", lambda post: False)
        await platform.cache.delete(card_cache.card_key(pid))
        full = await read(client, pid, ana)
        assert full.headers["x-cache"] == "miss"
        assert without_timestamp(full.json()) == without_timestamp(body)

    async def test_anonymous_and_other_readers_get_their_own_viewer_block(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("bea"))
        post = await make_post(client, mia, "who liked it")
        pid = post["id"]
        await read(client, pid, ana)
        await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "like"},
                          headers=ana.headers)
        as_ana, as_bea, anon = (await read(client, pid, ana), await read(client, pid, bea),
                                await read(client, pid))
        assert as_ana.json()["post"]["viewer"]["liked"] is True
        assert as_bea.json()["post"]["viewer"]["liked"] is False
        assert anon.json()["post"]["viewer"]["liked"] is False
        assert {r.json()["post"]["like_count"] for r in (as_ana, as_bea, anon)} == {1}

    async def test_a_like_keeps_the_card_and_updates_the_counters(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("bea"))
        post = await make_post(client, mia, "count me")
        pid = post["id"]
        await read(client, pid, bea)
        await read(client, pid, ana)
        card = await platform.cache.get(card_cache.card_key(pid))
        assert card is not None
        await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "like"},
                          headers=ana.headers)
        await client.post(f"{POSTS}/{pid}/comments", json={"content": "nice"},
                          headers=ana.headers)
        assert await platform.cache.get(card_cache.card_key(pid)) == card  # body untouched
        with statements(platform) as seen:
            as_bea = await read(client, pid, bea)
        assert seen == []
        assert as_bea.headers["x-cache"] == "hit"
        assert as_bea.json()["post"]["like_count"] == 1
        assert as_bea.json()["post"]["comment_count"] == 1
        # a remix updates remix_count through the cache too
        r = await client.post(POSTS, json={"caption": "take", "remix_of": pid},
                              headers=bea.headers)
        assert r.status_code == 201, r.text
        assert (await read(client, pid)).json()["post"]["remix_count"] == 1


    async def test_the_analysis_job_drops_the_cards_it_recomputed(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        from datetime import timedelta

        from tanvi_social.content import tasks
        from tanvi_social.core.time import utcnow

        mia = await factory.user("mia")
        pid = (await make_post(client, mia, "trend watch #linen"))["id"]
        before = (await read(client, pid)).json()["post"]["ai_analysis"]
        assert await platform.cache.get(card_cache.card_key(pid)) is not None
        later = utcnow() + timedelta(hours=2)  # every analysis is then over an hour old
        done = await platform.db.run_in_thread(tasks.refresh_recent_analyses, later,
                                               commit=True)
        assert done >= 1
        assert await platform.cache.get(card_cache.card_key(pid)) is None
        after = await read(client, pid)
        assert after.headers["x-cache"] == "miss"
        assert after.json()["post"]["ai_analysis"]["computed_at"] != before["computed_at"]

class TestReaderStateIsNeverStale:
    async def test_like_unlike_save_unsave_show_at_once(self, client: AsyncClient,
                                                        factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "flags"))["id"]
        other = (await make_post(client, mia, "same bucket"))["id"]
        await read(client, pid, ana)
        await read(client, other, ana)

        async def viewer() -> dict[str, Any]:
            r = await read(client, pid, ana)
            assert r.status_code == 200
            return dict(r.json()["post"]["viewer"])

        assert (await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "fire"},
                                  headers=ana.headers)).status_code == 201
        assert (await viewer())["like_type"] == "fire"
        assert (await client.post(f"{POSTS}/{pid}/likes", json={"like_type": "love"},
                                  headers=ana.headers)).status_code == 200
        assert (await viewer())["like_type"] == "love"
        assert (await client.delete(f"{POSTS}/{pid}/likes",
                                    headers=ana.headers)).status_code == 200
        state = await viewer()
        assert (state["liked"], state["like_type"]) == (False, None)
        assert (await client.post(f"{POSTS}/{pid}/saves", json={},
                                  headers=ana.headers)).status_code == 201
        assert (await viewer())["saved"] is True
        assert (await client.delete(f"{POSTS}/{pid}/saves",
                                    headers=ana.headers)).status_code == 200
        assert (await viewer())["saved"] is False
        # the other post of the same cached bucket was not touched
        assert (await read(client, other, ana)).json()["post"]["viewer"]["liked"] is False

    async def test_repost_then_deleting_it_clears_shared(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "share me"))["id"]
        await read(client, pid, ana)
        r = await client.post(f"{POSTS}/{pid}/share", json={"share_type": "repost"},
                              headers=ana.headers)
        assert r.status_code == 201, r.text
        assert (await read(client, pid, ana)).json()["post"]["viewer"]["shared"] is True
        repost_id = r.json()["share"]["repost"]["id"]
        assert (await client.delete(f"{POSTS}/{repost_id}",
                                    headers=ana.headers)).status_code == 200
        card = (await read(client, pid, ana)).json()["post"]
        assert card["viewer"]["shared"] is False
        assert card["share_count"] == 0


class TestAuthorisation:
    async def test_block_either_way_hides_a_cached_card_and_unblock_restores_it(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana = await factory.user("mia"), await factory.user("ana")
        pid = (await make_post(client, mia, "public look"))["id"]
        assert (await read(client, pid, ana)).status_code == 200
        await block(client, mia, ana)
        r = await read(client, pid, ana)
        assert r.status_code == 404
        assert r.json()["code"] == "post_not_found"
        assert (await client.delete(f"{S}/blocks/{ana.id}",
                                    headers=mia.headers)).status_code == 200
        assert (await read(client, pid, ana)).status_code == 200
        await block(client, ana, mia)
        assert (await read(client, pid, ana)).status_code == 404

    async def test_unfollowing_a_followers_only_author_hides_the_cached_card(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("bea"))
        await follow(client, ana, mia)
        await follow(client, bea, mia)
        pid = (await make_post(client, mia, "friends only", visibility="followers"))["id"]
        assert (await read(client, pid, ana)).status_code == 200
        assert (await read(client, pid, bea)).status_code == 200
        assert (await read(client, pid)).status_code == 404
        assert (await client.delete(f"{S}/connections/{mia.id}",
                                    headers=ana.headers)).status_code == 200
        assert (await read(client, pid, ana)).status_code == 404
        # the author removing a follower works the same way
        assert (await client.delete(f"{S}/followers/{bea.id}",
                                    headers=mia.headers)).status_code == 200
        assert (await read(client, pid, bea)).status_code == 404
        await follow(client, ana, mia)
        assert (await read(client, pid, ana)).status_code == 200

    async def test_making_the_profile_private_hides_cached_public_posts_from_strangers(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, fan = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("fan"))
        await follow(client, fan, mia)
        pid = (await make_post(client, mia, "public for now"))["id"]
        for who in (ana, fan, None):
            assert (await read(client, pid, who)).status_code == 200
        r = await client.put(f"{S}/profiles/me", json={"visibility": "private"},
                             headers=mia.headers)
        assert r.status_code == 200, r.text
        assert (await read(client, pid, ana)).status_code == 404
        assert (await read(client, pid)).status_code == 404
        assert (await read(client, pid, fan)).status_code == 200
        assert (await read(client, pid, mia)).status_code == 200

    async def test_profile_change_refreshes_the_embedded_author_card(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user("mia")
        pid = (await make_post(client, mia, "by me"))["id"]
        await read(client, pid)
        r = await client.put(f"{S}/profiles/me", json={"display_name": "Mia Rossi"},
                             headers=mia.headers)
        assert r.status_code == 200, r.text
        assert (await read(client, pid)).json()["post"]["author"]["display_name"] == "Mia Rossi"

    async def test_delete_edit_to_private_and_moderation_hide_are_never_served(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, ana, reporter = (await factory.user("mia"), await factory.user("ana"),
                              await factory.user("rex"))
        mod = await factory.moderator()
        gone, private, hidden = [(await make_post(client, mia, f"post {i}"))["id"]
                                 for i in range(3)]
        for pid in (gone, private, hidden):
            assert (await read(client, pid, ana)).status_code == 200
            assert (await read(client, pid)).status_code == 200
        await take_out_of_sight(client, mia, reporter, mod, gone, private, hidden)
        for pid in (gone, private, hidden):
            assert (await read(client, pid, ana)).status_code == 404
            assert (await read(client, pid)).status_code == 404
        assert (await read(client, gone, mia)).status_code == 404
        assert (await read(client, private, mia)).json()["post"]["visibility"] == "private"
        assert (await read(client, hidden, mia)).json()["post"]["moderation_state"] == "hidden"

    async def test_a_revoked_session_gets_401_not_the_cached_card(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user("mia")
        pid = (await make_post(client, mia, "mine"))["id"]
        r = await client.post("/api/auth/login", json={"login": "mia", "password": PASSWORD})
        assert r.status_code == 200, r.text
        tokens = r.json()["tokens"]
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert (await client.get(f"{POSTS}/{pid}", headers=headers)).status_code == 200
        assert (await client.post("/api/auth/logout", headers=headers, json={
            "refresh_token": tokens["refresh_token"]})).status_code == 200
        r = await client.get(f"{POSTS}/{pid}", headers=headers)
        assert r.status_code == 401
        bad = await client.get(f"{POSTS}/{pid}", headers={"Authorization": "Token x"})
        assert bad.status_code == 401
        assert bad.json()["code"] == "invalid_token"


class TestSessionChecks:
    """The session is checked in the same cache round trip as the card's pieces."""

    async def test_a_bumped_token_version_is_401_on_a_cached_card(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user("mia")
        pid = (await make_post(client, mia, "mine"))["id"]
        assert (await read(client, pid, mia)).headers["x-cache"] in ("hit", "miss")
        assert (await read(client, pid, mia)).headers["x-cache"] == "hit"
        stale = {"Authorization": f"Bearer {factory.token_for(mia.id, version=5)}"}
        r = await client.get(f"{POSTS}/{pid}", headers=stale)
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_token"
        expired = {"Authorization": "Bearer not-a-jwt"}
        assert (await client.get(f"{POSTS}/{pid}", headers=expired)).status_code == 401

    async def test_a_ws1_token_reads_the_card(self, make_harness: Any) -> None:
        import time

        import jwt

        secret = "ws1-shared-secret-for-tests-0123456789"
        h = await make_harness(ws1_jwt_secret=secret)
        factory = Factory(h.platform)
        mia = await factory.user("mia")
        now = int(time.time())
        token = jwt.encode({"user_id": 5151, "username": "ws1_ana", "iat": now,
                            "exp": now + 600}, secret, algorithm="HS256")
        async with h.client() as c:
            pid = (await make_post(c, mia, "for ws1"))["id"]
            headers = {"Authorization": f"Bearer {token}"}
            first, second = (await c.get(f"{POSTS}/{pid}", headers=headers),
                             await c.get(f"{POSTS}/{pid}", headers=headers))
            assert first.status_code == second.status_code == 200, first.text
            assert second.headers["x-cache"] == "hit"
            assert second.json()["post"]["viewer"]["liked"] is False
            assert (await c.post(f"{POSTS}/{pid}/likes", json={"like_type": "like"},
                                 headers=headers)).status_code == 201
            assert (await c.get(f"{POSTS}/{pid}",
                                headers=headers)).json()["post"]["viewer"]["liked"] is True


@pytest.mark.redis
class TestSharedRedisCache:
    async def test_two_workers_sharing_redis_serve_fresh_flags_and_authorisation(
            self, make_harness: Any, redis_url: str) -> None:
        """Writes on one worker, reads on the other: the pieces live in the shared Redis."""
        a, b = await make_harness(redis_url=redis_url), await make_harness(redis_url=redis_url)
        assert a.platform.cache.backend == b.platform.cache.backend == "redis"
        factory = Factory(a.platform)
        mia, ana = await factory.user("mia"), await factory.user("ana")
        async with a.client() as on_a, b.client() as on_b:
            pid = (await make_post(on_a, mia, "two workers"))["id"]
            assert (await read(on_b, pid, ana)).status_code == 200
            with statements(b.platform) as seen:
                hit = await read(on_b, pid, ana)
            assert hit.headers["x-cache"] == "hit"
            assert seen == []
            assert (await on_a.post(f"{POSTS}/{pid}/likes", json={"like_type": "like"},
                                    headers=ana.headers)).status_code == 201
            card = (await read(on_b, pid, ana)).json()["post"]
            assert (card["viewer"]["liked"], card["like_count"]) == (True, 1)
            assert (await on_a.delete(f"{POSTS}/{pid}/likes",
                                      headers=ana.headers)).status_code == 200
            card = (await read(on_b, pid, ana)).json()["post"]
            assert (card["viewer"]["liked"], card["like_count"]) == (False, 0)
            await block(on_a, mia, ana)
            assert (await read(on_b, pid, ana)).status_code == 404
            assert (await on_a.delete(f"{S}/blocks/{ana.id}",
                                      headers=mia.headers)).status_code == 200
            assert (await read(on_b, pid, ana)).status_code == 200
            assert (await on_a.delete(f"{POSTS}/{pid}", headers=mia.headers)).status_code == 200
            assert (await read(on_b, pid, ana)).status_code == 404
            assert (await read(on_b, pid)).status_code == 404
