"""Occasion / season / weather / formality / price filters on the "for you" feed, the home
timeline and search (query parameters and in-query operators)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.factories import Factory
from tests.outfit_world import BAD_VALUES, CASES, build

FOR_YOU = "/api/inspiration/feed"
TIMELINE = "/api/inspiration/feed/following"
SEARCH = "/api/search"


class TestForYouFilters:
    async def test_each_filter_keeps_exactly_its_matches(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        w = await build(client, factory)
        r = await client.get(FOR_YOU, params={"limit": 100}, headers=w.me.headers)
        assert {i["post"]["id"] for i in r.json()["items"]} == set(w.posts.values())
        for params, names in CASES:
            r = await client.get(FOR_YOU, params={**params, "limit": 100}, headers=w.me.headers)
            assert r.status_code == 200, (params, r.text)
            got = {i["post"]["id"] for i in r.json()["items"]}
            assert got == w.ids(*names), (params, got)

    async def test_cursor_pages_keep_the_filter(self, client: AsyncClient,
                                                factory: Factory) -> None:
        w = await build(client, factory)
        params = {"weather": "rain", "limit": 2}
        r = await client.get(FOR_YOU, params=params, headers=w.me.headers)
        first = [i["post"]["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        assert len(first) == 2
        assert cursor
        r = await client.get(FOR_YOU, params={**params, "cursor": cursor}, headers=w.me.headers)
        second = [i["post"]["id"] for i in r.json()["items"]]
        assert set(first) | set(second) == w.ids("commute", "anytime", "tagged")
        assert r.json()["next_cursor"] is None

    async def test_unknown_values_are_422(self, client: AsyncClient, factory: Factory) -> None:
        me = await factory.user()
        for name, value in BAD_VALUES:
            for url in (FOR_YOU, TIMELINE):
                r = await client.get(url, params={name: value}, headers=me.headers)
                assert r.status_code == 422, (url, name, r.text)
                assert r.json()["code"] == "validation_error"
                assert any(d["loc"][-1] == name for d in r.json()["details"])


class TestTimelineFilters:
    async def test_each_filter_keeps_exactly_its_matches(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        w = await build(client, factory)
        for params, names in CASES:
            r = await client.get(TIMELINE, params={**params, "limit": 100}, headers=w.me.headers)
            assert r.status_code == 200, (params, r.text)
            got = sorted((i["type"], i["post"]["id"]) for i in r.json()["items"])
            expected = [("post", i) for i in w.ids(*names)]
            if "beach" in names:  # zoe's repost shows the beach look
                expected.append(("repost", w.posts["beach"]))
            assert got == sorted(expected), (params, got)

    async def test_newest_first_and_paged(self, client: AsyncClient, factory: Factory) -> None:
        w = await build(client, factory)
        params = {"weather": "cold", "limit": 2}
        r = await client.get(TIMELINE, params=params, headers=w.me.headers)
        assert r.json()["source"] == "computed"
        first = [i["post"]["id"] for i in r.json()["items"]]
        assert first == [w.posts["tagged"], w.posts["snow"]]
        r = await client.get(TIMELINE, params={**params, "cursor": r.json()["next_cursor"]},
                             headers=w.me.headers)
        assert [i["post"]["id"] for i in r.json()["items"]] == [w.posts["gala"]]
        assert r.json()["next_cursor"] is None

    async def test_blocked_author_stays_out(self, client: AsyncClient, factory: Factory) -> None:
        w = await build(client, factory)
        r = await client.post("/api/social/blocks", json={"user_id": w.me.id},
                              headers=w.zoe.headers)
        assert r.status_code == 201, r.text
        r = await client.get(TIMELINE, params={"weather": "rain"}, headers=w.me.headers)
        assert [i["post"]["id"] for i in r.json()["items"]] == [w.posts["commute"]]


async def _search(client: AsyncClient, params: dict[str, str]) -> set[int]:
    r = await client.get(SEARCH, params=params)
    assert r.status_code == 200, (params, r.text)
    return {hit["id"] for hit in r.json()["results"]}


class TestSearchFilters:
    async def test_parameters_and_operators_keep_exactly_the_matches(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        w = await build(client, factory)
        assert await _search(client, {"q": "look"}) == set(w.posts.values())
        for params, names in CASES:
            expected = w.ids(*names)
            assert await _search(client, {"q": "look", **params}) == expected, params
            operators = " ".join(f"{k}:{v}" for k, v in params.items())
            assert await _search(client, {"q": f"look {operators}"}) == expected, operators
            # outfit operators alone: the newest matching posts
            assert await _search(client, {"q": operators}) == expected, operators

    async def test_operators_are_echoed_and_text_still_counts(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        w = await build(client, factory)
        r = await client.get(SEARCH, params={"q": "rainy season:autumn", "price": "mid"})
        assert [h["id"] for h in r.json()["results"]] == [w.posts["commute"]]
        assert r.json()["operators"] == {"season": "autumn", "price": "mid_range"}
        assert await _search(client, {"q": "beach weather:rain"}) == set()
        r = await client.get(SEARCH, params={"q": "weather:cold"})
        assert [h["id"] for h in r.json()["results"]] == [
            w.posts["tagged"], w.posts["snow"], w.posts["gala"]]

    async def test_bad_operators_and_parameters_are_422(self, client: AsyncClient) -> None:
        r = await client.get(SEARCH, params={"q": "look weather:snow"})
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_filter"
        assert r.json()["details"][0]["loc"] == ["query", "q", "weather"]
        r = await client.get(SEARCH, params={"q": "look season:winter", "season": "summer"})
        assert r.status_code == 422
        assert r.json()["code"] == "conflicting_filter"
        r = await client.get(SEARCH, params={"q": "mia", "type": "profiles", "season": "winter"})
        assert r.status_code == 422
        assert r.json()["code"] == "filter_not_applicable"
        for name, value in BAD_VALUES:
            r = await client.get(SEARCH, params={"q": "look", name: value})
            assert r.status_code == 422, (name, r.text)
            assert r.json()["code"] == "validation_error"
