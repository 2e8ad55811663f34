"""End to end: a filtered word holds a post (invisible to others) until a moderator approves it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Factory

MOD = "/api/moderation"


async def add_filter(client: httpx.AsyncClient, mod: Any, pattern: str, action: str) -> int:
    r = await client.post(f"{MOD}/filters", json={"pattern": pattern, "action": action},
                          headers=mod.headers)
    assert r.status_code == 201
    return int(r.json()["filter"]["id"])


async def post(client: httpx.AsyncClient, author: Any, caption: str) -> httpx.Response:
    return await client.post("/api/content/posts", json={"caption": caption},
                             headers=author.headers)


async def test_filtered_caption_is_held_until_approved(client: httpx.AsyncClient,
                                                       factory: Factory) -> None:
    author, viewer, mod = await factory.user(), await factory.user(), await factory.moderator()
    await add_filter(client, mod, "knockoff", "hold")
    await add_filter(client, mod, "replica", "reject")

    rejected = await post(client, author, "Best R3PLICA bags")
    assert rejected.status_code == 422

    clean = await client.post("/api/content/posts", json={"caption": "Knockout look"},
                              headers=author.headers)
    assert clean.status_code == 201
    assert clean.json()["post"]["moderation_state"] == "visible"

    r = await client.post("/api/content/posts", json={"caption": "My K.N.O.C.K.O.F.F. Chanel"},
                          headers=author.headers)
    assert r.status_code == 201
    post_id = r.json()["post"]["id"]
    assert r.json()["post"]["moderation_state"] == "held"
    assert (await client.get(f"/api/content/posts/{post_id}",
                             headers=viewer.headers)).status_code == 404
    assert (await client.get(f"/api/content/posts/{post_id}")).status_code == 404
    assert (await client.get(f"/api/content/posts/{post_id}",
                             headers=author.headers)).status_code == 200

    queue = (await client.get(f"{MOD}/queue?target_type=post", headers=mod.headers)).json()
    [item] = queue["items"]
    assert item["target_id"] == post_id
    assert item["source"] == "filter"
    assert item["owner"]["id"] == author.id
    r = await client.post(f"{MOD}/queue/{item['id']}/resolve",
                          json={"action": "approve", "reason": "Fair use of the word"},
                          headers=mod.headers)
    assert r.status_code == 200
    shown = await client.get(f"/api/content/posts/{post_id}", headers=viewer.headers)
    assert shown.status_code == 200
    assert shown.json()["post"]["moderation_state"] == "visible"

    # Reported later and removed: gone for everyone else again.
    assert (await client.post(f"{MOD}/reports", json={"target_type": "post", "target_id": post_id,
                                                     "reason": "scam"},
                              headers=viewer.headers)).status_code == 201
    item = (await client.get(f"{MOD}/queue?target_type=post", headers=mod.headers)).json()[
        "items"][0]
    assert item["report_count"] == 1
    r = await client.post(f"{MOD}/queue/{item['id']}/resolve",
                          json={"action": "remove", "reason": "Counterfeit sales"},
                          headers=mod.headers)
    assert r.status_code == 200
    assert (await client.get(f"/api/content/posts/{post_id}",
                             headers=viewer.headers)).status_code == 404
    entries = (await client.get(f"{MOD}/audit-log?target_type=post",
                                headers=mod.headers)).json()["entries"]
    assert [e["action"] for e in entries] == ["remove", "approve"]


async def test_spam_heuristics_apply_to_new_posts(client: httpx.AsyncClient,
                                                  factory: Factory) -> None:
    author, viewer, mod = await factory.user(), await factory.user(), await factory.moderator()
    r = await client.post("/api/content/posts", json={"caption": "https://cheap-bags.example/x"},
                          headers=author.headers)
    assert r.status_code == 201
    assert r.json()["post"]["moderation_state"] == "held"
    held_id = r.json()["post"]["id"]
    assert (await client.get(f"/api/content/posts/{held_id}",
                             headers=viewer.headers)).status_code == 404
    items = (await client.get(f"{MOD}/queue?target_type=post", headers=mod.headers)).json()[
        "items"]
    assert [(i["target_id"], i["reason"]) for i in items] == [(held_id, "spam")]

    text = "Follow me for amazing outfit deals today"
    for _ in range(3):
        r = await client.post("/api/content/posts", json={"caption": text}, headers=author.headers)
        assert r.status_code == 201
        assert r.json()["post"]["moderation_state"] == "visible"
    r = await client.post("/api/content/posts", json={"caption": text}, headers=author.headers)
    assert r.status_code == 429
    assert r.json()["code"] == "spam_rate_limited"
    assert int(r.headers["Retry-After"]) > 0


async def test_word_list_changes_apply_to_the_next_post(client: httpx.AsyncClient,
                                                        factory: Factory) -> None:
    """Each process keeps a copy of the word list: a rule added or removed through the API
    applies to the very next post all the same."""
    author, mod = await factory.user(), await factory.moderator()
    first = await post(client, author, "Fake fur coat")
    assert first.status_code == 201  # the (empty) list is now this process's copy
    rule = await add_filter(client, mod, "fake", "reject")
    rejected = await post(client, author, "Fake fur again")
    assert rejected.status_code == 422
    assert rejected.json()["code"] == "content_rejected"
    assert (await client.delete(f"{MOD}/filters/{rule}", headers=mod.headers)).status_code == 200
    assert (await post(client, author, "Fake fur again")).status_code == 201
