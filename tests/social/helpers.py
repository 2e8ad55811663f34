"""Shared helpers for the social tests."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.social.models import Profile
from tests.factories import TestUser


async def set_profile(client: AsyncClient, user: TestUser, **fields: Any) -> dict[str, Any]:
    response = await client.put("/api/social/profiles/me", json=fields, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["profile"]


async def follow(client: AsyncClient, follower: TestUser, target: TestUser | int) -> Any:
    target_id = target if isinstance(target, int) else target.id
    return await client.post("/api/social/connections", json={"user_id": target_id},
                             headers=follower.headers)


async def counts(platform: Any, user_id: int) -> tuple[int, int]:
    """(followers_count, following_count) straight from the database."""
    row = await platform.db.read(lambda s: s.execute(
        select(Profile.followers_count, Profile.following_count)
        .where(Profile.user_id == user_id)).one())
    return int(row[0]), int(row[1])
