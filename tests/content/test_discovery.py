"""The shoppable list and similar-palette posts."""

from __future__ import annotations

from httpx import AsyncClient

from tests.content.helpers import OUTFIT, make_post
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import blocks, encode


async def photo(client: AsyncClient, user, colours) -> int:
    r = await upload(client, user, encode(blocks(colours, (600, 800))))
    assert r.status_code == 201, r.text
    return r.json()["media"]["id"]


async def test_shop_lists_photo_tags_and_items(client: AsyncClient, factory: Factory) -> None:
    mia = await factory.user()
    mid = await photo(client, mia, [("#9caf88", 0.6), ("#f5f5dc", 0.4)])
    r = await client.post(f"/api/media/{mid}/tags", json={
        "x": 0.5, "y": 0.3, "category": "top", "brand": "COS", "price_band": "mid_range",
        "link": "https://example.com/top"}, headers=mia.headers)
    assert r.status_code == 201, r.text
    post = await make_post(client, mia, "shop me", media_ids=[mid],
                           outfit_items=[*OUTFIT, {"name": "No brand scarf"}])
    r = await client.get(f"/api/content/posts/{post['id']}/shop")
    assert r.status_code == 200
    items = r.json()["items"]
    assert items[0]["source"] == "photo_tag"
    assert items[0]["brand"] == "COS"
    assert [i["name"] for i in items[1:]] == [i["name"] for i in OUTFIT]
    private = await make_post(client, mia, "p", visibility="private")
    assert (await client.get(f"/api/content/posts/{private['id']}/shop")).status_code == 404


async def test_similar_palette_orders_by_colour_distance(client: AsyncClient,
                                                         factory: Factory) -> None:
    mia = await factory.user()
    sage = await make_post(client, mia, "sage", media_ids=[
        await photo(client, mia, [("#9caf88", 0.7), ("#f5f5dc", 0.3)])])
    near = await make_post(client, mia, "near", media_ids=[
        await photo(client, mia, [("#a3b38f", 0.6), ("#f0ead6", 0.4)])])
    far = await make_post(client, mia, "far", media_ids=[
        await photo(client, mia, [("#ff00aa", 0.5), ("#2200ff", 0.5)])])
    await make_post(client, mia, "text only")
    r = await client.get(f"/api/content/posts/{sage['id']}/similar-palette")
    assert r.status_code == 200
    similar = r.json()["similar"]
    assert [s["post"]["id"] for s in similar] == [near["id"], far["id"]]
    assert similar[0]["distance"] < similar[1]["distance"]


async def test_brand_fit_sums_visible_fit_notes(client: AsyncClient, factory: Factory) -> None:
    mia = await factory.user()
    for i, fit in enumerate(["small", "small", "true", "large"]):
        mid = await photo(client, mia, [(f"#{i + 1}0{i + 2}0{i + 3}0", 1.0)])
        r = await client.post(f"/api/media/{mid}/tags", json={
            "x": 0.5, "y": 0.5, "category": "jeans", "brand": "Levi's", "fit": fit},
            headers=mia.headers)
        assert r.status_code == 201, r.text
        await make_post(client, mia, f"fit {i}", media_ids=[mid],
                        visibility="private" if fit == "large" else "public")
    r = await client.get("/api/content/brands/levi's/fit")
    assert r.status_code == 200
    assert r.json()["fit"] == [{"brand": "Levi's", "category": "jeans", "small": 2, "true": 1,
                                "large": 0, "total": 3, "verdict": "runs small"}]
    r = await client.get("/api/content/brands/LEVI'S/fit", headers=mia.headers)
    assert r.json()["fit"][0]["total"] == 4
