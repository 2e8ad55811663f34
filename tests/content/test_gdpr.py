"""GDPR: export holds the user's content; erasure removes it and keeps counters exact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.content.models import (
    ChallengeEntry,
    ChallengeVote,
    Collection,
    CollectionItem,
    Comment,
    Post,
    Reaction,
    Save,
    Share,
)
from tanvi_social.core.time import utcnow
from tests.content.helpers import make_post
from tests.factories import PASSWORD, Factory


async def scenario(client: AsyncClient, factory: Factory) -> dict[str, Any]:
    mod = await factory.moderator()
    gone = await factory.user()
    stay = await factory.user()
    third = await factory.user()
    mine = await make_post(client, gone, "gone's post #bye")
    theirs = await make_post(client, stay, "stay's post")
    h = gone.headers
    await client.post(f"/api/content/posts/{theirs['id']}/likes", headers=h)
    await client.post(f"/api/content/posts/{theirs['id']}/saves", headers=h)
    await client.post(f"/api/content/posts/{theirs['id']}/shares",
                      json={"share_type": "repost"}, headers=h)
    await client.post(f"/api/content/posts/{mine['id']}/likes", headers=stay.headers)
    await client.post(f"/api/content/posts/{mine['id']}/shares", json={"share_type": "repost"},
                      headers=third.headers)
    top = (await client.post(f"/api/content/posts/{theirs['id']}/comments",
                             json={"content": "gone says hi"}, headers=h)).json()["comment"]
    await client.post(f"/api/content/posts/{theirs['id']}/comments",
                      json={"content": "reply", "parent_comment_id": top["id"]},
                      headers=third.headers)
    stay_comment = (await client.post(f"/api/content/posts/{theirs['id']}/comments",
                                      json={"content": "own"}, headers=stay.headers)).json()
    await client.post(f"/api/content/comments/{stay_comment['comment']['id']}/likes", headers=h)
    coll = (await client.post("/api/content/collections",
                              json={"name": "shared", "is_collaborative": True,
                                    "contributor_ids": [gone.id]},
                              headers=stay.headers)).json()["collection"]
    await client.post(f"/api/content/collections/{coll['id']}/items",
                      json={"post_id": theirs["id"]}, headers=h)
    await client.post(f"/api/content/collections/{coll['id']}/items",
                      json={"post_id": mine["id"]}, headers=stay.headers)
    await client.post("/api/content/collections", json={"name": "mine"}, headers=h)
    ch = (await client.post("/api/content/challenges", json={
        "title": "Erase me", "ends_at": (utcnow() + timedelta(days=3)).isoformat()},
        headers=mod.headers)).json()["challenge"]
    e1 = (await client.post(f"/api/content/challenges/{ch['id']}/entries",
                            json={"post_id": theirs["id"]}, headers=stay.headers)).json()
    await client.post(f"/api/content/challenges/{ch['id']}/entries",
                      json={"post_id": mine["id"]}, headers=h)
    r = await client.post(f"/api/content/challenges/{ch['id']}/entries/{e1['entry']['id']}/vote",
                          headers=h)
    assert r.status_code == 201
    return {"gone": gone, "stay": stay, "mine": mine, "theirs": theirs, "coll": coll,
            "challenge": ch, "top": top}


async def test_export_lists_content(client: AsyncClient, factory: Factory) -> None:
    s = await scenario(client, factory)
    r = await client.get("/api/auth/me/export", headers=s["gone"].headers)
    assert r.status_code == 200
    data = r.json()["export"]["content"]
    assert [p["caption"] for p in data["posts"] if p["post_type"] != "repost"] == [
        "gone's post #bye"]
    assert len(data["reactions"]) == 1
    assert len(data["saves"]) == 1
    assert data["comments"][0]["content"] == "gone says hi"
    assert len(data["challenge_votes"]) == 1
    assert [c["name"] for c in data["collections"]] == ["mine"]


async def test_erase_keeps_counters_exact(client: AsyncClient, factory: Factory,
                                          platform: Any) -> None:
    s = await scenario(client, factory)
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=s["gone"].headers)
    assert r.status_code == 200, r.text

    def check(session: Any) -> None:
        gone = s["gone"].id
        for model, col in ((Post, Post.author_id), (Reaction, Reaction.user_id),
                           (Save, Save.user_id), (Share, Share.user_id),
                           (Collection, Collection.owner_id),
                           (ChallengeVote, ChallengeVote.user_id),
                           (ChallengeEntry, ChallengeEntry.user_id)):
            assert session.scalar(select(func.count()).select_from(model).where(col == gone)) \
                == 0, model
        # every post's counters equal the rows behind them
        for post in session.scalars(select(Post)):
            assert post.like_count == session.scalar(select(func.count()).select_from(Reaction)
                                                     .where(Reaction.post_id == post.id))
            assert post.save_count == session.scalar(select(func.count()).select_from(Save)
                                                     .where(Save.post_id == post.id))
            assert post.share_count == session.scalar(select(func.count()).select_from(Share)
                                                      .where(Share.post_id == post.id))
            assert post.comment_count == session.scalar(
                select(func.count()).select_from(Comment).where(
                    Comment.post_id == post.id, Comment.deleted_at.is_(None)))
        for coll in session.scalars(select(Collection)):
            assert coll.items_count == session.scalar(
                select(func.count()).select_from(CollectionItem)
                .where(CollectionItem.collection_id == coll.id))
        tomb = session.get(Comment, s["top"]["id"])
        assert tomb.author_id is None
        assert tomb.body == ""
        assert tomb.deleted_at is not None
        for entry in session.scalars(select(ChallengeEntry)):
            assert entry.vote_count == session.scalar(
                select(func.count()).select_from(ChallengeVote)
                .where(ChallengeVote.entry_id == entry.id))

    await platform.db.read(check)
    r = await client.get(f"/api/content/challenges/{s['challenge']['id']}")
    assert r.json()["challenge"]["entries_count"] == 1
    assert r.json()["challenge"]["participants_count"] == 1
    comments = (await client.get(f"/api/content/posts/{s['theirs']['id']}/comments")).json()
    assert comments["comments"][0]["is_deleted"] is True
    assert comments["comments"][0]["replies"][0]["content"] == "reply"
