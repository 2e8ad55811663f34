from __future__ import annotations

from httpx import AsyncClient

from tanvi_social.media import service
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import blocks, encode


async def outfit(client: AsyncClient, user) -> dict:
    """Top third sage, middle third white, bottom third navy."""
    img = blocks([("#9caf88", 1 / 3), ("#ffffff", 1 / 3), ("#000080", 1 / 3)], (600, 900))
    r = await upload(client, user, encode(img, quality=95))
    assert r.status_code == 201, r.text
    return r.json()["media"]


class TestGarmentTags:
    async def test_owner_tags_and_everyone_allowed_lists(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await outfit(client, alice)
        url = f"/api/media/{media['id']}/tags"
        r = await client.post(url, headers=alice.headers, json={
            "x": 0.1, "y": 0.05, "w": 0.8, "h": 0.25, "category": "Blazer", "brand": " Zara ",
            "price_band": "mid_range", "link": "https://shop.example/blazer", "fit": "small"})
        assert r.status_code == 201, r.text
        tag = r.json()["tag"]
        assert tag["colour"] == "sage"  # measured from the photo inside the box
        assert tag["brand"] == "Zara"
        assert tag["fit"] == "small"
        r = await client.post(url, headers=alice.headers, json={
            "x": 0.5, "y": 0.85, "category": "jeans", "colour": "#1560BD"})
        assert r.status_code == 201
        assert r.json()["tag"]["colour"] == "denim"
        assert r.json()["tag"]["colour_hex"] == "#1560bd"
        r = await client.get(url, headers=alice.headers)
        assert [t["category"] for t in r.json()["tags"]] == ["Blazer", "jeans"]
        assert (await client.get(url, headers=bob.headers)).status_code == 404
        await platform.db.run(service.claim_media, alice.id, [media["id"]])
        key = media["urls"]["feed"].split("k=")[1]
        r = await client.get(f"{url}?k={key}", headers=bob.headers)
        assert r.status_code == 200
        assert len(r.json()["tags"]) == 2
        by_media = await platform.db.read(service.tags_for, [media["id"]])
        assert [t.category for t in by_media[media["id"]]] == ["Blazer", "jeans"]

    async def test_only_the_owner_edits(self, client: AsyncClient, factory: Factory) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await outfit(client, alice)
        url = f"/api/media/{media['id']}/tags"
        body = {"x": 0.5, "y": 0.5, "category": "coat"}
        assert (await client.post(url, headers=bob.headers, json=body)).status_code == 404
        assert (await client.post(url, json=body)).status_code == 401
        tag = (await client.post(url, headers=alice.headers, json=body)).json()["tag"]
        r = await client.delete(f"{url}/{tag['id']}", headers=bob.headers)
        assert r.status_code == 404
        r = await client.delete(url, headers=bob.headers)
        assert r.status_code == 404
        assert len((await client.get(url, headers=alice.headers)).json()["tags"]) == 1
        r = await client.delete(f"{url}/{tag['id']}", headers=alice.headers)
        assert r.status_code == 200
        r = await client.delete(f"{url}/{tag['id']}", headers=alice.headers)
        assert r.status_code == 404
        assert r.json()["code"] == "tag_not_found"

    async def test_validation(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        media = await outfit(client, alice)
        url = f"/api/media/{media['id']}/tags"
        bad = [
            {"x": 1.2, "y": 0.5, "category": "coat"},
            {"x": 0.5, "y": 0.5, "category": ""},
            {"x": 0.5, "y": 0.5, "category": "coat", "fit": "huge"},
            {"x": 0.5, "y": 0.5, "category": "coat", "price_band": "cheap"},
            {"x": 0.5, "y": 0.5, "category": "coat", "link": "javascript:alert(1)"},
            {"x": 0.5, "y": 0.5, "category": "coat", "media_id": 3},
            {"x": 0.5, "y": 0.5, "category": "co\u0000at"},
        ]
        for body in bad:
            r = await client.post(url, headers=alice.headers, json=body)
            assert r.status_code == 422, body
        r = await client.post(url, headers=alice.headers,
                              json={"x": 0.5, "y": 0.5, "w": 0.6, "h": 0.1, "category": "coat"})
        assert r.status_code == 400
        assert r.json()["code"] == "tag_out_of_frame"

    async def test_clear_all_and_fit_summary(self, client: AsyncClient, factory: Factory,
                                             platform) -> None:
        alice = await factory.user()
        media = await outfit(client, alice)
        url = f"/api/media/{media['id']}/tags"
        for fit, brand in [("small", "Zara"), ("small", "ZARA"), ("true", "zara"),
                           ("large", "Mango")]:
            r = await client.post(url, headers=alice.headers, json={
                "x": 0.5, "y": 0.5, "category": "Shoes", "brand": brand, "fit": fit})
            assert r.status_code == 201
        summary = await platform.db.read(service.fit_summary, [media["id"]])
        assert summary[0] == {"brand": summary[0]["brand"], "category": "shoes", "small": 2,
                              "true": 1, "large": 0, "total": 3}
        assert summary[0]["brand"].lower() == "zara"
        found = await platform.db.read(lambda s: service.find_tagged_media(s, brand="zara "))
        assert found == [media["id"]]
        r = await client.delete(url, headers=alice.headers)
        assert r.status_code == 200
        assert (await client.get(url, headers=alice.headers)).json()["tags"] == []


class TestAltTextDraft:
    async def test_draft_names_tagged_items_and_measured_colours(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await outfit(client, alice)
        url = f"/api/media/{media['id']}"
        r = await client.get(f"{url}/alt-text-draft", headers=alice.headers)
        assert r.status_code == 200
        draft = r.json()["alt_text_draft"]
        assert draft["sources"] == ["palette"]
        assert "sage" in draft["draft"]
        assert "navy" in draft["draft"]
        await client.post(f"{url}/tags", headers=alice.headers, json={
            "x": 0.1, "y": 0.05, "w": 0.8, "h": 0.25, "category": "Blazer", "brand": "Zara"})
        await client.post(f"{url}/tags", headers=alice.headers, json={
            "x": 0.5, "y": 0.5, "category": "tee"})
        draft = (await client.get(f"{url}/alt-text-draft", headers=alice.headers)
                 ).json()["alt_text_draft"]
        assert draft["sources"] == ["tags", "palette"]
        assert draft["draft"].startswith("Outfit photo (portrait): sage Zara blazer and white tee.")
        assert (await client.get(f"{url}/alt-text-draft", headers=bob.headers)).status_code == 404
