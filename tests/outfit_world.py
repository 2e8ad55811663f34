"""A small world of outfit posts for the occasion / season / weather / formality / price filters,
built through the HTTP API (content, media, social), and the expected matches of each filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from httpx import AsyncClient

from tanvi_social.core.jobs import runner_of
from tests.factories import Factory, TestUser
from tests.media.conftest import upload
from tests.media.images import encode, scene


@dataclass
class OutfitWorld:
    me: TestUser  # follows mia and zoe
    mia: TestUser
    zoe: TestUser
    posts: dict[str, int] = field(default_factory=dict)  # name -> post id
    repost_of_beach: int = 0  # zoe's repost of mia's beach look

    def ids(self, *names: str) -> set[int]:
        return {self.posts[n] for n in names}


async def _post(client: AsyncClient, user: TestUser, **body: Any) -> int:
    r = await client.post("/api/content/posts", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["post"]["id"])


async def _follow(client: AsyncClient, follower: TestUser, target: TestUser) -> None:
    r = await client.post("/api/social/connections", json={"user_id": target.id},
                          headers=follower.headers)
    assert r.status_code == 201, r.text


async def build(client: AsyncClient, factory: Factory) -> OutfitWorld:
    me, mia, zoe = await factory.user("me"), await factory.user("mia"), await factory.user("zoe")
    await _follow(client, me, mia)
    await _follow(client, me, zoe)
    w = OutfitWorld(me, mia, zoe)
    w.posts["commute"] = await _post(
        client, mia, caption="Rainy commute look", occasion="office", season="autumn",
        formality="business_casual", outfit_items=[
            {"name": "Belted raincoat", "category": "outerwear", "price_band": "premium"},
            {"name": "Loafers", "category": "loafers", "price_band": "mid_range"}])
    w.posts["beach"] = await _post(
        client, mia, caption="Beach day look", occasion="beach", season="summer",
        formality="casual", outfit_items=[
            {"name": "Denim shorts", "category": "shorts", "price_band": "budget"},
            {"name": "Sandals", "category": "sandals", "price_band": "budget"}])
    w.posts["gala"] = await _post(
        client, mia, caption="Gala look", occasion="gala", season="winter", formality="black_tie",
        outfit_items=[{"name": "Velvet gown", "category": "gown", "price_band": "luxury"},
                      {"name": "Wool coat", "category": "coat", "price_band": "premium"}])
    w.posts["plain"] = await _post(client, mia, caption="Just a look")
    w.posts["anytime"] = await _post(client, zoe, caption="Any weather look",
                                     season="all_season", style_tags=["rainyday"])
    w.posts["snow"] = await _post(client, zoe, caption="Snow look #snowday")
    # garment tags on a photo (no outfit items): rain boots, luxury
    r = await upload(client, zoe, encode(scene(7)))
    assert r.status_code == 201, r.text
    media_id = r.json()["media"]["id"]
    r = await client.post(f"/api/media/{media_id}/tags", headers=zoe.headers, json={
        "x": 0.5, "y": 0.9, "category": "Rain boots", "price_band": "luxury"})
    assert r.status_code == 201, r.text
    w.posts["tagged"] = await _post(client, zoe, caption="Puddle look", media_ids=[media_id])
    r = await client.post(f"/api/content/posts/{w.posts['beach']}/shares",
                          json={"share_type": "repost"}, headers=zoe.headers)
    assert r.status_code == 201, r.text
    w.repost_of_beach = int(r.json()["share"]["repost"]["id"])
    await runner_of(factory.platform).drain()  # search indexing runs in a job
    return w


# filter query -> names of the original posts that match it
CASES: list[tuple[dict[str, str], set[str]]] = [
    ({"occasion": "work"}, {"commute"}),
    ({"occasion": "office"}, {"commute"}),  # alias
    ({"occasion": "black_tie"}, {"gala"}),  # stored as "gala"
    ({"season": "winter"}, {"gala", "anytime"}),  # all_season fits every season
    ({"season": "all_season"}, {"anytime"}),
    ({"season": "summer"}, {"beach", "anytime"}),
    ({"formality": "casual"}, {"beach"}),
    ({"formality": "business_casual"}, {"commute"}),
    ({"weather": "rain"}, {"commute", "anytime", "tagged"}),  # raincoat, #rainyday, rain boots
    ({"weather": "hot"}, {"beach"}),  # summer, shorts, sandals
    ({"weather": "cold"}, {"gala", "snow", "tagged"}),  # winter/coat, #snowday, boots
    ({"weather": "mild"}, {"commute"}),  # autumn
    ({"price": "budget"}, {"beach"}),
    ({"price": "mid"}, {"commute"}),  # mid = mid_range
    ({"price": "luxury"}, {"gala", "tagged"}),  # an outfit item, a garment tag
    ({"max_price": "mid_range"}, {"beach"}),
    ({"max_price": "premium"}, {"beach", "commute"}),
    ({"max_price": "luxury"}, {"beach", "commute", "gala", "tagged"}),
    ({"season": "autumn", "weather": "rain", "price": "premium"}, {"commute"}),
    ({"occasion": "work", "season": "summer"}, set()),
]
BAD_VALUES = [("season", "monsoon"), ("weather", "snow"), ("price", "cheap"),
              ("occasion", "picnic"), ("formality", "smart"), ("max_price", "free")]
