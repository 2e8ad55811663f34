"""Fan-out on write (Redis) and computed-on-read give the same home timeline."""

from __future__ import annotations

from typing import Any

import pytest

from tanvi_social.inspiration import timeline
from tests.factories import Factory
from tests.inspiration.world import World, hours_ago

FEED = "/api/inspiration/feed/following"


async def walk(client: Any, headers: dict, limit: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    cursor = None
    for _ in range(50):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = await client.get(FEED, headers=headers, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["source"] == "redis"
        out += [(i["type"], i["post"]["id"]) for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("did not finish")


async def computed(platform: Any, viewer_id: int, limit: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    cursor = None
    for _ in range(50):
        items, cursor = await platform.db.read(timeline.computed_page, viewer_id, cursor, limit)
        out += [(i.type, i.post.id) for i in items]
        if cursor is None:
            return out
    raise AssertionError("did not finish")


@pytest.mark.redis
class TestFanOut:
    async def test_redis_and_computed_agree(self, make_harness: Any, redis_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(timeline, "FANOUT_LIMIT", 2)  # 'star' below is a celebrity
        monkeypatch.setattr(timeline, "TIMELINE_CAP", 6)  # older pages come from the database
        h = await make_harness(redis_url=redis_url)
        factory, world = Factory(h.platform), World(h.platform)
        me, ana, bea, star, fan1, fan2, muted = [await factory.user() for _ in range(7)]
        for target in (ana, bea, star, muted):
            await world.follow(me.id, target.id)
        await world.follow(fan1.id, star.id)
        await world.follow(fan2.id, star.id)
        await world.mute(me.id, muted.id)
        async with h.client() as client:
            await client.get(FEED, headers=me.headers)  # builds the timeline, then fan-out
            same = hours_ago(2)
            for i in range(5):
                await world.post(ana.id, f"ana {i}", created_at=hours_ago(10 - i))
                await world.post(star.id, f"star {i}", created_at=same if i < 2 else hours_ago(i))
                await world.post(muted.id, f"muted {i}")
            secret = await world.post(bea.id, "private", visibility="private")
            gone = await world.post(bea.id, "deleted soon")
            original = await world.post(fan1.id, "original")
            await world.post(bea.id, "", repost_of_id=original)
            await world.delete(gone)
            key = await h.platform.redis.zrange(f"tl:{me.id}", 0, -1)
            assert f"{secret:012d}".encode() in key  # fanned out, filtered at read time
            assert f"{gone:012d}".encode() not in key  # removed on post.deleted
            for limit in (1, 3, 7, 20):
                via_redis = await walk(client, me.headers, limit)
                assert via_redis == await computed(h.platform, me.id, limit)
            ids = {pid for _, pid in via_redis}
            assert secret not in ids
            assert gone not in ids
            assert len(via_redis) == 5 + 5 + 1
            # a new follow is picked up (the timeline is rebuilt when the follow set changes)
            extra = await world.post(fan2.id, "fan2 look")
            await world.follow(me.id, fan2.id)
            via_redis = await walk(client, me.headers, 4)
            assert via_redis[0] == ("post", extra)
            assert via_redis == await computed(h.platform, me.id, 4)
