from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.social.models import Block, Connection, Mute
from tests.factories import Factory
from tests.social.helpers import counts, follow, set_profile


class TestBlocks:
    async def test_block_removes_follows_both_ways_and_fixes_counts(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        mia, zoe, ava = await factory.user(), await factory.user(), await factory.user()
        await follow(client, mia, zoe)
        await follow(client, zoe, mia)
        await follow(client, ava, zoe)
        response = await client.post("/api/social/blocks", json={"user_id": mia.id},
                                     headers=zoe.headers)
        assert response.status_code == 201
        assert response.json()["block"]["user"]["user_id"] == mia.id
        assert await counts(platform, zoe.id) == (1, 0)
        assert await counts(platform, mia.id) == (0, 0)
        edges = await platform.db.read(lambda s: s.scalar(
            select(func.count()).select_from(Connection).where(
                (Connection.follower_id.in_([mia.id, zoe.id]))
                & (Connection.target_id.in_([mia.id, zoe.id])))))
        assert edges == 0

    async def test_block_removes_pending_request(self, client: AsyncClient, factory: Factory,
                                                 platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await set_profile(client, zoe, visibility="private")
        await follow(client, mia, zoe)
        await client.post("/api/social/blocks", json={"user_id": mia.id}, headers=zoe.headers)
        n = await platform.db.read(lambda s: s.scalar(select(func.count())
                                                      .select_from(Connection)))
        assert n == 0

    async def test_blocked_user_cannot_follow_either_way(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await client.post("/api/social/blocks", json={"user_id": mia.id}, headers=zoe.headers)
        assert (await follow(client, mia, zoe)).status_code == 404
        assert (await follow(client, zoe, mia)).status_code == 404

    async def test_block_errors(self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        self_block = await client.post("/api/social/blocks", json={"user_id": mia.id},
                                       headers=mia.headers)
        assert self_block.status_code == 400
        assert self_block.json()["code"] == "self_block"
        unknown = await client.post("/api/social/blocks", json={"user_id": 999999},
                                    headers=mia.headers)
        assert unknown.status_code == 404
        await client.post("/api/social/blocks", json={"user_id": zoe.id}, headers=mia.headers)
        again = await client.post("/api/social/blocks", json={"user_id": zoe.id},
                                  headers=mia.headers)
        assert again.status_code == 409
        assert again.json()["code"] == "already_blocked"
        anon = await client.post("/api/social/blocks", json={"user_id": zoe.id})
        assert anon.status_code == 401

    async def test_list_and_unblock(self, client: AsyncClient, factory: Factory,
                                    platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await client.post("/api/social/blocks", json={"user_id": zoe.id}, headers=mia.headers)
        listing = await client.get("/api/social/blocks", headers=mia.headers)
        assert [b["user"]["user_id"] for b in listing.json()["users"]] == [zoe.id]
        # the blocked side does not see it in their own list
        theirs = await client.get("/api/social/blocks", headers=zoe.headers)
        assert theirs.json()["users"] == []
        # only the blocker can lift it
        wrong = await client.delete(f"/api/social/blocks/{mia.id}", headers=zoe.headers)
        assert wrong.status_code == 404
        response = await client.delete(f"/api/social/blocks/{zoe.id}", headers=mia.headers)
        assert response.status_code == 200
        n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Block)))
        assert n == 0
        assert (await client.get(f"/api/social/profiles/{mia.id}",
                                 headers=zoe.headers)).status_code == 200


class TestMutes:
    async def test_mute_keeps_follow_and_hides_notifications(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await follow(client, zoe, mia)
        response = await client.post("/api/social/mutes", json={"user_id": zoe.id},
                                     headers=mia.headers)
        assert response.status_code == 201
        assert await counts(platform, mia.id) == (1, 0)
        notes = await client.get("/api/social/notifications", headers=mia.headers)
        assert notes.json()["notifications"] == []  # the earlier follow notice is hidden now
        assert notes.json()["unread_count"] == 0
        listing = await client.get("/api/social/mutes", headers=mia.headers)
        assert [m["user"]["user_id"] for m in listing.json()["users"]] == [zoe.id]
        profile = await client.get(f"/api/social/profiles/{zoe.id}", headers=mia.headers)
        assert profile.json()["profile"]["viewer"]["is_muted"] is True

    async def test_mute_errors_and_unmute(self, client: AsyncClient, factory: Factory,
                                          platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        assert (await client.post("/api/social/mutes", json={"user_id": mia.id},
                                  headers=mia.headers)).status_code == 400
        assert (await client.post("/api/social/mutes", json={"user_id": 999999},
                                  headers=mia.headers)).status_code == 404
        await client.post("/api/social/mutes", json={"user_id": zoe.id}, headers=mia.headers)
        again = await client.post("/api/social/mutes", json={"user_id": zoe.id},
                                  headers=mia.headers)
        assert again.status_code == 409
        assert (await client.delete(f"/api/social/mutes/{zoe.id}",
                                    headers=mia.headers)).status_code == 200
        assert (await client.delete(f"/api/social/mutes/{zoe.id}",
                                    headers=mia.headers)).status_code == 404
        n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Mute)))
        assert n == 0
