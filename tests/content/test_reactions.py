"""Reactions: types, one per user, change, unlike, counts, forbidden paths, concurrency."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.content import service
from tanvi_social.content.models import Post, Reaction
from tests.content.helpers import block, bulk_users, make_post, notifications
from tests.factories import Factory


async def stored_count(platform: Any, post_id: int) -> tuple[int, int]:
    def read(session: Any) -> tuple[int, int]:
        rows = session.scalar(select(func.count()).select_from(Reaction)
                              .where(Reaction.post_id == post_id))
        return session.get(Post, post_id).like_count, rows

    return await platform.db.read(read)


class TestReactions:
    async def test_like_change_unlike(self, client: AsyncClient, factory: Factory,
                                      platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        url = f"/api/content/posts/{post['id']}/likes"
        r = await client.post(url, json={"like_type": "love"}, headers=zoe.headers)
        assert r.status_code == 201
        like = r.json()["like"]
        assert like["liked"] is True
        assert like["like_type"] == "love"
        assert like["like_count"] == 1
        assert like["counts"] == {"like": 0, "love": 1, "fire": 0, "style_goals": 0, "total": 1}
        r = await client.post(url, json={"like_type": "love"}, headers=zoe.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "already_liked"
        r = await client.post(url, json={"like_type": "style_goals"}, headers=zoe.headers)
        assert r.status_code == 200
        assert r.json()["like"]["counts"]["style_goals"] == 1
        assert r.json()["like"]["counts"]["love"] == 0
        assert r.json()["like"]["like_count"] == 1
        r = await client.get(url, headers=zoe.headers)
        assert r.json()["counts"]["total"] == 1
        assert r.json()["viewer"]["like_type"] == "style_goals"
        r = await client.delete(url, headers=zoe.headers)
        assert r.status_code == 200
        assert r.json()["like"]["like_count"] == 0
        r = await client.delete(url, headers=zoe.headers)
        assert r.status_code == 404
        assert await stored_count(platform, post["id"]) == (0, 0)
        notes = await notifications(client, mia)
        assert [n["type"] for n in notes] == ["like"]

    async def test_alias_and_bad_type(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        r = await client.post(f"/api/content/posts/{post['id']}/like", headers=zoe.headers)
        assert r.status_code == 201
        assert r.json()["like"]["like_type"] == "like"
        r = await client.post(f"/api/content/posts/{post['id']}/likes",
                              json={"like_type": "meh"}, headers=zoe.headers)
        assert r.status_code == 422

    async def test_cannot_like_what_you_cannot_see(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        enemy = await factory.user()
        private = await make_post(client, mia, "p", visibility="private")
        followers = await make_post(client, mia, "f", visibility="followers")
        draft = await make_post(client, mia, "d", is_draft=True)
        public = await make_post(client, mia, "pub")
        await block(client, mia, enemy)
        for post, who in ((private, zoe), (followers, zoe), (draft, zoe), (public, enemy)):
            for path in ("likes", "comments", "saves", "shares"):
                body = {"content": "hi"} if path == "comments" else {}
                r = await client.post(f"/api/content/posts/{post['id']}/{path}", json=body,
                                      headers=who.headers)
                assert r.status_code == 404, (post["caption"], path)
        r = await client.post(f"/api/content/posts/{public['id']}/likes")
        assert r.status_code == 401

    async def test_deleted_post_cannot_be_liked(self, client: AsyncClient,
                                                factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        await client.delete(f"/api/content/posts/{post['id']}", headers=mia.headers)
        r = await client.post(f"/api/content/posts/{post['id']}/likes", headers=zoe.headers)
        assert r.status_code == 404


class TestConcurrency:
    async def test_500_users_like_at_once(self, client: AsyncClient, factory: Factory,
                                          platform: Any, is_postgres: bool) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)
        fans = await bulk_users(platform, factory, 500, "fan")
        url = f"/api/content/posts/{post['id']}/likes"
        # up to 100 requests in flight (twice the PostgreSQL pool), all racing on one row
        gate = asyncio.Semaphore(100)

        async def like(headers: dict[str, str]) -> Any:
            async with gate:
                return await client.post(url, headers=headers)

        start = time.perf_counter()
        responses = await asyncio.gather(*(like(f.headers) for f in fans))
        elapsed = time.perf_counter() - start
        assert [r.status_code for r in responses].count(201) == 500, \
            {r.status_code for r in responses}
        assert await stored_count(platform, post["id"]) == (500, 500)
        assert elapsed < 120

    async def test_same_user_twice_at_once_is_one_like(self, client: AsyncClient,
                                                       factory: Factory, platform: Any) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)
        fans = await bulk_users(platform, factory, 20, "twin")
        url = f"/api/content/posts/{post['id']}/likes"
        responses = await asyncio.gather(*(client.post(url, headers=f.headers)
                                           for f in fans for _ in range(2)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [201] * 20 + [409] * 20
        assert await stored_count(platform, post["id"]) == (20, 20)


async def test_mobile_toggle(client: AsyncClient, factory: Factory) -> None:
    mia = await factory.user()
    zoe = await factory.user()
    post = await make_post(client, mia)
    url = f"/api/social/posts/{post['id']}/like"
    headers = {**zoe.headers, "Content-Type": "application/json"}
    r = await client.post(url, headers=headers)
    assert r.status_code == 200
    assert r.json() == {"success": True, "liked": True, "likes": 1}
    r = await client.post(url, headers=headers)
    assert r.json() == {"success": True, "liked": False, "likes": 0}
    private = await make_post(client, mia, "p", visibility="private")
    r = await client.post(f"/api/social/posts/{private['id']}/like", headers=headers)
    assert r.status_code == 404


class TestHotScore:
    """The hot score always follows the stored counters (one UPDATE when this unit of work's
    prediction holds, a second when another write changed the counters in between)."""

    @staticmethod
    async def stored(platform: Any, post_id: int) -> tuple[float, float]:
        def read(session: Any) -> tuple[float, float]:
            post = session.get(Post, post_id)
            return post.hot_score, service.hot_score(
                post.like_count, post.comment_count, post.share_count, post.save_count,
                post.published_at or post.created_at)

        return await platform.db.read(read)

    async def test_likes_comments_saves_and_unlikes_keep_it_exact(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)
        start, _ = await self.stored(platform, post["id"])
        fans = [await factory.user() for _ in range(3)]
        for fan in fans:
            r = await client.post(f"/api/content/posts/{post['id']}/likes",
                                  json={"like_type": "fire"}, headers=fan.headers)
            assert r.status_code == 201
        r = await client.post(f"/api/content/posts/{post['id']}/comments",
                              json={"content": "so good"}, headers=fans[0].headers)
        assert r.status_code == 201
        r = await client.post(f"/api/content/posts/{post['id']}/saves", json={},
                              headers=fans[1].headers)
        assert r.status_code == 201
        r = await client.delete(f"/api/content/posts/{post['id']}/likes",
                                headers=fans[2].headers)
        assert r.status_code == 200
        score, expected = await self.stored(platform, post["id"])
        assert score == expected
        assert score > start  # 2 likes, a comment and a save: more engagement than none

    async def test_a_stale_prediction_is_corrected(self, client: AsyncClient, factory: Factory,
                                                   platform: Any) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)

        def bump_with_stale_copy(session: Any) -> None:
            stale = session.get(Post, post["id"])
            stale.like_count = 40  # as if 40 likes had been read; the row has 0
            session.expunge(stale)
            service.bump_counters(session, post["id"], known=stale, like_count=1)

        await platform.db.run(bump_with_stale_copy)
        score, expected = await self.stored(platform, post["id"])
        assert score == expected
        assert await stored_count(platform, post["id"]) == (1, 0)  # the counter itself: +1
