from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.orm import Session

from tanvi_social.content.models import Post
from tanvi_social.core.jobs import enqueue, runner_of
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import search
from tests.factories import Factory
from tests.inspiration.world import World

SEARCH = "/api/search"


async def ids(client: AsyncClient, q: str, type: str = "posts",
              headers: dict | None = None) -> list:
    r = await client.get(SEARCH, params={"q": q, "type": type}, headers=headers or {})
    assert r.status_code == 200, r.text
    return [hit["id"] for hit in r.json()["results"]]


class TestPostSearch:
    async def test_caption_word_brand_colour_category(self, client: AsyncClient,
                                                      factory: Factory, world: World) -> None:
        ana = await factory.user()
        linen = await world.post(ana.id, "Breezy linen co-ord for the weekend market",
                                 hashtags=["summer"],
                                 outfit_items=[{"category": "trousers", "brand": "Arket",
                                                "colour": "sage"}])
        other = await world.post(ana.id, "Velvet blazer evening", hashtags=["nightout"],
                                 outfit_items=[{"category": "blazer", "brand": "Zara",
                                                "colour": "burgundy"}])
        assert await ids(client, "linen") == [linen]
        assert await ids(client, "weekends") == [linen]  # stemmed
        assert await ids(client, "brand:arket") == [linen]
        assert await ids(client, "brand:zara") == [other]
        assert await ids(client, "colour:sage") == [linen]
        assert await ids(client, "category:blazer") == [other]
        assert await ids(client, "#nightout") == [other]
        assert await ids(client, "velvet brand:arket") == []
        r = await client.get(SEARCH, params={"q": "colour:sage"})
        assert r.json()["operators"] == {"colours": "sage"}
        assert r.json()["results"][0]["post"]["author"]["id"] == ana.id

    async def test_ranked_by_relevance(self, client: AsyncClient, factory: Factory,
                                       world: World) -> None:
        ana = await factory.user()
        weak = await world.post(ana.id, "a quiet look with a touch of linen somewhere in it today")
        strong = await world.post(ana.id, "linen linen linen", title="Linen edit",
                                  hashtags=["linen"])
        assert await ids(client, "linen") == [strong, weak]

    async def test_private_and_deleted_never_found(self, client: AsyncClient, factory: Factory,
                                                   world: World) -> None:
        ana, bob = await factory.users(2)
        private = await world.post(ana.id, "secret linen draft", visibility="private")
        followers = await world.post(ana.id, "followers linen", visibility="followers")
        public = await world.post(ana.id, "public linen")
        assert await ids(client, "linen") == [public]
        assert await ids(client, "linen", headers=bob.headers) == [public]
        assert set(await ids(client, "linen", headers=ana.headers)) == {private, followers, public}
        await world.follow(bob.id, ana.id)
        assert set(await ids(client, "linen", headers=bob.headers)) == {followers, public}
        await world.delete(public)
        assert public not in await ids(client, "linen", headers=ana.headers)
        rows = await world.platform.db.read(lambda s: s.execute(
            __import__("sqlalchemy").text(
                "SELECT count(*) FROM search_documents WHERE kind='post' AND ref_id=:i"),
            {"i": public}).scalar())
        assert rows == 0

    async def test_edit_reindexes(self, client: AsyncClient, factory: Factory,
                                  world: World) -> None:
        ana = await factory.user()
        pid = await world.post(ana.id, "denim jacket")
        await world.edit(pid, caption="corduroy jacket")
        assert await ids(client, "corduroy") == [pid]
        assert await ids(client, "denim") == []

    async def test_blocked_author_hidden(self, client: AsyncClient, factory: Factory,
                                         world: World) -> None:
        ana, bob = await factory.users(2)
        await world.post(ana.id, "linen")
        await world.block(ana.id, bob.id)
        assert await ids(client, "linen", headers=bob.headers) == []


class TestProfileAndTagSearch:
    async def test_profile_by_misspelt_name(self, client: AsyncClient, factory: Factory) -> None:
        amelia = await factory.user("amelia_styles")
        await factory.user("priya_wears")
        assert await ids(client, "amelia", "profiles") == [amelia.id]
        assert await ids(client, "amelai", "profiles") == [amelia.id]
        assert await ids(client, "amellia styles", "profiles") == [amelia.id]
        assert await ids(client, "xyzzy", "profiles") == []

    async def test_blocked_profile_not_found(self, client: AsyncClient, factory: Factory,
                                             world: World) -> None:
        amelia, bob = await factory.user("amelia_x"), await factory.user()
        await world.block(amelia.id, bob.id)
        assert await ids(client, "amelia", "profiles", bob.headers) == []

    async def test_tags_by_prefix_with_counts(self, client: AsyncClient, factory: Factory,
                                              world: World) -> None:
        ana = await factory.user()
        for _ in range(2):
            await world.post(ana.id, "x", hashtags=["linenlove"])
        await world.post(ana.id, "x", hashtags=["linen"])
        r = await client.get(SEARCH, params={"q": "#line", "type": "tags"})
        assert [(h["detail"]["tag"], h["detail"]["posts"]) for h in r.json()["results"]] == [
            ("linenlove", 2), ("linen", 1)]

    async def test_validation(self, client: AsyncClient) -> None:
        assert (await client.get(SEARCH, params={"q": ""})).status_code == 422
        assert (await client.get(SEARCH, params={"q": "x", "type": "nope"})).status_code == 422
        r = await client.get(SEARCH, params={"q": '"*:)(-^ OR AND NEAR'})
        assert r.status_code == 200


class TestCommunitySearch:
    async def test_by_word_and_typo_secret_hidden(self, client: AsyncClient,
                                                  factory: Factory) -> None:
        owner, other = await factory.users(2)
        for name, privacy in (("Linen Lovers Club", "public"), ("Secret Linen Society", "secret"),
                              ("Denim Daily", "public")):
            r = await client.post("/api/community/communities", headers=owner.headers,
                                  json={"name": name, "privacy": privacy,
                                        "description": "all about natural fabrics"})
            assert r.status_code == 201, r.text
        titles = [h["title"] for h in (await client.get(SEARCH, params={
            "q": "linen", "type": "communities"}, headers=other.headers)).json()["results"]]
        assert titles == ["Linen Lovers Club"]
        owner_titles = [h["title"] for h in (await client.get(SEARCH, params={
            "q": "linen", "type": "communities"}, headers=owner.headers)).json()["results"]]
        assert set(owner_titles) == {"Linen Lovers Club", "Secret Linen Society"}
        typo = (await client.get(SEARCH, params={"q": "denmi daily", "type": "communities"}))
        assert [h["title"] for h in typo.json()["results"]] == ["Denim Daily"]


class TestBackgroundIndexing:
    async def test_posts_created_through_the_api_are_indexed_by_the_job(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        ana = await factory.user()
        runner = runner_of(platform)
        before = runner.describe()["jobs"]["inspiration.index_posts"]["succeeded"]
        created = []
        for caption in ("Breezy linen shirt", "Linen trousers and loafers", "Velvet blazer"):
            r = await client.post("/api/content/posts", json={"caption": caption},
                                  headers=ana.headers)
            assert r.status_code == 201, r.text
            created.append(r.json()["post"]["id"])
        await runner.drain()
        assert set(await ids(client, "linen")) == set(created[:2])
        assert await ids(client, "velvet") == [created[2]]
        stats = runner.describe()["jobs"]["inspiration.index_posts"]
        # batches of whatever was queued within the coalescing window: 1 to 3 jobs
        assert 1 <= stats["succeeded"] - before <= 3

    async def test_catch_up_indexes_posts_a_lost_batch_missed(
            self, client: AsyncClient, factory: Factory, world: World, platform: Any) -> None:
        ana = await factory.user()
        edited = await world.post(ana.id, "denim jacket")

        def without_events(session: Session) -> int:
            post = Post(author_id=ana.id, caption="corduroy skirt", created_at=utcnow(),
                        published_at=utcnow())
            session.add(post)
            later = session.get(Post, edited)
            assert later is not None
            later.caption, later.edited_at = "tweed jacket", utcnow()
            session.flush()
            return post.id

        lost = await platform.db.run(without_events)  # no event: as if the batch was lost
        assert await ids(client, "corduroy") == []
        assert await ids(client, "tweed") == []
        await enqueue(platform, "inspiration.index_missing_posts")
        await runner_of(platform).drain()
        assert await ids(client, "corduroy") == [lost]
        assert await ids(client, "tweed") == [edited]
        assert await ids(client, "denim") == []
        # a second run finds nothing left to do
        assert await platform.db.run(search.index_missing_posts,
                                     utcnow() - timedelta(hours=1)) == 0
