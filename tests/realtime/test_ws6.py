"""The WS6 mobile app's calls, sent exactly as the app sends them (WS1 token, JSON content type)."""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import jwt
import pytest
from httpx import AsyncClient

from tests.content.helpers import OUTFIT, block, follow, make_post
from tests.factories import Factory, TestUser

WS1_SECRET = "ws1-shared-secret-for-realtime-tests-0123456789"
_ws1_ids = itertools.count(random.randint(100_000, 900_000))
POST_KEYS = {"id", "user", "outfit", "image", "caption", "likes", "comments", "shares",
             "timestamp", "isLiked", "isBookmarked", "tags"}


@pytest.fixture
async def ws1(make_harness) -> Any:
    return await make_harness(ws1_jwt_secret=WS1_SECRET)


def ws1_headers(username: str) -> dict[str, str]:
    """What the WS6 app sends: the WS1 token and a JSON content type on every request."""
    now = int(time.time())
    token = jwt.encode({"user_id": next(_ws1_ids), "username": username, "iat": now,
                        "exp": now + 24 * 3600}, WS1_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def me(client: AsyncClient, headers: dict[str, str]) -> TestUser:
    body = (await client.get("/api/auth/me", headers=headers)).json()["user"]
    return TestUser(body["id"], body["username"], headers, headers["Authorization"][7:])


class TestFeed:
    async def test_feed_shape_paging_and_viewer_flags(self, ws1, factory: Factory) -> None:
        async with ws1.client() as c:
            app_user = await me(c, ws1_headers("ws6_maya"))
            author = await factory.user("linen_lara")
            await c.put("/api/social/profiles/me", headers=author.headers,
                        json={"display_name": "Lara", "location": "Lisbon"})
            await follow(c, app_user, author)
            first = await make_post(c, author, "Linen day #linen #summer", outfit_items=OUTFIT,
                                    occasion="work", style_tags=["minimalist"])
            await make_post(c, author, "Second look #denim")
            third = await make_post(c, author, "Third look")
            like = await c.post(f"/api/social/posts/{first['id']}/like", headers=app_user.headers)
            assert like.status_code == 200
            saved = await c.post(f"/api/content/posts/{first['id']}/saves", json={},
                                 headers=app_user.headers)
            assert saved.status_code == 201, saved.text

            page1 = await c.get("/api/social/feed", params={"page": 1, "limit": 2},
                                headers=app_user.headers)
            assert page1.status_code == 200
            body = page1.json()
            assert set(body) == {"posts", "hasMore"}
            assert body["hasMore"] is True
            assert [p["id"] for p in body["posts"]] == [third["id"], third["id"] - 1]
            page2 = (await c.get("/api/social/feed", params={"page": 2, "limit": 2},
                                 headers=app_user.headers)).json()
            assert page2["hasMore"] is False
            post = page2["posts"][0]
            assert set(post) == POST_KEYS
            assert post["id"] == first["id"]
            assert post["user"] == {"id": author.id, "name": "Lara", "avatar": "👤",
                                    "location": "Lisbon", "followers": 1, "isFollowing": True}
            assert set(post["outfit"]) == {"style", "confidence", "occasion", "items"}
            assert post["outfit"]["style"] == "minimalist"
            assert post["outfit"]["occasion"] == "work"
            assert post["outfit"]["items"] == ["Linen shirt", "Wide trousers", "Loafers"]
            expected = round(first["ai_analysis"]["style_score"]["score"] * 100)
            assert post["outfit"]["confidence"] == expected
            assert 0 <= expected <= 100
            assert post["caption"] == "Linen day #linen #summer"
            assert post["tags"] == ["linen", "summer"]
            assert (post["likes"], post["comments"], post["shares"]) == (1, 0, 0)
            assert post["isLiked"] is True
            assert post["isBookmarked"] is True
            assert post["image"] == ""
            assert post["timestamp"].endswith("Z")

    async def test_feed_hides_blocked_and_private(self, ws1, factory: Factory) -> None:
        async with ws1.client() as c:
            app_user = await me(c, ws1_headers("ws6_noor"))
            rude, shy = await factory.user(), await factory.user()
            await make_post(c, rude, "hidden from the app user")
            await make_post(c, shy, "only me", visibility="private")
            await block(c, app_user, rude)
            body = (await c.get("/api/social/feed", headers=app_user.headers)).json()
            assert body == {"posts": [], "hasMore": False}

    @pytest.mark.parametrize("params", [{"page": 0}, {"limit": 0}, {"limit": 51},
                                        {"page": "x"}])
    async def test_bad_paging_is_422(self, client: AsyncClient, params) -> None:
        assert (await client.get("/api/social/feed", params=params)).status_code == 422


class TestLike:
    async def test_bodyless_json_post_toggles(self, ws1, factory: Factory) -> None:
        async with ws1.client() as c:
            headers = ws1_headers("ws6_ines")
            author = await factory.user()
            post = await make_post(c, author)
            url = f"/api/social/posts/{post['id']}/like"
            first = await c.post(url, headers=headers)  # no body, Content-Type: application/json
            assert first.status_code == 200, first.text
            assert first.json() == {"success": True, "liked": True, "likes": 1}
            second = await c.post(url, headers=headers)
            assert second.json() == {"success": True, "liked": False, "likes": 0}
            third = await c.post(url, headers=headers)
            assert third.json() == {"success": True, "liked": True, "likes": 1}
            stored = (await c.get(f"/api/content/posts/{post['id']}")).json()["post"]
            assert stored["like_count"] == 1

    async def test_mock_token_invisible_post_and_anonymous(self, ws1, factory: Factory) -> None:
        async with ws1.client() as c:
            author = await factory.user()
            private = await make_post(c, author, "mine", visibility="private")
            url = f"/api/social/posts/{private['id']}/like"
            fake = {"Authorization": "Bearer mock_jwt_token_1732600000000",
                    "Content-Type": "application/json"}
            assert (await c.post(url, headers=fake)).status_code == 401
            assert (await c.post(url, headers={"Content-Type": "application/json"})
                    ).status_code == 401
            hidden = await c.post(url, headers=ws1_headers("ws6_omar"))
            assert hidden.status_code == 404
            assert (await c.post("/api/social/posts/999999/like",
                                 headers=ws1_headers("ws6_omar2"))).status_code == 404


class TestShare:
    async def test_share_returns_url_and_counts(self, ws1, factory: Factory, platform) -> None:
        async with ws1.client() as c:
            headers = ws1_headers("ws6_rita")
            author = await factory.user()
            post = await make_post(c, author)
            response = await c.post("/api/social/share", headers=headers, json={
                "outfit": {"id": str(post["id"]), "style": "casual"},
                "platforms": ["instagram", "Twitter", "instagram", "myspace"]})
            assert response.status_code == 200, response.text
            body = response.json()
            assert set(body) == {"success", "shareUrl"}
            assert body["success"] is True
            assert body["shareUrl"] == post["share_url"]
            assert body["shareUrl"].startswith(platform.settings.public_base_url)
            again = (await c.get(f"/api/content/posts/{post['id']}")).json()["post"]
            assert again["share_count"] == 3  # instagram, x, link (unknown → link)

    async def test_share_needs_a_visible_post(self, ws1, factory: Factory) -> None:
        async with ws1.client() as c:
            headers = ws1_headers("ws6_tao")
            author = await factory.user()
            private = await make_post(c, author, "mine", visibility="private")
            missing = await c.post("/api/social/share", headers=headers,
                                   json={"outfit": {"style": "casual"}, "platforms": []})
            assert missing.status_code == 422
            hidden = await c.post("/api/social/share", headers=headers,
                                  json={"outfit": {"id": private["id"]}, "platforms": ["x"]})
            assert hidden.status_code == 404
            anon = await c.post("/api/social/share", json={"outfit": {"id": private["id"]}})
            assert anon.status_code == 401
