from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.seed import SeedContext
from tanvi_social.social import seed as social_seed
from tanvi_social.social.models import Block, Connection, Influencer, Notification, Profile
from tests.factories import PASSWORD, Factory
from tests.social.helpers import counts, follow, set_profile


async def exact_counts(platform) -> list[tuple[int, int, int, int, int]]:
    """Every profile whose stored counters differ from the rows (should be empty)."""

    def check(s):
        followers = dict(s.execute(select(Connection.target_id, func.count()).where(
            Connection.state == "accepted").group_by(Connection.target_id)).all())
        following = dict(s.execute(select(Connection.follower_id, func.count()).where(
            Connection.state == "accepted").group_by(Connection.follower_id)).all())
        bad = []
        for uid, fc, gc in s.execute(select(Profile.user_id, Profile.followers_count,
                                            Profile.following_count)):
            if fc != followers.get(uid, 0) or gc != following.get(uid, 0):
                bad.append((uid, fc, followers.get(uid, 0), gc, following.get(uid, 0)))
        return bad

    return await platform.db.read(check)


class TestGdpr:
    async def test_export_contains_social_data(self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe, ava = await factory.user(), await factory.user(), await factory.user()
        await set_profile(client, mia, bio="hello", size_info={"top": "M"})
        await follow(client, mia, zoe)
        await follow(client, ava, mia)
        await client.post("/api/social/blocks", json={"user_id": ava.id}, headers=mia.headers)
        await follow(client, zoe, mia)
        await client.post("/api/social/mutes", json={"user_id": zoe.id}, headers=mia.headers)
        response = await client.get("/api/auth/me/export", headers=mia.headers)
        assert response.status_code == 200
        social = response.json()["export"]["social"]
        assert social["profile"]["bio"] == "hello"
        assert social["profile"]["size_info"] == {"top": "M"}
        assert [f["user_id"] for f in social["following"]] == [zoe.id]
        assert [f["user_id"] for f in social["followers"]] == [zoe.id]  # ava's went with the block
        assert [b["user_id"] for b in social["blocks"]] == [ava.id]
        assert [m["user_id"] for m in social["mutes"]] == [zoe.id]
        assert {n["type"] for n in social["notifications"]} == {"follow"}
        assert {a["type"] for a in social["activities"]} >= {"update", "follow", "block", "mute"}

    async def test_erasure_fixes_everyones_counts(self, client: AsyncClient, factory: Factory,
                                                  platform) -> None:
        mia, zoe, ava, eve = (await factory.user(), await factory.user(), await factory.user(),
                              await factory.user())
        await follow(client, mia, zoe)
        await follow(client, mia, ava)
        await follow(client, zoe, mia)
        await follow(client, eve, mia)
        await follow(client, eve, zoe)
        await client.post("/api/social/blocks", json={"user_id": mia.id}, headers=ava.headers)
        await follow(client, mia, eve)
        likes = [await factory.user() for _ in range(2)]
        from tanvi_social.social.notifications import notify

        for liker in (mia, *likes):
            await platform.db.run(lambda s, a=liker.id: notify(
                s, recipient_id=zoe.id, actor_id=a, type="like", target_type="post", target_id=1))
        response = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                                         headers=mia.headers)
        assert response.status_code == 200, response.text
        assert await counts(platform, zoe.id) == (1, 0)
        assert await counts(platform, eve.id) == (0, 1)
        assert await counts(platform, ava.id) == (0, 0)
        assert await exact_counts(platform) == []

        def left(s):
            return (s.scalar(select(func.count()).select_from(Connection).where(
                (Connection.follower_id == mia.id) | (Connection.target_id == mia.id))),
                s.scalar(select(func.count()).select_from(Block)),
                s.scalar(select(func.count()).select_from(Profile).where(
                    Profile.user_id == mia.id)),
                s.execute(select(Notification.actor_ids, Notification.actor_count).where(
                    Notification.recipient_id == zoe.id, Notification.type == "like")).one())

        conns, blocks, profiles, (actors, n) = await platform.db.read(left)
        assert (conns, blocks, profiles) == (0, 0, 0)
        assert mia.id not in actors
        assert n == 2


class TestSeed:
    async def test_seed_builds_believable_exact_graph_once(self, factory: Factory,
                                                           platform) -> None:
        users = await factory.users(30, prefix="demo")
        await factory.moderator()
        ctx = SeedContext()
        ctx.data["user_ids"] = [u.id for u in users]
        added = await platform.db.run(social_seed.seed, ctx)
        assert added > 30

        def facts(s):
            return {
                "with_tags": s.scalar(select(func.count()).select_from(Profile).where(
                    Profile.display_name.is_not(None), Profile.bio.is_not(None))),
                "pending": s.scalar(select(func.count()).select_from(Connection).where(
                    Connection.state == "pending")),
                "accepted": s.scalar(select(func.count()).select_from(Connection).where(
                    Connection.state == "accepted")),
                "blocks": s.scalar(select(func.count()).select_from(Block)),
                "top": s.scalar(select(func.max(Profile.followers_count))),
                "verified": s.scalar(select(func.count()).select_from(Influencer).where(
                    Influencer.verification_status == "verified")),
            }

        f = await platform.db.read(facts)
        assert f["with_tags"] == 30
        assert f["pending"] > 0
        assert f["accepted"] > 60
        assert f["blocks"] == 2
        assert f["top"] >= 10  # a few popular accounts
        assert f["verified"] == 3
        assert await exact_counts(platform) == []
        assert await platform.db.run(social_seed.seed, ctx) == 0
