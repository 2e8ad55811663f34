"""Shares (repost, external, direct), saves and collections."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.content.models import Collection, Post
from tests.content.helpers import follow, make_post, notifications
from tests.factories import Factory


async def post_counts(platform: Any, post_id: int) -> dict[str, int]:
    def read(session: Any) -> dict[str, int]:
        p = session.get(Post, post_id)
        return {"shares": p.share_count, "saves": p.save_count, "likes": p.like_count}

    return await platform.db.read(read)


class TestShares:
    async def test_repost_appears_for_followers(self, client: AsyncClient, factory: Factory,
                                                platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        fan = await factory.user()
        await follow(client, fan, zoe)
        post = await make_post(client, mia, "original")
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "repost", "share_caption": "Obsessed #fav"},
                              headers=zoe.headers)
        assert r.status_code == 201
        share = r.json()["share"]
        repost = share["repost"]
        assert repost["post_type"] == "repost"
        assert repost["repost_of"]["id"] == post["id"]
        assert repost["caption"] == "Obsessed #fav"
        assert share["share_count"] == 1
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "repost"}, headers=zoe.headers)
        assert r.status_code == 409
        r = await client.get(f"/api/content/posts?user_id={zoe.id}", headers=fan.headers)
        assert [p["id"] for p in r.json()["posts"]] == [repost["id"]]
        r = await client.get(f"/api/content/posts/{post['id']}", headers=zoe.headers)
        assert r.json()["post"]["viewer"]["shared"] is True
        assert "share" in {n["type"] for n in await notifications(client, mia)}
        # deleting the repost takes the share back
        r = await client.delete(f"/api/content/posts/{repost['id']}", headers=zoe.headers)
        assert r.status_code == 200
        assert (await post_counts(platform, post["id"]))["shares"] == 0
        r = await client.post(f"/api/content/posts/{post['id']}/share",
                              json={"share_type": "repost"}, headers=zoe.headers)
        assert r.status_code == 201

    async def test_external_share_url(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, "go public")
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "external", "share_platform": "pinterest"},
                              headers=zoe.headers)
        assert r.status_code == 201
        url = r.json()["share"]["share_url"]
        assert url.endswith(f"/p/{post['id']}")
        page = await client.get(urlsplit(url).path)
        assert page.status_code == 200
        assert "go public" in page.text

    async def test_followers_only_post_cannot_go_outside(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        mia = await factory.user()
        fan = await factory.user()
        await follow(client, fan, mia)
        post = await make_post(client, mia, "friends", visibility="followers")
        for kind in ("repost", "external"):
            r = await client.post(f"/api/content/posts/{post['id']}/shares",
                                  json={"share_type": kind}, headers=fan.headers)
            assert r.status_code == 400
            assert r.json()["code"] == "not_shareable"

    async def test_direct_share_notifies_recipient(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        ann = await factory.user()
        post = await make_post(client, mia)
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "direct", "recipient_user_id": ann.id,
                                    "share_caption": "for you"}, headers=zoe.headers)
        assert r.status_code == 201
        notes = await notifications(client, ann)
        assert [n["type"] for n in notes] == ["post_sent"]
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "direct"}, headers=zoe.headers)
        assert r.status_code == 422
        private = await make_post(client, mia, "p", visibility="private")
        r = await client.post(f"/api/content/posts/{private['id']}/shares",
                              json={"share_type": "direct", "recipient_user_id": ann.id},
                              headers=mia.headers)
        assert r.status_code == 422
        assert r.json()["code"] == "recipient_cannot_view"

    async def test_sharing_disabled(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, allow_sharing=False)
        r = await client.post(f"/api/content/posts/{post['id']}/shares",
                              json={"share_type": "external"}, headers=zoe.headers)
        assert r.status_code == 403


class TestSavesAndCollections:
    async def test_save_into_collection_and_list(self, client: AsyncClient, factory: Factory,
                                                 platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        other = await make_post(client, mia, "other")
        r = await client.post("/api/content/collections",
                              json={"name": " Summer  looks ", "collection_type": "seasonal"},
                              headers=zoe.headers)
        assert r.status_code == 201
        coll = r.json()["collection"]
        assert coll["name"] == "Summer looks"
        assert coll["is_public"] is False
        r = await client.post(f"/api/content/posts/{post['id']}/saves",
                              json={"collection_id": coll["id"], "notes": "copy the trousers",
                                    "save_reason": "outfit_inspiration"}, headers=zoe.headers)
        assert r.status_code == 201
        assert r.json()["save"]["collection_id"] == coll["id"]
        r = await client.post(f"/api/content/posts/{post['id']}/save", headers=zoe.headers)
        assert r.status_code == 409
        r = await client.post(f"/api/content/posts/{other['id']}/save", headers=zoe.headers)
        assert r.status_code == 201
        r = await client.get("/api/content/saves", headers=zoe.headers)
        assert [s["post_id"] for s in r.json()["saves"]] == [other["id"], post["id"]]
        r = await client.get(f"/api/content/saves?collection_id={coll['id']}",
                             headers=zoe.headers)
        assert [s["notes"] for s in r.json()["saves"]] == ["copy the trousers"]
        r = await client.get(f"/api/content/collections/{coll['id']}", headers=zoe.headers)
        assert r.json()["collection"]["items_count"] == 1
        assert r.json()["items"][0]["post"]["id"] == post["id"]
        assert (await post_counts(platform, post["id"]))["saves"] == 1
        r = await client.delete(f"/api/content/posts/{post['id']}/saves", headers=zoe.headers)
        assert r.status_code == 200
        assert (await post_counts(platform, post["id"]))["saves"] == 0
        items = await platform.db.read(lambda s: s.get(Collection, coll["id"]).items_count)
        assert items == 0
        r = await client.delete(f"/api/content/posts/{post['id']}/saves", headers=zoe.headers)
        assert r.status_code == 404
        assert (await client.get("/api/content/saves")).status_code == 401

    async def test_cannot_save_into_someone_elses_collection(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        coll = (await client.post("/api/content/collections", json={"name": "Mine"},
                                  headers=mia.headers)).json()["collection"]
        r = await client.post(f"/api/content/posts/{post['id']}/saves",
                              json={"collection_id": coll["id"]}, headers=zoe.headers)
        assert r.status_code == 404

    async def test_private_public_and_collaborative(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        ann = await factory.user()
        post = await make_post(client, mia)
        private = (await client.post("/api/content/collections", json={"name": "Secret"},
                                     headers=mia.headers)).json()["collection"]
        r = await client.get(f"/api/content/collections/{private['id']}", headers=zoe.headers)
        assert r.status_code == 404
        r = await client.get(f"/api/content/collections?user_id={mia.id}", headers=zoe.headers)
        assert r.json()["collections"] == []
        r = await client.put(f"/api/content/collections/{private['id']}",
                             json={"is_public": True}, headers=zoe.headers)
        assert r.status_code == 404
        r = await client.put(f"/api/content/collections/{private['id']}",
                             json={"is_public": True, "is_collaborative": True,
                                   "contributor_ids": [zoe.id]}, headers=mia.headers)
        assert r.status_code == 200
        assert [c["id"] for c in r.json()["collection"]["contributors"]] == [zoe.id]
        assert "collection_invite" in {n["type"] for n in await notifications(client, zoe)}
        r = await client.post(f"/api/content/collections/{private['id']}/items",
                              json={"post_id": post["id"], "notes": "nice"}, headers=zoe.headers)
        assert r.status_code == 201
        item = r.json()["item"]
        r = await client.post(f"/api/content/collections/{private['id']}/items",
                              json={"post_id": post["id"]}, headers=zoe.headers)
        assert r.status_code == 409
        r = await client.post(f"/api/content/collections/{private['id']}/items",
                              json={"post_id": post["id"]}, headers=ann.headers)
        assert r.status_code == 403
        r = await client.get(f"/api/content/collections/{private['id']}", headers=ann.headers)
        assert r.status_code == 200
        assert r.json()["collection"]["can_add"] is False
        r = await client.delete(f"/api/content/collections/{private['id']}/items/{item['id']}",
                                headers=ann.headers)
        assert r.status_code == 403
        r = await client.get("/api/content/collections", headers=zoe.headers)
        assert [c["id"] for c in r.json()["collections"]] == [private["id"]]
        r = await client.delete(f"/api/content/collections/{private['id']}/items/{item['id']}",
                                headers=zoe.headers)
        assert r.status_code == 200
        r = await client.delete(f"/api/content/collections/{private['id']}", headers=zoe.headers)
        assert r.status_code == 403
        r = await client.delete(f"/api/content/collections/{private['id']}", headers=mia.headers)
        assert r.status_code == 200
        r = await client.get(f"/api/content/collections/{private['id']}", headers=mia.headers)
        assert r.status_code == 404

    async def test_collection_hides_posts_viewer_cannot_see(self, client: AsyncClient,
                                                            factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        public = await make_post(client, mia, "pub")
        private = await make_post(client, mia, "priv", visibility="private")
        coll = (await client.post("/api/content/collections",
                                  json={"name": "All", "is_public": True},
                                  headers=mia.headers)).json()["collection"]
        for p in (public, private):
            r = await client.post(f"/api/content/collections/{coll['id']}/items",
                                  json={"post_id": p["id"]}, headers=mia.headers)
            assert r.status_code == 201
        r = await client.get(f"/api/content/collections/{coll['id']}", headers=zoe.headers)
        assert [i["post_id"] for i in r.json()["items"]] == [public["id"]]
        r = await client.post(f"/api/content/collections/{coll['id']}/items",
                              json={"post_id": 424242}, headers=mia.headers)
        assert r.status_code == 404

    async def test_unknown_contributor_is_422(self, client: AsyncClient,
                                              factory: Factory, platform: Any) -> None:
        mia = await factory.user()
        r = await client.post("/api/content/collections",
                              json={"name": "x", "contributor_ids": [987654]},
                              headers=mia.headers)
        assert r.status_code == 422
        rows = await platform.db.read(lambda s: s.scalars(select(Collection)).all())
        assert rows == []
