"""Saved filters: owner-only CRUD, validation, the per-account cap, running a filter, and the
notification a new matching post sends (exactly once, only to owners who may see it)."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.core.jobs import runner_of
from tanvi_social.inspiration import saved_filters
from tanvi_social.social.models import Notification
from tests.factories import Factory, TestUser

URL = "/api/inspiration/saved-filters"
RAIN_AT_WORK = {"name": "Rainy office", "weather": "rain", "occasion": "office"}
COMMUTE = {"caption": "Commute", "occasion": "work", "season": "autumn",
           "outfit_items": [{"name": "Yellow raincoat", "category": "outerwear",
                             "price_band": "mid_range"}]}


async def save(client: AsyncClient, user: TestUser, **body: Any) -> dict[str, Any]:
    r = await client.post(URL, json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return dict(r.json()["saved_filter"])


async def publish(client: AsyncClient, user: TestUser, **body: Any) -> int:
    r = await client.post("/api/content/posts", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["post"]["id"])


async def matches(client: AsyncClient, user: TestUser) -> list[dict[str, Any]]:
    r = await client.get("/api/social/notifications", headers=user.headers)
    assert r.status_code == 200, r.text
    return [n for n in r.json()["notifications"] if n["type"] == "saved_filter_match"]


class TestCrud:
    async def test_create_list_get_delete(self, client: AsyncClient, factory: Factory) -> None:
        ana = await factory.user()
        created = await save(client, ana, name="  Budget  summer ", season="summer",
                             price_band="mid", query="linen")
        assert created["name"] == "Budget summer"
        assert (created["season"], created["price"], created["price_band"]) == (
            "summer", "mid_range", "mid_range")
        assert created["notify"] is True
        assert created["match_count"] == 0
        rain = await save(client, ana, **RAIN_AT_WORK, notify=False)
        assert rain["occasion"] == "work"  # alias stored as the canonical occasion
        r = await client.get(URL, headers=ana.headers)
        assert [f["id"] for f in r.json()["saved_filters"]] == [rain["id"], created["id"]]
        assert r.json()["limit"] == 20
        r = await client.get(f"{URL}/{rain['id']}", headers=ana.headers)
        assert r.json()["saved_filter"]["weather"] == "rain"
        r = await client.delete(f"{URL}/{rain['id']}", headers=ana.headers)
        assert r.status_code == 200
        assert (await client.get(f"{URL}/{rain['id']}", headers=ana.headers)).status_code == 404
        r = await client.get(URL, headers=ana.headers)
        assert [f["id"] for f in r.json()["saved_filters"]] == [created["id"]]

    async def test_operators_in_the_query_become_fields(self, client: AsyncClient,
                                                        factory: Factory) -> None:
        ana = await factory.user()
        f = await save(client, ana, name="Winter", query="wool season:winter max_price:mid")
        assert (f["season"], f["max_price"], f["query"]) == (
            "winter", "mid_range", "wool season:winter max_price:mid")
        r = await client.post(URL, headers=ana.headers, json={
            "name": "Clash", "season": "summer", "query": "season:winter"})
        assert r.status_code == 422
        assert r.json()["code"] == "conflicting_filter"

    async def test_someone_elses_filter_is_404(self, client: AsyncClient,
                                               factory: Factory) -> None:
        ana, bob = await factory.users(2)
        f = await save(client, ana, **RAIN_AT_WORK)
        for method, path in (("GET", f"{URL}/{f['id']}"), ("GET", f"{URL}/{f['id']}/posts"),
                             ("DELETE", f"{URL}/{f['id']}")):
            r = await client.request(method, path, headers=bob.headers)
            assert r.status_code == 404, (method, path)
            assert r.json()["code"] == "saved_filter_not_found"
        assert (await client.get(URL, headers=bob.headers)).json()["saved_filters"] == []
        assert (await client.get(f"{URL}/{f['id']}", headers=ana.headers)).status_code == 200
        assert (await client.get(URL)).status_code == 401

    async def test_invalid_bodies_are_422(self, client: AsyncClient, factory: Factory) -> None:
        ana = await factory.user()
        for body, code in (({"name": "x", "weather": "snow"}, "validation_error"),
                           ({"name": "x", "price": "cheap"}, "validation_error"),
                           ({"name": "x", "season": "summer", "colour": "red"},
                            "validation_error"),
                           ({"name": " ", "season": "summer"}, "validation_error"),
                           ({"name": "x"}, "empty_saved_filter"),
                           ({"name": "x", "query": "linen"}, "notify_needs_filter"),
                           ({"name": "x", "query": "linen weather:snow"}, "invalid_filter")):
            r = await client.post(URL, json=body, headers=ana.headers)
            assert r.status_code == 422, (body, r.text)
            assert r.json()["code"] == code, (body, r.json())
        assert (await client.get(URL, headers=ana.headers)).json()["saved_filters"] == []
        # text-only is fine without notifications
        assert (await save(client, ana, name="x", query="linen", notify=False))["query"] == "linen"

    async def test_cap_and_duplicate_names_are_409(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        ana, bob = await factory.users(2)
        for i in range(20):
            await save(client, ana, name=f"f{i}", season="summer")
        r = await client.post(URL, json={"name": "one more", "season": "summer"},
                              headers=ana.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "saved_filter_limit"
        assert len((await client.get(URL, headers=ana.headers)).json()["saved_filters"]) == 20
        await save(client, bob, name="f0", season="summer")  # names are per account
        r = await client.post(URL, json={"name": "f0", "season": "winter"}, headers=bob.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "duplicate_saved_filter"


class TestRunningAFilter:
    async def test_posts_match_and_respect_visibility(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        ana, mia = await factory.users(2)
        f = await save(client, ana, **RAIN_AT_WORK, notify=False)
        hit = await publish(client, mia, **COMMUTE)
        await publish(client, mia, caption="Beach", season="summer")
        await publish(client, mia, **{**COMMUTE, "visibility": "private"})
        r = await client.get(f"{URL}/{f['id']}/posts", headers=ana.headers)
        assert r.status_code == 200
        assert [p["id"] for p in r.json()["posts"]] == [hit]
        assert r.json()["pagination"]["total"] == 1
        assert r.json()["saved_filter"]["id"] == f["id"]

    async def test_search_text_narrows_the_posts(self, client: AsyncClient,
                                                 factory: Factory, platform: Any) -> None:
        ana, mia = await factory.users(2)
        f = await save(client, ana, name="Linen summer", season="summer", query="linen")
        linen = await publish(client, mia, caption="Linen co-ord", season="summer")
        await publish(client, mia, caption="Cotton co-ord", season="summer")
        await publish(client, mia, caption="Linen coat", season="winter")
        await runner_of(platform).drain()  # search indexing runs in a job
        r = await client.get(f"{URL}/{f['id']}/posts", headers=ana.headers)
        assert [p["id"] for p in r.json()["posts"]] == [linen]


class TestNotifications:
    async def test_a_matching_post_notifies_the_owner_once(self, client: AsyncClient,
                                                           factory: Factory,
                                                           platform: Any) -> None:
        ana, mia = await factory.users(2)
        first = await save(client, ana, **RAIN_AT_WORK)
        second = await save(client, ana, name="Any rain", weather="rain")
        post_id = await publish(client, mia, **COMMUTE)
        notes = await matches(client, ana)
        assert len(notes) == 1  # two of ana's filters match: one notification
        note = notes[0]
        assert (note["target_type"], note["target_id"]) == ("post", post_id)
        assert note["actor"]["user_id"] == mia.id
        assert note["data"]["saved_filter_ids"] == [first["id"], second["id"]]
        assert note["data"]["saved_filter_name"] == "Rainy office"
        assert note["text"] == f"{note['actor']['display_name'] or mia.username} posted a look " \
                               "matching your saved filter"
        r = await client.get(f"{URL}/{first['id']}", headers=ana.headers)
        assert r.json()["saved_filter"]["match_count"] == 1
        assert r.json()["saved_filter"]["last_matched_at"] is not None
        assert await matches(client, mia) == []  # the author has no filter: nothing
        count = await platform.db.read(lambda s: s.scalar(
            select(func.count()).select_from(Notification).where(
                Notification.type == "saved_filter_match")))
        assert count == 1

    async def test_non_matching_posts_do_not_notify(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        ana, mia = await factory.users(2)
        await save(client, ana, **RAIN_AT_WORK)
        await save(client, ana, name="Linen", season="summer", query="linen")
        await save(client, ana, name="Off", weather="rain", notify=False)
        await publish(client, mia, caption="Beach", season="summer", occasion="beach")
        await publish(client, mia, **{**COMMUTE, "occasion": "date"})  # rain, not work
        await publish(client, mia, caption="Cotton", season="summer")  # no "linen"
        r = await client.post("/api/content/posts", headers=mia.headers,
                              json={**COMMUTE, "is_draft": True})
        draft = r.json()["post"]["id"]
        assert await matches(client, ana) == []
        # publishing the draft is its creation for followers and filters alike
        r = await client.put(f"/api/content/posts/{draft}", headers=mia.headers,
                             json={"is_draft": False})
        assert r.status_code == 200, r.text
        assert [n["target_id"] for n in await matches(client, ana)] == [draft]

    async def test_posts_the_owner_may_not_see_do_not_notify(self, client: AsyncClient,
                                                             factory: Factory) -> None:
        ana, mia, zoe, kim = await factory.users(4)
        await save(client, ana, **RAIN_AT_WORK)
        await publish(client, mia, **{**COMMUTE, "visibility": "private"})
        await publish(client, mia, **{**COMMUTE, "visibility": "followers"})
        r = await client.post("/api/social/blocks", json={"user_id": ana.id},
                              headers=zoe.headers)
        assert r.status_code == 201
        await publish(client, zoe, **COMMUTE)  # zoe blocked ana
        r = await client.post("/api/social/blocks", json={"user_id": kim.id},
                              headers=ana.headers)
        assert r.status_code == 201
        await publish(client, kim, **COMMUTE)  # ana blocked kim
        assert await matches(client, ana) == []
        # once ana follows mia, mia's followers-only posts notify her
        r = await client.post("/api/social/connections", json={"user_id": mia.id},
                              headers=ana.headers)
        assert r.status_code == 201
        followers_only = await publish(client, mia, **{**COMMUTE, "visibility": "followers"})
        assert [n["target_id"] for n in await matches(client, ana)] == [followers_only]

    async def test_muted_words_keep_a_post_out(self, client: AsyncClient,
                                               factory: Factory) -> None:
        ana, mia = await factory.users(2)
        await save(client, ana, **RAIN_AT_WORK)
        r = await client.post("/api/social/muted-words", json={"phrase": "commute"},
                              headers=ana.headers)
        assert r.status_code == 201, r.text
        await publish(client, mia, **COMMUTE)  # caption "Commute"
        assert await matches(client, ana) == []
        other = await publish(client, mia, **{**COMMUTE, "caption": "Office day"})
        assert [n["target_id"] for n in await matches(client, ana)] == [other]

    async def test_never_about_ones_own_post_and_not_for_reposts(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        ana, mia = await factory.users(2)
        await save(client, ana, **RAIN_AT_WORK)
        await save(client, mia, **RAIN_AT_WORK)
        own = await publish(client, ana, **COMMUTE)
        assert await matches(client, ana) == []
        r = await client.post(f"/api/content/posts/{own}/shares", json={"share_type": "repost"},
                              headers=mia.headers)
        assert r.status_code == 201
        assert [n["target_id"] for n in await matches(client, mia)] == [own]  # the post only

    async def test_deleted_filter_stops_notifying(self, client: AsyncClient,
                                                  factory: Factory) -> None:
        ana, mia = await factory.users(2)
        f = await save(client, ana, **RAIN_AT_WORK)
        r = await client.delete(f"{URL}/{f['id']}", headers=ana.headers)
        assert r.status_code == 200
        await publish(client, mia, **COMMUTE)
        assert await matches(client, ana) == []


class TestSkippingPostsNoFilterCanMatch:
    """The publish watcher (`concerns_post`) answers inside the create's unit of work; the
    `post.created` step opens its own unit of work only when it said yes."""

    @pytest.fixture
    def runs(self, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        calls: list[int] = []
        real = saved_filters.match_new_post

        def spy(session: Any, post_id: int, *args: Any, **kwargs: Any) -> Any:
            calls.append(post_id)
            return real(session, post_id, *args, **kwargs)

        monkeypatch.setattr(saved_filters, "match_new_post", spy)
        return calls

    async def test_no_unit_of_work_without_a_filter_keyed_on_the_posts_values(
        self, client: AsyncClient, factory: Factory, runs: list[int]
    ) -> None:
        ana, mia = await factory.users(2)
        await publish(client, mia, **COMMUTE)  # no saved filter anywhere
        await save(client, ana, name="Beach days", occasion="beach")
        await save(client, ana, name="Off", weather="rain", notify=False)  # notify off: no key
        await save(client, mia, **RAIN_AT_WORK)  # the author's own filter
        await publish(client, mia, **COMMUTE)
        await publish(client, mia, caption="Just words, no outfit values")
        assert runs == []
        assert await matches(client, ana) == []

    async def test_a_filter_keyed_on_one_of_its_values_still_runs_and_notifies(
        self, client: AsyncClient, factory: Factory, runs: list[int]
    ) -> None:
        ana, mia = await factory.users(2)
        await save(client, ana, name="Work", occasion="work", season="winter")
        # keyed on occasion:work, but the season does not match: the matcher runs, sends nothing
        first = await publish(client, mia, **COMMUTE)
        assert runs == [first]
        assert await matches(client, ana) == []
        await save(client, ana, **RAIN_AT_WORK)  # created after a skip: the next post matches
        second = await publish(client, mia, **COMMUTE)
        assert runs == [first, second]
        assert [n["target_id"] for n in await matches(client, ana)] == [second]

    async def test_a_published_draft_is_asked_with_its_values(
        self, client: AsyncClient, factory: Factory, runs: list[int]
    ) -> None:
        ana, mia = await factory.users(2)
        r = await client.post("/api/content/posts", headers=mia.headers,
                              json={**COMMUTE, "is_draft": True})
        draft = r.json()["post"]["id"]
        await save(client, ana, **RAIN_AT_WORK)
        r = await client.put(f"/api/content/posts/{draft}", headers=mia.headers,
                             json={"is_draft": False})
        assert r.status_code == 200, r.text
        assert runs == [draft]
        assert [n["target_id"] for n in await matches(client, ana)] == [draft]

    def test_an_event_nobody_was_asked_about_concerns_everyone(self) -> None:
        from tanvi_social.content.events import PostCreated

        assert PostCreated(post_id=1, author_id=2).concerns(saved_filters.WATCHER)
        asked = PostCreated(post_id=1, author_id=2, interested=())
        assert not asked.concerns(saved_filters.WATCHER)
        assert PostCreated(post_id=1, author_id=2,
                           interested=(saved_filters.WATCHER,)).concerns(saved_filters.WATCHER)


class TestLargeMatches:
    async def test_owners_past_the_inline_limit_are_notified_by_the_job_once(
        self, client: AsyncClient, factory: Factory, platform: Any,
        monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(saved_filters, "INLINE_OWNERS", 2)
        monkeypatch.setattr(saved_filters, "JOB_CHUNK", 1)
        mia = await factory.user()
        owners = await factory.users(5)
        for owner in owners:
            await save(client, owner, **RAIN_AT_WORK)
        r = await client.post("/api/social/mutes", json={"user_id": mia.id},
                              headers=owners[3].headers)
        assert r.status_code == 201, r.text
        post_id = await publish(client, mia, **COMMUTE)
        await runner_of(platform).drain()
        assert runner_of(platform).stats[saved_filters.JOB_NAME].succeeded == 1
        counts = [len(await matches(client, o)) for o in owners]
        assert counts == [1, 1, 1, 0, 1]  # owners[3] muted mia
        # a retried or repeated run notifies nobody twice
        await saved_filters.notify_job(platform, post_id=post_id, after_owner=0)
        assert [len(await matches(client, o)) for o in owners] == counts
