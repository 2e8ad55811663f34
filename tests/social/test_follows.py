from __future__ import annotations

import asyncio

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.social.models import Connection, Notification
from tests.factories import Factory
from tests.social.helpers import counts, follow, set_profile


class TestFollow:
    async def test_follow_public_account(self, client: AsyncClient, factory: Factory,
                                         platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        response = await follow(client, mia, zoe)
        assert response.status_code == 201
        body = response.json()["connection"]
        assert body["status"] == "accepted"
        assert body["follower_id"] == mia.id
        assert body["target_id"] == zoe.id
        assert await counts(platform, zoe.id) == (1, 0)
        assert await counts(platform, mia.id) == (0, 1)
        types = await platform.db.read(lambda s: list(s.scalars(
            select(Notification.type).where(Notification.recipient_id == zoe.id))))
        assert types == ["follow"]

    async def test_alias_follow_and_unfollow(self, client: AsyncClient, factory: Factory,
                                             platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        response = await client.post("/api/social/follow", json={"user_id": zoe.id},
                                     headers=mia.headers)
        assert response.status_code == 201
        response = await client.post("/api/social/unfollow", json={"user_id": zoe.id},
                                     headers=mia.headers)
        assert response.status_code == 200
        assert await counts(platform, zoe.id) == (0, 0)

    async def test_self_follow_is_400(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await follow(client, mia, mia)
        assert response.status_code == 400
        assert response.json()["code"] == "self_follow"

    async def test_duplicate_follow_is_409(self, client: AsyncClient, factory: Factory,
                                           platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await follow(client, mia, zoe)
        response = await follow(client, mia, zoe)
        assert response.status_code == 409
        assert response.json()["code"] == "already_following"
        assert await counts(platform, zoe.id) == (1, 0)

    async def test_unknown_user_is_404(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await follow(client, mia, 987654)
        assert response.status_code == 404
        assert response.json()["code"] == "user_not_found"

    async def test_anonymous_follow_is_401(self, client: AsyncClient, factory: Factory) -> None:
        zoe = await factory.user()
        response = await client.post("/api/social/connections", json={"user_id": zoe.id})
        assert response.status_code == 401

    async def test_bad_body_is_422(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        response = await client.post("/api/social/connections", json={"user_id": "x"},
                                     headers=mia.headers)
        assert response.status_code == 422

    async def test_unfollow_when_not_following_is_404(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        response = await client.delete(f"/api/social/connections/{zoe.id}", headers=mia.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_following"

    async def test_follows_are_rate_limited(self, client: AsyncClient, factory: Factory,
                                            platform) -> None:
        mia = await factory.user()
        targets = await factory.users(3)
        old = platform.settings.rate_limit_follows_per_hour
        platform.settings.rate_limit_follows_per_hour = 2
        try:
            assert (await follow(client, mia, targets[0])).status_code == 201
            second = await follow(client, mia, targets[1])
            assert second.headers["X-RateLimit-Remaining"] == "0"
            third = await follow(client, mia, targets[2])
        finally:
            platform.settings.rate_limit_follows_per_hour = old
        assert third.status_code == 429
        assert int(third.headers["Retry-After"]) >= 1
        assert await counts(platform, mia.id) == (0, 2)


class TestFollowRequests:
    async def test_private_account_gets_pending_request(self, client: AsyncClient,
                                                        factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        response = await follow(client, mia, zoe)
        assert response.status_code == 201
        assert response.json()["connection"]["status"] == "pending"
        assert await counts(platform, zoe.id) == (0, 0)  # a pending request is not a follow
        # it is not a follow for visibility either
        profile = (await client.get(f"/api/social/profiles/{zoe.id}", headers=mia.headers)).json()
        assert profile["profile"]["is_limited"] is True
        assert profile["profile"]["viewer"]["follow_requested"] is True
        again = await follow(client, mia, zoe)
        assert again.status_code == 409
        assert again.json()["code"] == "follow_requested"

    async def test_allow_followers_false_gets_pending(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, allow_followers=False)
        response = await follow(client, mia, zoe)
        assert response.json()["connection"]["status"] == "pending"

    async def test_approve_turns_request_into_follow(self, client: AsyncClient,
                                                     factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private", style_tags=["boho"])
        await follow(client, mia, zoe)
        listing = await client.get("/api/social/follow-requests", headers=zoe.headers)
        assert listing.status_code == 200
        requests = listing.json()["follow_requests"]
        assert [r["requester"]["user_id"] for r in requests] == [mia.id]
        outgoing = await client.get("/api/social/follow-requests",
                                    params={"direction": "outgoing"}, headers=mia.headers)
        assert [r["target_id"] for r in outgoing.json()["follow_requests"]] == [zoe.id]
        request_id = requests[0]["id"]
        # only the addressee may approve
        denied = await client.post(f"/api/social/follow-requests/{request_id}/approve",
                                   headers=mia.headers)
        assert denied.status_code == 404
        approved = await client.post(f"/api/social/follow-requests/{request_id}/approve",
                                     headers=zoe.headers)
        assert approved.status_code == 200
        assert approved.json()["connection"]["status"] == "accepted"
        assert await counts(platform, zoe.id) == (1, 0)
        assert await counts(platform, mia.id) == (0, 1)
        again = await client.post(f"/api/social/follow-requests/{request_id}/approve",
                                  headers=zoe.headers)
        assert again.status_code == 404
        profile = (await client.get(f"/api/social/profiles/{zoe.id}", headers=mia.headers)).json()
        assert profile["profile"]["style_tags"] == ["boho"]
        notes = await platform.db.read(lambda s: list(s.scalars(
            select(Notification.type).where(Notification.recipient_id == mia.id))))
        assert notes == ["follow_approved"]

    async def test_reject_removes_request(self, client: AsyncClient, factory: Factory,
                                          platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        request_id = (await follow(client, mia, zoe)).json()["connection"]["id"]
        response = await client.post(f"/api/social/follow-requests/{request_id}/reject",
                                     headers=zoe.headers)
        assert response.status_code == 200
        n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Connection)))
        assert n == 0
        assert await counts(platform, zoe.id) == (0, 0)

    async def test_going_public_accepts_waiting_requests(self, client: AsyncClient,
                                                         factory: Factory, platform) -> None:
        mia, ava, zoe = await factory.user(), await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        await follow(client, mia, zoe)
        await follow(client, ava, zoe)
        body = await set_profile(client, zoe, visibility="public")
        assert body["followers_count"] == 2
        assert await counts(platform, mia.id) == (0, 1)

    async def test_withdraw_request_via_unfollow(self, client: AsyncClient,
                                                 factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        await follow(client, mia, zoe)
        response = await client.delete(f"/api/social/connections/{zoe.id}", headers=mia.headers)
        assert response.status_code == 200
        assert response.json()["message"] == "Request withdrawn"
        assert await counts(platform, mia.id) == (0, 0)


class TestLists:
    async def test_followers_and_following_with_connection_info(
            self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe, ava = await factory.user(), await factory.user(), await factory.user()
        await set_profile(client, mia, style_tags=["boho", "vintage"])
        await set_profile(client, zoe, style_tags=["boho", "vintage"])
        await follow(client, mia, zoe)
        await follow(client, ava, zoe)
        response = await client.get("/api/social/followers", headers=zoe.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["pagination"]["total"] == 2
        by_id = {f["user_id"]: f for f in body["followers"]}
        info = by_id[mia.id]["connection_info"]
        assert info["style_compatibility_score"] == 100
        assert info["shared_style_tags"] == ["boho", "vintage"]
        assert info["interaction_count"] == 0
        assert info["connected_since"].endswith("Z")
        following = await client.get("/api/social/following", headers=mia.headers)
        assert [f["user_id"] for f in following.json()["following"]] == [zoe.id]
        other = await client.get("/api/social/followers", params={"user_id": zoe.id})
        assert other.status_code == 200
        assert other.json()["pagination"]["total"] == 2

    async def test_pagination(self, client: AsyncClient, factory: Factory) -> None:
        zoe = await factory.user()
        fans = await factory.users(3)
        for fan in fans:
            await follow(client, fan, zoe)
        page = await client.get("/api/social/followers",
                                params={"per_page": 2, "page": 2}, headers=zoe.headers)
        body = page.json()
        assert len(body["followers"]) == 1
        assert body["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2,
                                      "has_next": False, "has_prev": True}

    async def test_private_lists_hidden_from_stranger(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        zoe, fan, eve = await factory.user(), await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        request_id = (await follow(client, fan, zoe)).json()["connection"]["id"]
        await client.post(f"/api/social/follow-requests/{request_id}/approve",
                          headers=zoe.headers)
        for path in ("/api/social/followers", "/api/social/following"):
            denied = await client.get(path, params={"user_id": zoe.id}, headers=eve.headers)
            assert denied.status_code == 403
            assert denied.json()["code"] == "private_profile"
            anon = await client.get(path, params={"user_id": zoe.id})
            assert anon.status_code == 403
        allowed = await client.get("/api/social/followers", params={"user_id": zoe.id},
                                   headers=fan.headers)
        assert allowed.status_code == 200
        assert [f["user_id"] for f in allowed.json()["followers"]] == [fan.id]

    async def test_blocked_viewer_gets_404_on_lists(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        zoe, eve = await factory.user(), await factory.user()
        await client.post("/api/social/blocks", json={"user_id": eve.id}, headers=zoe.headers)
        response = await client.get("/api/social/followers", params={"user_id": zoe.id},
                                    headers=eve.headers)
        assert response.status_code == 404

    async def test_anonymous_own_list_is_401(self, client: AsyncClient) -> None:
        response = await client.get("/api/social/followers")
        assert response.status_code == 401

    async def test_remove_follower(self, client: AsyncClient, factory: Factory,
                                   platform) -> None:
        zoe, fan = await factory.user(), await factory.user()
        await follow(client, fan, zoe)
        response = await client.delete(f"/api/social/followers/{fan.id}", headers=zoe.headers)
        assert response.status_code == 200
        assert await counts(platform, zoe.id) == (0, 0)
        assert await counts(platform, fan.id) == (0, 0)
        again = await client.delete(f"/api/social/followers/{fan.id}", headers=zoe.headers)
        assert again.status_code == 404
        assert again.json()["code"] == "not_a_follower"


class TestConcurrency:
    async def test_200_concurrent_follow_unfollow_keep_counts_exact(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        """100 users each send a follow and an unfollow at once (200 requests, one account)."""
        star = await factory.user()
        fans = await factory.users(100, prefix="fan")
        # half of them already follow, so unfollows race with real rows too
        for fan in fans[::2]:
            assert (await follow(client, fan, star)).status_code == 201

        # All 200 start together; at most 50 hold a database connection at a time (the
        # PostgreSQL pool's capacity), so a loaded machine queues rather than times out.
        gate = asyncio.Semaphore(50)

        async def one(fan, i):
            async with gate:
                return await _one(fan, i)

        async def _one(fan, i):
            if i % 2:
                return await client.delete(f"/api/social/connections/{star.id}",
                                           headers=fan.headers)
            return await follow(client, fan, star)

        calls = [one(fan, i) for fan in fans for i in (0, 1)]
        responses = await asyncio.gather(*calls)
        assert {r.status_code for r in responses} <= {200, 201, 404, 409}
        assert all(r.status_code < 500 for r in responses)
        rows = await platform.db.read(lambda s: s.scalar(
            select(func.count()).select_from(Connection).where(
                Connection.target_id == star.id, Connection.state == "accepted")))
        followers, _ = await counts(platform, star.id)
        assert followers == rows
        for fan in fans:
            mine = await platform.db.read(lambda s, f=fan.id: s.scalar(
                select(func.count()).select_from(Connection).where(
                    Connection.follower_id == f)))
            assert (await counts(platform, fan.id))[1] == mine
