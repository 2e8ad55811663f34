"""GET /posts/{id} serves a cached reader-independent card: never stale counts, never deleted."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tanvi_social.core.cache import keys
from tests.content.helpers import make_post
from tests.factories import Factory

POSTS = "/api/content/posts"


async def test_cache_keeps_viewer_block_per_viewer_and_counts_fresh(
        client: AsyncClient, factory: Factory, platform: Any) -> None:
    mia, ana, bea = (await factory.user("mia"), await factory.user("ana"),
                     await factory.user("bea"))
    post = await make_post(client, mia, "cache me")
    url = f"{POSTS}/{post['id']}"
    first = (await client.get(url, headers=ana.headers)).json()["post"]
    assert first["like_count"] == 0
    assert await platform.cache.get(keys.post_card(post["id"])) is not None
    r = await client.post(f"{url}/likes", json={"like_type": "like"},
                          headers=ana.headers)
    assert r.status_code == 201, r.text
    as_ana = (await client.get(url, headers=ana.headers)).json()["post"]
    as_bea = (await client.get(url, headers=bea.headers)).json()["post"]
    anonymous = (await client.get(url)).json()["post"]
    assert as_ana["like_count"] == as_bea["like_count"] == anonymous["like_count"] == 1
    assert as_ana["viewer"]["liked"] is True
    assert as_bea["viewer"]["liked"] is False
    assert anonymous["viewer"]["liked"] is False
    # a remix of the post updates its remix_count through the cache too
    r = await client.post(POSTS, json={"caption": "take", "remix_of": post["id"]},
                          headers=bea.headers)
    assert r.status_code == 201, r.text
    assert (await client.get(url)).json()["post"]["remix_count"] == 1


async def test_cache_never_serves_a_deleted_or_hidden_post(client: AsyncClient,
                                                          factory: Factory,
                                                          platform: Any) -> None:
    mia, ana = await factory.user("mia"), await factory.user("ana")
    post = await make_post(client, mia, "going away")
    url = f"{POSTS}/{post['id']}"
    assert (await client.get(url)).status_code == 200
    assert await platform.cache.get(keys.post_card(post["id"])) is not None
    r = await client.put(url, json={"visibility": "private"}, headers=mia.headers)
    assert r.status_code == 200
    assert (await client.get(url, headers=ana.headers)).status_code == 404
    assert (await client.get(url, headers=mia.headers)).json()["post"]["visibility"] == "private"
    assert (await client.delete(url, headers=mia.headers)).status_code == 200
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url, headers=mia.headers)).status_code == 404
