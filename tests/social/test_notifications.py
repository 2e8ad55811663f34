from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select, update

from tanvi_social.core.jobs import registered_jobs
from tanvi_social.core.time import utcnow
from tanvi_social.social.models import Connection, Notification
from tanvi_social.social.notifications import notify
from tanvi_social.social.tasks import PURGE_JOB, purge_notifications
from tests.factories import Factory
from tests.social.helpers import follow


async def send(platform, recipient: int, actor: int | None, type: str = "like",
               target_id: int | None = 7, **data) -> None:
    await platform.db.run(lambda s: notify(s, recipient_id=recipient, actor_id=actor, type=type,
                                           target_type="post", target_id=target_id, data=data))


async def total(platform, recipient: int) -> int:
    return await platform.db.read(lambda s: s.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.recipient_id == recipient)))


class TestListing:
    async def test_list_unread_only_and_count(self, client: AsyncClient, factory: Factory,
                                              platform) -> None:
        mia, zoe, ava = await factory.user(), await factory.user(), await factory.user()
        await send(platform, mia.id, zoe.id, "mention", target_id=1)
        await send(platform, mia.id, ava.id, "mention", target_id=2)
        response = await client.get("/api/social/notifications", headers=mia.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["unread_count"] == 2
        assert [n["actor"]["user_id"] for n in body["notifications"]] == [ava.id, zoe.id]
        assert body["notifications"][0]["text"] == f"{ava.username} mentioned you"
        first = body["notifications"][0]["id"]
        read = await client.post(f"/api/social/notifications/{first}/read", headers=mia.headers)
        assert read.status_code == 200
        assert read.json()["notification"]["is_read"] is True
        unread = await client.get("/api/social/notifications", params={"unread_only": "true"},
                                  headers=mia.headers)
        assert [n["actor"]["user_id"] for n in unread.json()["notifications"]] == [zoe.id]
        count = await client.get("/api/social/notifications/unread-count", headers=mia.headers)
        assert count.json()["unread_count"] == 1
        read_all = await client.post("/api/social/notifications/read-all", headers=mia.headers)
        assert read_all.json()["updated"] == 1
        count = await client.get("/api/social/notifications/unread-count", headers=mia.headers)
        assert count.json()["unread_count"] == 0

    async def test_other_users_notification_is_404(self, client: AsyncClient,
                                                   factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await send(platform, mia.id, zoe.id)
        note_id = await platform.db.read(lambda s: s.scalar(select(Notification.id)))
        for method, path in (("post", f"/api/social/notifications/{note_id}/read"),
                             ("delete", f"/api/social/notifications/{note_id}")):
            r = await client.request(method, path, headers=zoe.headers)
            assert r.status_code == 404
            assert r.json()["code"] == "notification_not_found"
        assert (await client.get("/api/social/notifications")).status_code == 401

    async def test_delete(self, client: AsyncClient, factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await send(platform, mia.id, zoe.id)
        note_id = await platform.db.read(lambda s: s.scalar(select(Notification.id)))
        r = await client.delete(f"/api/social/notifications/{note_id}", headers=mia.headers)
        assert r.status_code == 200
        assert await total(platform, mia.id) == 0


class TestGrouping:
    async def test_likes_on_same_post_fold_into_one(self, client: AsyncClient,
                                                    factory: Factory, platform) -> None:
        mia = await factory.user()
        first = await factory.user("first_liker")
        others = await factory.users(12)
        await send(platform, mia.id, first.id)
        for other in others:
            await send(platform, mia.id, other.id)
        await send(platform, mia.id, others[-1].id)  # a repeat does not count twice
        await send(platform, mia.id, first.id, target_id=8)  # another post: its own row
        body = (await client.get("/api/social/notifications", headers=mia.headers)).json()
        assert len(body["notifications"]) == 2
        group = next(n for n in body["notifications"] if n["target_id"] == 7)
        assert group["actor_count"] == 13
        assert group["text"] == f"{others[-1].username} and 12 others liked your post"
        assert len(group["actors"]) == 3
        two = next(n for n in body["notifications"] if n["target_id"] == 8)
        assert two["text"] == "first_liker liked your post"

    async def test_read_group_starts_a_new_one(self, client: AsyncClient, factory: Factory,
                                               platform) -> None:
        mia, a, b = await factory.user(), await factory.user(), await factory.user()
        await send(platform, mia.id, a.id)
        await client.post("/api/social/notifications/read-all", headers=mia.headers)
        await send(platform, mia.id, b.id)
        assert await total(platform, mia.id) == 2


class TestRules:
    async def test_never_from_blocked_or_muted_or_self(self, client: AsyncClient,
                                                       factory: Factory, platform) -> None:
        mia, bad, dull = await factory.user(), await factory.user(), await factory.user()
        await client.post("/api/social/blocks", json={"user_id": bad.id}, headers=mia.headers)
        await client.post("/api/social/mutes", json={"user_id": dull.id}, headers=mia.headers)
        await send(platform, mia.id, bad.id)
        await send(platform, mia.id, dull.id, target_id=9)
        await send(platform, mia.id, mia.id, target_id=10)
        assert await total(platform, mia.id) == 0

    async def test_preferences_switch_types_off(self, client: AsyncClient, factory: Factory,
                                                platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        prefs = await client.get("/api/social/notifications/preferences", headers=mia.headers)
        assert prefs.json()["preferences"]["follow"] is True
        r = await client.put("/api/social/notifications/preferences",
                             json={"preferences": {"follow": False}}, headers=mia.headers)
        assert r.status_code == 200
        assert r.json()["preferences"]["follow"] is False
        assert r.json()["preferences"]["like"] is True
        await follow(client, zoe, mia)
        assert await total(platform, mia.id) == 0
        await send(platform, mia.id, zoe.id)
        assert await total(platform, mia.id) == 1
        bad = await client.put("/api/social/notifications/preferences",
                               json={"preferences": {"nonsense": True}}, headers=mia.headers)
        assert bad.status_code == 422
        assert bad.json()["code"] == "unknown_notification_type"

    async def test_interaction_counted_on_follow(self, client: AsyncClient, factory: Factory,
                                                 platform) -> None:
        mia, fan = await factory.user(), await factory.user()
        await follow(client, fan, mia)
        await send(platform, mia.id, fan.id, "comment")
        await send(platform, mia.id, fan.id, "like", target_id=11)
        followers = (await client.get("/api/social/followers", headers=mia.headers)).json()
        assert followers["followers"][0]["connection_info"]["interaction_count"] == 2


class TestRetention:
    async def test_purge_removes_only_expired(self, factory: Factory, platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await send(platform, mia.id, zoe.id, target_id=1)
        await send(platform, mia.id, zoe.id, target_id=2)
        old = utcnow() - timedelta(days=platform.settings.notification_retention_days + 1)
        await platform.db.run(lambda s: s.execute(
            update(Notification).where(Notification.target_id == 1)
            .values(created_at=old, updated_at=None)))
        removed = await purge_notifications(platform)
        assert removed == 1
        assert await total(platform, mia.id) == 1
        assert await purge_notifications(platform) == 0

    def test_purge_is_a_registered_periodic_job(self, platform) -> None:
        spec = registered_jobs()[PURGE_JOB]
        assert spec.every_seconds is not None
        assert spec.every_seconds > 0


class TestActivities:
    async def test_own_log_with_filters(self, client: AsyncClient, factory: Factory) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await follow(client, mia, zoe)
        await client.delete(f"/api/social/connections/{zoe.id}", headers=mia.headers)
        await client.put("/api/social/profiles/me", json={"bio": "x"}, headers=mia.headers)
        log = await client.get("/api/social/activities", headers=mia.headers)
        assert log.status_code == 200
        assert [a["type"] for a in log.json()["activities"]] == ["update", "unfollow", "follow"]
        follows = await client.get("/api/social/activities", params={"type": "follow"},
                                   headers=mia.headers)
        assert [a["target_id"] for a in follows.json()["activities"]] == [zoe.id]
        future = (utcnow() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        none = await client.get("/api/social/activities", params={"since": future},
                                headers=mia.headers)
        assert none.json()["activities"] == []
        theirs = await client.get("/api/social/activities", headers=zoe.headers)
        assert theirs.json()["activities"] == []
        assert (await client.get("/api/social/activities")).status_code == 401


async def test_connection_rows_untouched_by_notifications(factory: Factory, platform) -> None:
    """Interaction counting never creates a follow."""
    mia, zoe = await factory.user(), await factory.user()
    await send(platform, mia.id, zoe.id)
    n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Connection)))
    assert n == 0
