"""Posts: create, read, edit, drafts, delete, visibility, listing, hashtags and mentions."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.content.models import Post, PostHashtag
from tanvi_social.social.models import Profile
from tests.content.helpers import OUTFIT, block, follow, make_post, notifications
from tests.factories import Factory


async def posts_count(platform: Any, user_id: int) -> int:
    return await platform.db.read(
        lambda s: s.scalar(select(Profile.posts_count).where(Profile.user_id == user_id)))


class TestCreate:
    async def test_create_text_post_with_outfit(self, client: AsyncClient, factory: Factory,
                                                platform: Any) -> None:
        mia = await factory.user("mia")
        post = await make_post(client, mia, "Sunday linen #Linen #minimal #linen @nobody",
                               outfit_items=OUTFIT, occasion="brunch",
                               style_tags=["Minimalist", "classic"], visibility="public")
        assert post["author"]["username"] == "mia"
        assert post["hashtags"] == ["linen", "minimal"]
        assert post["mentions"] == []
        assert post["style_tags"] == ["minimalist", "classic"]
        assert post["outfit_items"][0]["name"] == "Linen shirt"
        assert post["viewer"] == {"liked": False, "like_type": None, "saved": False,
                                  "shared": False}
        assert post["share_url"].endswith(f"/p/{post['id']}")
        assert post["created_at"].endswith("Z")
        analysis = post["ai_analysis"]
        for key in ("style_score", "trend_relevance", "color_harmony", "occasion_fit"):
            assert 0 <= analysis[key]["score"] <= 1
            assert analysis[key]["reasons"]
        assert await posts_count(platform, mia.id) == 1

    async def test_the_row_written_without_a_flush_is_what_the_response_shows(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        """The create path INSERTs with Core statements (no ORM flush): every column a flush
        would have defaulted is in the row, and the response (built from the object written)
        equals a fresh read of the row; its hashtag and activity rows are there too."""
        from tanvi_social.social.models import Activity

        mia, ana = await factory.users(2)
        created = await make_post(client, mia, "Rainy day #rain #Linen")
        r = await client.get(f"/api/content/posts/{created['id']}", headers=ana.headers)
        assert r.status_code == 200
        assert r.json()["post"] == created

        def stored(session: Any) -> tuple[Any, list[str], list[tuple[str, int | None]]]:
            post = session.get(Post, created["id"])
            session.expunge(post)  # keep its loaded values past the read's rollback
            tags = sorted(session.scalars(select(PostHashtag.tag).where(
                PostHashtag.post_id == post.id)))
            acts = [(a.type, a.target_id) for a in session.scalars(
                select(Activity).where(Activity.user_id == mia.id))]
            return post, tags, acts

        post, tags, acts = await platform.db.read(stored)
        assert (post.like_count, post.comment_count, post.share_count, post.save_count) == (
            0, 0, 0, 0)
        assert (post.remix_chain, post.remix_credits, post.remix_count) == ([], [], 0)
        assert (post.title, post.deleted_at, post.edited_at) == (None, None, None)
        from tanvi_social.content.schemas import AIAnalysis

        assert AIAnalysis.model_validate(post.ai_analysis).model_dump(mode="json") == created[
            "ai_analysis"]
        assert post.analysis_key
        assert tags == ["linen", "rain"]
        assert acts == [("create", created["id"])]

    async def test_empty_post_is_422_but_empty_draft_is_allowed(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        r = await client.post("/api/content/posts", json={"caption": "   "}, headers=mia.headers)
        assert r.status_code == 422
        assert r.json()["code"] == "empty_post"
        r = await client.post("/api/content/posts", json={"is_draft": True}, headers=mia.headers)
        assert r.status_code == 201
        assert r.json()["post"]["is_draft"] is True

    async def test_validation_limits(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        for body in ({"caption": "x" * 2201}, {"caption": "a", "media_ids": list(range(1, 12))},
                     {"caption": "a", "visibility": "everyone"}, {"caption": "a", "role": "x"},
                     {"caption": "a", "like_count": 5},
                     {"caption": "a", "outfit_items": [{"name": ""}]},
                     {"caption": "a", "outfit_items": [{"name": "x", "link": "notaurl"}]}):
            r = await client.post("/api/content/posts", json=body, headers=mia.headers)
            assert r.status_code == 422, body

    async def test_someone_elses_media_is_404(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        r = await client.post("/api/content/posts", json={"caption": "a", "media_ids": [999]},
                              headers=mia.headers)
        assert r.status_code == 404
        assert r.json()["code"] == "media_not_found"

    async def test_anonymous_cannot_post(self, client: AsyncClient) -> None:
        r = await client.post("/api/content/posts", json={"caption": "hello"})
        assert r.status_code == 401

    async def test_unknown_community_is_404(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        r = await client.post("/api/content/posts", json={"caption": "a", "community_id": 77},
                              headers=mia.headers)
        assert r.status_code == 404


class TestMentions:
    async def test_mention_notifies_known_visible_unblocked_users(
            self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user("mia")
        zoe = await factory.user("zoe_k")
        bad = await factory.user("badguy")
        await block(client, bad, mia)
        post = await make_post(client, mia, "With @Zoe_K and @badguy and @ghost_user and @mia")
        assert post["mentions"] == [{"id": zoe.id, "username": "zoe_k"}]
        notes = await notifications(client, zoe)
        assert [n["type"] for n in notes] == ["mention"]
        assert notes[0]["target_id"] == post["id"]
        assert await notifications(client, bad) == []

    async def test_private_post_mention_does_not_notify(self, client: AsyncClient,
                                                        factory: Factory) -> None:
        mia = await factory.user("mia2")
        zoe = await factory.user("zoe2")
        await make_post(client, mia, "secret @zoe2", visibility="private")
        assert await notifications(client, zoe) == []

    async def test_edit_notifies_only_new_mentions(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        mia = await factory.user("mia3")
        zoe = await factory.user("zoe3")
        ann = await factory.user("ann3")
        post = await make_post(client, mia, "hi @zoe3")
        r = await client.put(f"/api/content/posts/{post['id']}",
                             json={"caption": "hi @zoe3 and @ann3"}, headers=mia.headers)
        assert r.status_code == 200
        assert len(await notifications(client, zoe)) == 1
        assert len(await notifications(client, ann)) == 1


class TestVisibility:
    async def test_visibility_rules_on_read(self, client: AsyncClient, factory: Factory) -> None:
        author = await factory.user()
        fan = await factory.user()
        stranger = await factory.user()
        await follow(client, fan, author)
        public = await make_post(client, author, "pub")
        followers = await make_post(client, author, "fol", visibility="followers")
        private = await make_post(client, author, "priv", visibility="private")
        for post, allowed in ((public, {"anon", "fan", "stranger", "author"}),
                              (followers, {"fan", "author"}), (private, {"author"})):
            for who, headers in (("anon", {}), ("fan", fan.headers),
                                 ("stranger", stranger.headers), ("author", author.headers)):
                r = await client.get(f"/api/content/posts/{post['id']}", headers=headers)
                assert r.status_code == (200 if who in allowed else 404), (post["caption"], who)

    async def test_blocked_user_sees_404_and_listing_hides(self, client: AsyncClient,
                                                           factory: Factory) -> None:
        author = await factory.user()
        other = await factory.user()
        post = await make_post(client, author, "pub")
        await block(client, author, other)
        r = await client.get(f"/api/content/posts/{post['id']}", headers=other.headers)
        assert r.status_code == 404
        r = await client.get("/api/content/posts", headers=other.headers)
        assert r.json()["posts"] == []

    async def test_missing_post_is_404_json(self, client: AsyncClient) -> None:
        r = await client.get("/api/content/posts/123456")
        assert r.status_code == 404
        assert r.json()["code"] == "post_not_found"


class TestEditAndDelete:
    async def test_edit_sets_edited_at_and_recomputes(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        mia = await factory.user()
        post = await make_post(client, mia, "look", outfit_items=OUTFIT, occasion="gym")
        before = post["ai_analysis"]["occasion_fit"]["score"]
        r = await client.put(f"/api/content/posts/{post['id']}",
                             json={"occasion": "work", "caption": "new #Tailoring"},
                             headers=mia.headers)
        assert r.status_code == 200
        edited = r.json()["post"]
        assert edited["edited_at"] is not None
        assert edited["hashtags"] == ["tailoring"]
        assert edited["ai_analysis"]["occasion_fit"]["score"] > before

    async def test_others_cannot_edit_or_delete(self, client: AsyncClient,
                                                factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, "mine")
        private = await make_post(client, mia, "mine too", visibility="private")
        r = await client.put(f"/api/content/posts/{post['id']}", json={"caption": "hacked"},
                             headers=zoe.headers)
        assert r.status_code == 403
        r = await client.delete(f"/api/content/posts/{post['id']}", headers=zoe.headers)
        assert r.status_code == 403
        r = await client.put(f"/api/content/posts/{private['id']}", json={"caption": "x"},
                             headers=zoe.headers)
        assert r.status_code == 404
        r = await client.get(f"/api/content/posts/{post['id']}")
        assert r.json()["post"]["caption"] == "mine"

    async def test_delete_hides_and_fixes_count(self, client: AsyncClient, factory: Factory,
                                                platform: Any) -> None:
        mia = await factory.user()
        post = await make_post(client, mia, "bye #gone")
        await make_post(client, mia, "stay")
        assert await posts_count(platform, mia.id) == 2
        r = await client.delete(f"/api/content/posts/{post['id']}", headers=mia.headers)
        assert r.status_code == 200
        assert await posts_count(platform, mia.id) == 1
        r = await client.get(f"/api/content/posts/{post['id']}", headers=mia.headers)
        assert r.status_code == 404
        r = await client.delete(f"/api/content/posts/{post['id']}", headers=mia.headers)
        assert r.status_code == 404
        tags = await platform.db.read(lambda s: s.scalars(select(PostHashtag.tag)).all())
        assert tags == []

    async def test_draft_then_publish(self, client: AsyncClient, factory: Factory,
                                      platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user("zoe_draft")
        draft = await make_post(client, mia, "soon @zoe_draft #wip", is_draft=True)
        assert draft["published_at"] is None
        assert await posts_count(platform, mia.id) == 0
        assert await notifications(client, zoe) == []
        r = await client.get(f"/api/content/posts/{draft['id']}", headers=zoe.headers)
        assert r.status_code == 404
        r = await client.get("/api/content/posts?drafts=true", headers=mia.headers)
        assert [p["id"] for p in r.json()["posts"]] == [draft["id"]]
        r = await client.get("/api/content/posts", headers=mia.headers)
        assert r.json()["posts"] == []
        r = await client.put(f"/api/content/posts/{draft['id']}", json={"is_draft": False},
                             headers=mia.headers)
        assert r.status_code == 200
        assert r.json()["post"]["published_at"] is not None
        assert await posts_count(platform, mia.id) == 1
        assert [n["type"] for n in await notifications(client, zoe)] == ["mention"]
        r = await client.put(f"/api/content/posts/{draft['id']}", json={"is_draft": True},
                             headers=mia.headers)
        assert r.status_code == 400


class TestListing:
    async def test_filters_and_sorts(self, client: AsyncClient, factory: Factory,
                                     platform: Any) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        fans = await factory.users(3)
        a = await make_post(client, mia, "old but loved #denim")
        b = await make_post(client, zoe, "newer #denim #street", post_type="style_tip")
        c = await make_post(client, zoe, "newest")
        for fan in fans:
            r = await client.post(f"/api/content/posts/{a['id']}/likes", headers=fan.headers)
            assert r.status_code == 201
        r = await client.get("/api/content/posts?sort=new")
        assert [p["id"] for p in r.json()["posts"]] == [c["id"], b["id"], a["id"]]
        assert r.json()["pagination"]["total"] == 3
        r = await client.get("/api/content/posts?sort=top")
        assert r.json()["posts"][0]["id"] == a["id"]
        r = await client.get("/api/content/posts?sort=hot")
        assert r.json()["posts"][0]["id"] == a["id"]
        r = await client.get("/api/content/posts?tag=%23Denim")
        assert {p["id"] for p in r.json()["posts"]} == {a["id"], b["id"]}
        r = await client.get(f"/api/content/posts?user_id={zoe.id}")
        assert {p["id"] for p in r.json()["posts"]} == {b["id"], c["id"]}
        r = await client.get("/api/content/posts?type=style_tip")
        assert [p["id"] for p in r.json()["posts"]] == [b["id"]]
        r = await client.get("/api/content/posts?per_page=1&page=2")
        assert r.json()["pagination"] == {"page": 2, "per_page": 1, "total": 3, "pages": 3,
                                          "has_next": True, "has_prev": True}
        r = await client.get("/api/content/posts?per_page=101")
        assert r.status_code == 422
        r = await client.get("/api/content/posts?sort=random")
        assert r.status_code == 422

    async def test_viewer_block_in_listing(self, client: AsyncClient, factory: Factory) -> None:
        mia = await factory.user()
        zoe = await factory.user()
        post = await make_post(client, mia, "x")
        await client.post(f"/api/content/posts/{post['id']}/likes", json={"like_type": "fire"},
                          headers=zoe.headers)
        await client.post(f"/api/content/posts/{post['id']}/saves", headers=zoe.headers)
        r = await client.get("/api/content/posts", headers=zoe.headers)
        assert r.json()["posts"][0]["viewer"] == {"liked": True, "like_type": "fire",
                                                  "saved": True, "shared": False}
        r = await client.get("/api/content/posts")
        assert r.json()["posts"][0]["viewer"]["liked"] is False

    async def test_listing_query_count_is_bounded(self, client: AsyncClient, factory: Factory,
                                                  platform: Any) -> None:
        """Twenty posts cost the same number of queries as two (batch loads, no N+1)."""
        from sqlalchemy import event

        users = await factory.users(4)
        for i in range(20):
            await make_post(client, users[i % 4], f"post {i} #tag{i % 3}")
        from tanvi_social.core.jobs import runner_of

        await runner_of(platform).drain()  # the posts' search indexing must not be counted
        engine = platform.db.sync_engine if platform.db.is_sqlite else \
            platform.db.async_engine.sync_engine
        # sort=new: the cached listing's cold read (the cache emptied before each request);
        # sort=hot: the full read
        for sort in ("new", "hot"):
            counts = []
            for per_page in (2, 20):
                statements: list[str] = []

                def count(*args: Any, statements: list[str] = statements) -> None:
                    statements.append(args[2])

                await platform.cache.clear()
                event.listen(engine, "before_cursor_execute", count)
                try:
                    r = await client.get(f"/api/content/posts?per_page={per_page}&sort={sort}",
                                         headers=users[0].headers)
                finally:
                    event.remove(engine, "before_cursor_execute", count)
                assert len(r.json()["posts"]) == per_page
                assert r.headers["x-cache"] == "miss"
                counts.append(len(statements))
            assert counts[0] == counts[1], sort


async def test_hashtags_rows_follow_the_post(client: AsyncClient, factory: Factory,
                                             platform: Any) -> None:
    mia = await factory.user()
    post = await make_post(client, mia, "#One #two #one #3 x#no")
    rows = await platform.db.read(lambda s: sorted(s.scalars(select(PostHashtag.tag)).all()))
    assert rows == ["one", "two"]
    stored = await platform.db.read(lambda s: s.get(Post, post["id"]).hashtags)
    assert stored == ["one", "two"]


async def test_public_page_escapes_html(client: AsyncClient, factory: Factory) -> None:
    mia = await factory.user()
    post = await make_post(client, mia, "<script>alert(1)</script> & co")
    r = await client.get(f"/p/{post['id']}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in r.text
    private = await make_post(client, mia, "hush", visibility="private")
    r = await client.get(f"/p/{private['id']}")
    assert r.status_code == 404
    assert "hush" not in r.text


async def test_community_posts_follow_community_access(client: AsyncClient,
                                                       factory: Factory) -> None:
    owner = await factory.user()
    outsider = await factory.user()
    r = await client.post("/api/community/communities",
                          json={"name": "Quiet closet", "privacy": "private"},
                          headers=owner.headers)
    assert r.status_code == 201, r.text
    cid = r.json()["community"]["id"]
    r = await client.post("/api/content/posts", json={"caption": "members only",
                                                      "community_id": cid},
                          headers=outsider.headers)
    assert r.status_code == 404
    post = await make_post(client, owner, "members only", community_id=cid)
    assert (await client.get(f"/api/content/posts/{post['id']}",
                             headers=outsider.headers)).status_code == 404
    r = await client.get(f"/api/content/posts?community_id={cid}", headers=outsider.headers)
    assert r.json()["posts"] == []
    r = await client.get(f"/api/content/posts?community_id={cid}", headers=owner.headers)
    assert [p["id"] for p in r.json()["posts"]] == [post["id"]]


async def test_listing_total_is_capped_but_has_next_stays_right(
        client: AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past COUNT_CAP the listing's total is a lower bound; paging still reaches the end."""
    from tanvi_social.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    mia = await factory.user()
    for i in range(8):
        await make_post(client, mia, f"capped {i}")
    first = (await client.get("/api/content/posts?per_page=2", headers=mia.headers)).json()
    assert first["pagination"]["total"] == 6  # at least six: counted to the cap, plus one
    assert first["pagination"]["has_next"] is True
    seen = [p["id"] for p in first["posts"]]
    page = 1
    while True:
        page += 1
        body = (await client.get(f"/api/content/posts?per_page=2&page={page}",
                                 headers=mia.headers)).json()
        seen += [p["id"] for p in body["posts"]]
        if not body["pagination"]["has_next"]:
            break
    assert page == 4
    assert body["pagination"]["total"] == 8  # the last page counts exactly
    assert len(set(seen)) == 8
