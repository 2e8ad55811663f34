"""Small helpers for content tests (through the HTTP API)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.factories import TestUser

OUTFIT = [
    {"name": "Linen shirt", "category": "shirt", "colour": "white", "brand": "Arket",
     "price_band": "mid_range"},
    {"name": "Wide trousers", "category": "trousers", "colour": "camel", "brand": "COS",
     "price_band": "mid_range"},
    {"name": "Loafers", "category": "loafers", "colour": "black", "brand": "Vagabond",
     "price_band": "premium"},
]


async def make_post(client: AsyncClient, user: TestUser, caption: str = "Linen day #linen",
                    **fields: Any) -> dict[str, Any]:
    body = {"caption": caption, **fields}
    response = await client.post("/api/content/posts", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    return response.json()["post"]


async def follow(client: AsyncClient, follower: TestUser, target: TestUser) -> None:
    response = await client.post("/api/social/connections", json={"user_id": target.id},
                                 headers=follower.headers)
    assert response.status_code == 201, response.text


async def block(client: AsyncClient, blocker: TestUser, blocked: TestUser) -> None:
    response = await client.post("/api/social/blocks", json={"user_id": blocked.id},
                                 headers=blocker.headers)
    assert response.status_code == 201, response.text


async def notifications(client: AsyncClient, user: TestUser) -> list[dict[str, Any]]:
    response = await client.get("/api/social/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["notifications"]


async def bulk_users(platform: Any, factory: Any, count: int, prefix: str) -> list[TestUser]:
    """Many users in one unit of work (fast), each with a valid access token."""
    from tanvi_social.accounts.models import User

    def create(session: Any) -> list[int]:
        users = [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.test",
                      password_hash="x") for i in range(count)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]

    ids = await platform.db.run(create)
    out = []
    for i, uid in enumerate(ids):
        token = factory.token_for(uid)
        out.append(TestUser(uid, f"{prefix}{i}", {"Authorization": f"Bearer {token}"}, token))
    return out


async def take_out_of_sight(client: AsyncClient, author: TestUser, reporter: TestUser,
                            moderator: TestUser, gone: int, private: int, hidden: int) -> None:
    """Three of `author`'s posts leave everyone else's sight three ways: `gone` is deleted,
    `private` is made private, and `hidden` is hidden by `moderator` after `reporter` reports it."""
    posts = "/api/content/posts"
    assert (await client.delete(f"{posts}/{gone}", headers=author.headers)).status_code == 200
    assert (await client.put(f"{posts}/{private}", json={"visibility": "private"},
                             headers=author.headers)).status_code == 200
    r = await client.post("/api/moderation/reports", json={
        "target_type": "post", "target_id": hidden, "reason": "harassment"},
        headers=reporter.headers)
    assert r.status_code == 201, r.text
    item = (await client.get("/api/moderation/queue",
                             headers=moderator.headers)).json()["items"][0]
    r = await client.post(f"/api/moderation/queue/{item['id']}/resolve",
                          json={"action": "hide", "reason": "abusive"}, headers=moderator.headers)
    assert r.status_code == 200, r.text
