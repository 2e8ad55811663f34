"""The per-user write limit on posts, comments and likes: a 429 with its headers, nothing stored."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.content.models import Post
from tests.content.helpers import make_post
from tests.factories import Factory


async def test_writes_share_one_per_user_budget(client: AsyncClient, factory: Factory,
                                                platform: Any) -> None:
    me, other = await factory.user(), await factory.user()
    target = await make_post(client, other, "a post to engage with")
    old = platform.settings.rate_limit_writes_per_minute
    platform.settings.rate_limit_writes_per_minute = 3
    try:
        r = await client.post("/api/content/posts", json={"caption": "one"}, headers=me.headers)
        assert r.status_code == 201
        assert r.headers["X-RateLimit-Limit"] == "3"
        r = await client.post(f"/api/content/posts/{target['id']}/comments",
                              json={"content": "two"}, headers=me.headers)
        assert r.status_code == 201
        r = await client.post(f"/api/content/posts/{target['id']}/likes", headers=me.headers)
        assert r.status_code == 201
        assert r.headers["X-RateLimit-Remaining"] == "0"
        before = await platform.db.read(
            lambda s: s.scalar(select(func.count()).select_from(Post)))
        refused = await client.post("/api/content/posts", json={"caption": "four"},
                                    headers=me.headers)
        after = await platform.db.read(
            lambda s: s.scalar(select(func.count()).select_from(Post)))
        # the budget is per user: someone else still writes
        theirs = await client.post("/api/content/posts", json={"caption": "mine"},
                                   headers=other.headers)
    finally:
        platform.settings.rate_limit_writes_per_minute = old
    assert refused.status_code == 429
    assert refused.json()["success"] is False
    assert int(refused.headers["Retry-After"]) >= 1
    assert after == before
    assert theirs.status_code == 201
