"""Comments: threads, depth limit, edit/delete rights, tombstones, likes, exact counts."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.content.models import Comment, Post
from tests.content.helpers import block, make_post, notifications
from tests.factories import Factory


async def comment(client: AsyncClient, user: Any, post_id: int, text: str = "Love it",
                  parent: int | None = None, status: int = 201) -> dict[str, Any]:
    body: dict[str, Any] = {"content": text}
    if parent is not None:
        body["parent_comment_id"] = parent
    r = await client.post(f"/api/content/posts/{post_id}/comments", json=body,
                          headers=user.headers)
    assert r.status_code == status, r.text
    return r.json().get("comment", r.json())


async def counts(platform: Any, post_id: int) -> int:
    return await platform.db.read(lambda s: s.get(Post, post_id).comment_count)


class TestThreads:
    async def test_thread_listing_and_counts(self, client: AsyncClient, factory: Factory,
                                             platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        ann = await factory.user()
        post = await make_post(client, mia)
        top = await comment(client, zoe, post["id"], "  So chic  ")
        assert top["content"] == "So chic"
        assert top["depth"] == 0
        reply = await comment(client, ann, post["id"], "Agreed", parent=top["id"])
        deeper = await comment(client, zoe, post["id"], "thanks", parent=reply["id"])
        deepest = await comment(client, ann, post["id"], "x", parent=deeper["id"])
        assert deepest["depth"] == 3
        r = await client.post(f"/api/content/posts/{post['id']}/comments",
                              json={"content": "too deep", "parent_comment_id": deepest["id"]},
                              headers=zoe.headers)
        assert r.status_code == 422
        assert r.json()["code"] == "comment_depth_limit"
        second = await comment(client, ann, post["id"], "Second top-level")
        r = await client.get(f"/api/content/posts/{post['id']}/comments")
        body = r.json()
        assert body["pagination"]["total"] == 2
        assert [c["id"] for c in body["comments"]] == [top["id"], second["id"]]
        thread = body["comments"][0]
        assert thread["reply_count"] == 1
        assert thread["replies"][0]["id"] == reply["id"]
        assert thread["replies"][0]["replies"][0]["replies"][0]["id"] == deepest["id"]
        assert await counts(platform, post["id"]) == 5
        assert (await client.get(f"/api/content/posts/{post['id']}")).json()["post"][
            "comment_count"] == 5
        assert {n["type"] for n in await notifications(client, mia)} == {"comment"}
        assert "reply" in {n["type"] for n in await notifications(client, zoe)}

    async def test_parent_from_another_post_is_404(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        mia = await factory.user()
        a = await make_post(client, mia, "a")
        b = await make_post(client, mia, "b")
        top = await comment(client, mia, a["id"])
        await comment(client, mia, b["id"], "x", parent=top["id"], status=404)

    async def test_blank_and_long_comments_rejected(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)
        await comment(client, mia, post["id"], "   ", status=422)
        await comment(client, mia, post["id"], "x" * 1001, status=422)

    async def test_comments_disabled(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, allow_comments=False)
        await comment(client, zoe, post["id"], status=403)
        await comment(client, mia, post["id"])

    async def test_comment_alias(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        post = await make_post(client, mia)
        r = await client.post(f"/api/content/posts/{post['id']}/comment",
                              json={"content": "alias"}, headers=mia.headers)
        assert r.status_code == 201

    async def test_blocked_commenters_hidden(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        troll = await factory.user()
        post = await make_post(client, mia)
        await comment(client, troll, post["id"], "meh")
        await comment(client, mia, post["id"], "mine")
        await block(client, zoe, troll)
        r = await client.get(f"/api/content/posts/{post['id']}/comments", headers=zoe.headers)
        assert [c["content"] for c in r.json()["comments"]] == ["mine"]


class TestEditDelete:
    async def test_edit_rights(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        c = await comment(client, zoe, post["id"])
        r = await client.put(f"/api/content/comments/{c['id']}", json={"content": "edited"},
                             headers=mia.headers)
        assert r.status_code == 403
        r = await client.put(f"/api/content/comments/{c['id']}", json={"content": "edited"},
                             headers=zoe.headers)
        assert r.status_code == 200
        assert r.json()["comment"]["content"] == "edited"
        assert r.json()["comment"]["edited_at"] is not None
        r = await client.put("/api/content/comments/99999", json={"content": "x"},
                             headers=zoe.headers)
        assert r.status_code == 404

    async def test_delete_rights_and_tombstones(self, client: AsyncClient, factory: Factory,
                                               platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        ann = await factory.user()
        mod = await factory.moderator()
        post = await make_post(client, mia)
        top = await comment(client, zoe, post["id"], "top")
        reply = await comment(client, ann, post["id"], "reply", parent=top["id"])
        other = await comment(client, ann, post["id"], "other")
        r = await client.delete(f"/api/content/comments/{top['id']}", headers=ann.headers)
        assert r.status_code == 403
        r = await client.delete(f"/api/content/comments/{top['id']}", headers=mia.headers)
        assert r.status_code == 200
        r = await client.delete(f"/api/content/comments/{top['id']}", headers=mia.headers)
        assert r.status_code == 404
        assert await counts(platform, post["id"]) == 2
        listing = (await client.get(f"/api/content/posts/{post['id']}/comments")).json()
        tomb = listing["comments"][0]
        assert tomb["is_deleted"] is True
        assert tomb["content"] == ""
        assert tomb["author"] is None
        assert tomb["replies"][0]["id"] == reply["id"]
        r = await client.delete(f"/api/content/comments/{other['id']}", headers=mod.headers)
        assert r.status_code == 200
        r = await client.delete(f"/api/content/comments/{reply['id']}", headers=ann.headers)
        assert r.status_code == 200
        assert await counts(platform, post["id"]) == 0
        listing = (await client.get(f"/api/content/posts/{post['id']}/comments")).json()
        assert listing["comments"] == []
        live = await platform.db.read(lambda s: s.scalars(select(Comment.reply_count)).all())
        assert set(live) == {0}


class TestCommentLikes:
    async def test_like_unlike_comment(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia)
        c = await comment(client, mia, post["id"])
        url = f"/api/content/comments/{c['id']}/likes"
        r = await client.post(url, headers=zoe.headers)
        assert r.status_code == 201
        assert r.json()["like"]["like_count"] == 1
        assert (await client.post(url, headers=zoe.headers)).status_code == 409
        listing = (await client.get(f"/api/content/posts/{post['id']}/comments",
                                    headers=zoe.headers)).json()
        assert listing["comments"][0]["liked"] is True
        r = await client.delete(url, headers=zoe.headers)
        assert r.json()["like"]["like_count"] == 0
        assert (await client.delete(url, headers=zoe.headers)).status_code == 404

    async def test_hidden_post_comments_are_404(self, client: AsyncClient,
                                                factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, visibility="private")
        c = await comment(client, mia, post["id"])
        assert (await client.post(f"/api/content/comments/{c['id']}/likes",
                                  headers=zoe.headers)).status_code == 404
        assert (await client.get(f"/api/content/posts/{post['id']}/comments",
                                 headers=zoe.headers)).status_code == 404
        assert (await client.delete(f"/api/content/comments/{c['id']}",
                                    headers=zoe.headers)).status_code == 404
