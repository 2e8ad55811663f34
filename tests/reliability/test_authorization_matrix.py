"""The authorisation matrix (OWASP API1/API3/API5): every actor against every post visibility.

Actors: the owner, an accepted follower, a stranger, a user the owner blocked, an anonymous caller
and an admin. Objects: a public, a followers-only and a private post. Each cell states the
documented outcome; not visible is always 404 (existence never leaks), visible but not yours is
403, no token on a write is 401. Admins get no backdoor to private content (moderators act
through reports, see docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from httpx import AsyncClient

from tests.factories import Factory, TestUser

ACTORS = ("owner", "follower", "stranger", "blocked", "anonymous", "admin")
VISIBILITIES = ("public", "followers", "private")

# Who may see a post of each visibility (everyone else: 404).
SEES = {
    "public": {"owner", "follower", "stranger", "anonymous", "admin"},
    "followers": {"owner", "follower"},
    "private": {"owner"},
}


@dataclass
class World:
    users: dict[str, TestUser | None]
    posts: dict[str, int]

    def headers(self, actor: str) -> dict[str, str]:
        user = self.users[actor]
        return user.headers if user else {}


@pytest.fixture
async def world(client: AsyncClient, factory: Factory) -> World:
    owner = await factory.user("matrix_owner")
    users: dict[str, TestUser | None] = {
        "owner": owner, "follower": await factory.user("matrix_follower"),
        "stranger": await factory.user("matrix_stranger"),
        "blocked": await factory.user("matrix_blocked"), "anonymous": None,
        "admin": await factory.admin("matrix_admin"),
    }
    follow = await client.post("/api/social/connections", headers=users["follower"].headers,
                               json={"user_id": owner.id})
    assert follow.status_code == 201, follow.text
    block = await client.post("/api/social/blocks", headers=owner.headers,
                              json={"user_id": users["blocked"].id})
    assert block.status_code == 201, block.text
    posts = {}
    for visibility in VISIBILITIES:
        r = await client.post("/api/content/posts", headers=owner.headers, json={
            "caption": f"{visibility} look #matrix", "visibility": visibility,
            "outfit_items": [{"name": "Linen shirt", "category": "top"}]})
        assert r.status_code == 201, r.text
        posts[visibility] = r.json()["post"]["id"]
    return World(users, posts)


def _cells() -> list[tuple[str, str]]:
    return [(v, a) for v in VISIBILITIES for a in ACTORS]


def _read_expectation(visibility: str, actor: str) -> int:
    return 200 if actor in SEES[visibility] else 404


def _write_expectation(visibility: str, actor: str) -> int:
    if actor == "anonymous":
        return 401
    return 201 if actor in SEES[visibility] else 404


def _owner_only_expectation(visibility: str, actor: str) -> int:
    if actor == "anonymous":
        return 401
    if actor == "owner":
        return 200
    return 403 if actor in SEES[visibility] else 404


@pytest.mark.parametrize(("visibility", "actor"), _cells())
class TestPostMatrix:
    async def test_read_post(self, client: AsyncClient, world: World, visibility: str,
                             actor: str) -> None:
        pid = world.posts[visibility]
        expected = _read_expectation(visibility, actor)
        for path in (f"/api/content/posts/{pid}", f"/api/content/posts/{pid}/comments",
                     f"/api/content/posts/{pid}/likes"):
            r = await client.get(path, headers=world.headers(actor))
            assert r.status_code == expected, (path, r.text)
            if expected == 404:
                assert r.json()["code"] == "post_not_found"

    async def test_engage_with_post(self, client: AsyncClient, world: World, visibility: str,
                                    actor: str) -> None:
        pid = world.posts[visibility]
        expected = _write_expectation(visibility, actor)
        calls = [
            (f"/api/content/posts/{pid}/likes", {"like_type": "fire"}),
            (f"/api/content/posts/{pid}/comments", {"content": "Love the linen"}),
            (f"/api/content/posts/{pid}/saves", {"notes": "summer"}),
        ]
        for path, body in calls:
            r = await client.post(path, headers=world.headers(actor), json=body)
            assert r.status_code == expected, (path, r.text)
        owner_view = await client.get(f"/api/content/posts/{pid}",
                                      headers=world.headers("owner"))
        post = owner_view.json()["post"]
        engaged = 1 if expected == 201 else 0
        assert post["like_count"] == engaged
        assert post["comment_count"] == engaged
        assert post["save_count"] == engaged

    async def test_edit_and_delete_are_owner_only(self, client: AsyncClient, world: World,
                                                  visibility: str, actor: str) -> None:
        pid = world.posts[visibility]
        expected = _owner_only_expectation(visibility, actor)
        edit = await client.put(f"/api/content/posts/{pid}", headers=world.headers(actor),
                                json={"caption": "changed by " + actor})
        assert edit.status_code == expected, edit.text
        delete = await client.delete(f"/api/content/posts/{pid}", headers=world.headers(actor))
        assert delete.status_code == expected, delete.text
        after = await client.get(f"/api/content/posts/{pid}", headers=world.headers("owner"))
        if actor == "owner":
            assert after.status_code == 404  # soft-deleted: gone for everyone
        else:
            assert after.status_code == 200
            assert after.json()["post"]["caption"] == f"{visibility} look #matrix"


class TestMassAssignment:
    async def test_post_body_cannot_set_author_counts_or_state(self, client: AsyncClient,
                                                              factory: Factory) -> None:
        mia = await factory.user("mass_mia")
        other = await factory.user("mass_other")
        r = await client.post("/api/content/posts", headers=mia.headers, json={
            "caption": "hello", "author_id": other.id, "like_count": 999,
            "moderation_state": "visible", "hot_score": 1e9})
        if r.status_code == 201:
            post = r.json()["post"]
            assert post["author"]["id"] == mia.id
            assert post["like_count"] == 0
            assert post["hot_score"] < 1e9
        else:
            assert r.status_code == 422  # unknown fields refused outright

    async def test_profile_update_cannot_set_role_counts_or_verification(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        mia = await factory.user("mass_profile")
        r = await client.put("/api/social/profiles/me", headers=mia.headers, json={
            "bio": "Linen everything", "followers_count": 10_000, "role": "admin",
            "is_verified": True, "user_id": 1})
        assert r.status_code in (200, 422)
        me = await client.get("/api/auth/me", headers=mia.headers)
        assert me.json()["user"]["role"] == "user"
        assert me.json()["user"]["is_verified"] is False
        profile = (await client.get(f"/api/social/profiles/{mia.id}", headers=mia.headers)
                   ).json()["profile"]
        assert profile["followers_count"] == 0


def test_matrix_size() -> None:
    """18 cells × (3 reads + 3 writes + 2 owner-only actions) = 144 checked outcomes."""
    assert len(_cells()) * 8 == 144
