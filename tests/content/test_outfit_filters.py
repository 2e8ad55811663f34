"""GET /api/content/posts with occasion / season / weather / formality / price filters."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tanvi_social.content.filters import derive_facets
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import encode, scene
from tests.outfit_world import BAD_VALUES, CASES, build

POSTS = "/api/content/posts"


class TestPostListingFilters:
    async def test_each_filter_keeps_exactly_its_matches(self, client: AsyncClient,
                                                         factory: Factory) -> None:
        w = await build(client, factory)
        r = await client.get(POSTS, params={"per_page": 100})
        everything = {p["id"] for p in r.json()["posts"]}
        assert everything == {*w.posts.values(), w.repost_of_beach}
        for params, names in CASES:
            r = await client.get(POSTS, params={**params, "per_page": 100})
            assert r.status_code == 200, (params, r.text)
            got = {p["id"] for p in r.json()["posts"]}
            expected = w.ids(*names)
            if "beach" in names:  # a repost matches through the post it reposts
                expected.add(w.repost_of_beach)
            assert got == expected, (params, sorted(got), sorted(expected))
            assert r.json()["pagination"]["total"] == len(expected)

    async def test_filters_combine_with_the_other_listing_filters(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        w = await build(client, factory)
        r = await client.get(POSTS, params={"weather": "rain", "user_id": w.zoe.id})
        assert {p["id"] for p in r.json()["posts"]} == w.ids("anytime", "tagged")
        r = await client.get(POSTS, params={"weather": "rain", "type": "repost"})
        assert r.json()["posts"] == []

    async def test_private_posts_stay_hidden_under_a_filter(self, client: AsyncClient,
                                                            factory: Factory) -> None:
        w = await build(client, factory)
        r = await client.post(POSTS, headers=w.mia.headers, json={
            "caption": "Secret", "season": "summer", "visibility": "private"})
        secret = r.json()["post"]["id"]
        r = await client.get(POSTS, params={"season": "summer"}, headers=w.me.headers)
        assert secret not in {p["id"] for p in r.json()["posts"]}
        r = await client.get(POSTS, params={"season": "summer"}, headers=w.mia.headers)
        assert secret in {p["id"] for p in r.json()["posts"]}

    async def test_unknown_values_are_422(self, client: AsyncClient) -> None:
        for name, value in BAD_VALUES:
            r = await client.get(POSTS, params={name: value})
            assert r.status_code == 422, (name, r.text)
            body = r.json()
            assert body["success"] is False
            assert body["code"] == "validation_error"
            assert any(d["loc"][-1] == name for d in body["details"]), body


class TestGarmentTagsChangeTheFilters:
    async def test_tags_added_or_removed_after_posting_count_at_once(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        ana = await factory.user()
        r = await upload(client, ana, encode(scene(3)))
        media_id = r.json()["media"]["id"]
        r = await client.post(POSTS, headers=ana.headers,
                              json={"caption": "New coat", "media_ids": [media_id]})
        post_id = r.json()["post"]["id"]

        async def listed(**params: str) -> bool:
            r = await client.get(POSTS, params=params)
            return post_id in {p["id"] for p in r.json()["posts"]}

        assert not await listed(weather="cold")
        tags = f"/api/media/{media_id}/tags"
        r = await client.post(tags, headers=ana.headers, json={
            "x": 0.5, "y": 0.5, "category": "Puffer", "price_band": "budget"})
        assert r.status_code == 201, r.text
        assert await listed(weather="cold")
        assert await listed(price="budget")
        assert await listed(max_price="budget")
        r = await client.post(tags, headers=ana.headers, json={
            "x": 0.2, "y": 0.8, "category": "bag", "price_band": "luxury"})
        assert not await listed(max_price="budget")
        assert await listed(max_price="luxury")
        r = await client.delete(f"{tags}/{r.json()['tag']['id']}", headers=ana.headers)
        assert r.status_code == 200, r.text
        assert await listed(max_price="budget")
        r = await client.delete(tags, headers=ana.headers)
        assert r.status_code == 200, r.text
        assert not await listed(weather="cold")
        assert not await listed(price="budget")

    async def test_edits_change_what_a_post_matches(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        ana = await factory.user()
        r = await client.post(POSTS, headers=ana.headers, json={
            "caption": "Layers", "season": "winter", "occasion": "date"})
        post_id = r.json()["post"]["id"]
        r = await client.put(f"{POSTS}/{post_id}", headers=ana.headers, json={
            "season": "summer", "occasion": "Night-out",
            "outfit_items": [{"name": "Linen shorts", "price_band": "premium"}]})
        assert r.status_code == 200, r.text
        for params, expected in (({"season": "winter"}, False), ({"weather": "cold"}, False),
                                 ({"season": "summer"}, True), ({"weather": "hot"}, True),
                                 ({"occasion": "party"}, True), ({"occasion": "date"}, False),
                                 ({"price": "premium"}, True)):
            r = await client.get(POSTS, params=params)
            assert (post_id in {p["id"] for p in r.json()["posts"]}) is expected, params


class TestDeriveFacets:
    """The weather and price rules of docs/algorithms.md → "Outfit filters"."""

    @staticmethod
    def derive(**fields: Any) -> set[str]:
        base: dict[str, Any] = {"occasion": None, "season": None, "formality": None,
                                "outfit_items": [], "style_tags": [], "hashtags": []}
        return derive_facets(**{**base, **fields})

    def test_weather_from_season_garment_words_and_tags(self) -> None:
        assert "weather:hot" in self.derive(season="summer")
        assert "weather:mild" in self.derive(season="spring")
        assert not any(f.startswith("weather") for f in self.derive(season="all_season"))
        assert "weather:rain" in self.derive(outfit_items=[{"name": "Yellow rain-coat"}])
        assert "weather:rain" in self.derive(outfit_items=[{"name": "x", "category": "Raincoat"}])
        # whole words only: a "coatigan" is no coat, "tanktop" no tank
        assert self.derive(outfit_items=[{"name": "Coatigan"}, {"name": "Tanktop"}]) == set()
        assert self.derive(garment_tags=[("Snow boots", None)]) >= {"weather:cold"}
        assert "weather:rain" in self.derive(hashtags=["RainyDay"])
        assert "weather:cold" in self.derive(style_tags=["#winter"])

    def test_price_bands_and_caps(self) -> None:
        facets = self.derive(outfit_items=[{"name": "Tee", "price_band": "budget"}],
                             garment_tags=[("bag", "premium"), ("belt", None)])
        assert {f for f in facets if f.startswith("price")} == {"price:budget", "price:premium"}
        assert {f for f in facets if f.startswith("max_price")} == {
            "max_price:premium", "max_price:luxury"}
        assert not any(f.startswith(("price", "max_price"))
                       for f in self.derive(outfit_items=[{"name": "Tee"}]))

    def test_occasion_season_formality(self) -> None:
        assert self.derive(occasion=" Office ") == {"occasion:work"}
        assert self.derive(occasion="black tie") == {"occasion:black_tie"}
        assert self.derive(occasion="picnic") == set()
        assert self.derive(season="all_season") == {
            "season:spring", "season:summer", "season:autumn", "season:winter",
            "season:all_season"}
        assert self.derive(formality="smart_casual") == {"formality:smart_casual"}
