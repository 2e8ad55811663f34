"""Remix — "recreate this look": policy, visibility, credit chain, counts, notifications."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.content.models import Post
from tests.content.helpers import OUTFIT, block, follow, make_post, notifications
from tests.content.test_discovery import photo
from tests.factories import Factory, TestUser

POSTS = "/api/content/posts"


async def remix(client: AsyncClient, user: TestUser, original_id: int, caption: str = "my take",
                **fields: Any) -> Any:
    return await client.post(POSTS, json={"caption": caption, "remix_of": original_id,
                                          **fields}, headers=user.headers)


async def remix_count(client: AsyncClient, post_id: int, user: TestUser) -> int:
    r = await client.get(f"{POSTS}/{post_id}", headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()["post"]["remix_count"]


async def test_remix_links_original_copies_credited_items_and_notifies(
        client: AsyncClient, factory: Factory, platform: Any) -> None:
    mia, ana = await factory.user("mia"), await factory.user("ana")
    mid = await photo(client, mia, [("#9caf88", 0.6), ("#f5f5dc", 0.4)])
    r = await client.post(f"/api/media/{mid}/tags", json={
        "x": 0.5, "y": 0.3, "category": "blazer", "brand": "COS", "colour": "sage",
        "price_band": "mid_range"}, headers=mia.headers)
    assert r.status_code == 201, r.text
    original = await make_post(client, mia, "sage blazer day", media_ids=[mid],
                               outfit_items=OUTFIT)
    assert original["remix_policy"] == "anyone"
    assert original["remix_count"] == 0
    r = await remix(client, ana, original["id"])
    assert r.status_code == 201, r.text
    post = r.json()["post"]
    assert post["remix_of_id"] == original["id"]
    assert post["remix_root_id"] == original["id"]
    assert post["remix_of"] == {"post_id": original["id"], "author": post["remix_of"]["author"]}
    assert post["remix_of"]["author"]["username"] == "mia"
    assert [c["post_id"] for c in post["remix_chain"]] == [original["id"]]
    credits = post["remix_credits"]
    assert [c["source"] for c in credits] == ["photo_tag", "outfit_item", "outfit_item",
                                              "outfit_item"]
    assert credits[0]["brand"] == "COS"
    assert credits[0]["category"] == "blazer"
    assert [c["name"] for c in credits[1:]] == [i["name"] for i in OUTFIT]
    assert {(c["from_post_id"], c["from_author_id"]) for c in credits} == {
        (original["id"], mia.id)}
    # the remixer's own outfit stays theirs (credits are a separate list)
    assert post["outfit_items"] == []
    assert await remix_count(client, original["id"], mia) == 1
    notes = [n for n in await notifications(client, mia) if n["type"] == "remix"]
    assert len(notes) == 1
    assert notes[0]["target_id"] == post["id"]
    # remixing your own post is always allowed and notifies nobody
    r = await remix(client, mia, original["id"], remix_policy="nobody")
    assert r.status_code == 201, r.text
    assert r.json()["post"]["remix_policy"] == "nobody"
    assert await remix_count(client, original["id"], mia) == 2
    assert len([n for n in await notifications(client, mia) if n["type"] == "remix"]) == 1


async def test_credit_chain_across_remix_of_remix(client: AsyncClient, factory: Factory) -> None:
    a, b, c, d = (await factory.user("amy"), await factory.user("bea"),
                  await factory.user("cleo"), await factory.user("dara"))
    root = await make_post(client, a, "root look", outfit_items=OUTFIT[:1])
    r1 = (await remix(client, b, root["id"], outfit_items=OUTFIT[1:2])).json()["post"]
    r2 = await remix(client, c, r1["id"])
    assert r2.status_code == 201, r2.text
    second = r2.json()["post"]
    assert second["remix_of_id"] == r1["id"]
    assert second["remix_root_id"] == root["id"]
    assert [(x["post_id"], x["author"]["username"]) for x in second["remix_chain"]] == [
        (root["id"], "amy"), (r1["id"], "bea")]
    # the items credited are the direct original's, credited to it
    assert [(x["name"], x["from_author_id"]) for x in second["remix_credits"]] == [
        (OUTFIT[1]["name"], b.id)]
    third = (await remix(client, d, second["id"])).json()["post"]
    assert third["remix_root_id"] == root["id"]
    assert [x["post_id"] for x in third["remix_chain"]] == [root["id"], r1["id"], second["id"]]
    # direct remixes only
    assert await remix_count(client, root["id"], a) == 1
    assert await remix_count(client, r1["id"], b) == 1
    # a link in the chain that becomes invisible disappears from the chain, ids stay
    assert (await client.put(f"{POSTS}/{r1['id']}", json={"visibility": "private"},
                             headers=b.headers)).status_code == 200
    view = (await client.get(f"{POSTS}/{third['id']}", headers=d.headers)).json()["post"]
    assert [x["post_id"] for x in view["remix_chain"]] == [root["id"], second["id"]]
    assert view["remix_root_id"] == root["id"]


async def test_policy_nobody_forbids_and_changing_it_allows(client: AsyncClient,
                                                           factory: Factory) -> None:
    mia, ana = await factory.user("mia"), await factory.user("ana")
    original = await make_post(client, mia, "mine only", remix_policy="nobody")
    assert original["remix_policy"] == "nobody"
    r = await remix(client, ana, original["id"])
    assert r.status_code == 403
    assert r.json()["code"] == "remix_not_allowed"
    # ana cannot change mia's policy
    r = await client.put(f"{POSTS}/{original['id']}", json={"remix_policy": "anyone"},
                         headers=ana.headers)
    assert r.status_code == 403
    r = await client.put(f"{POSTS}/{original['id']}", json={"remix_policy": "anyone"},
                         headers=mia.headers)
    assert r.status_code == 200
    assert r.json()["post"]["remix_policy"] == "anyone"
    r = await remix(client, ana, original["id"])
    assert r.status_code == 201, r.text
    # revoking stops new remixes; the existing one keeps its link and count
    r = await client.put(f"{POSTS}/{original['id']}", json={"remix_policy": "nobody"},
                         headers=mia.headers)
    assert r.status_code == 200
    assert (await remix(client, ana, original["id"], "again")).status_code == 403
    assert await remix_count(client, original["id"], mia) == 1
    # a draft remix is checked again when it is published
    await client.put(f"{POSTS}/{original['id']}", json={"remix_policy": "anyone"},
                     headers=mia.headers)
    draft = await remix(client, ana, original["id"], "later", is_draft=True)
    assert draft.status_code == 201, draft.text
    assert await remix_count(client, original["id"], mia) == 1
    await client.put(f"{POSTS}/{original['id']}", json={"remix_policy": "nobody"},
                     headers=mia.headers)
    r = await client.put(f"{POSTS}/{draft.json()['post']['id']}", json={"is_draft": False},
                         headers=ana.headers)
    assert r.status_code == 403
    assert r.json()["code"] == "remix_not_allowed"
    assert await remix_count(client, original["id"], mia) == 1


async def test_followers_policy(client: AsyncClient, factory: Factory) -> None:
    mia, fan, stranger = (await factory.user("mia"), await factory.user("fan"),
                          await factory.user("stranger"))
    await follow(client, fan, mia)
    original = await make_post(client, mia, "followers may remix", remix_policy="followers")
    r = await remix(client, stranger, original["id"])
    assert r.status_code == 403
    assert r.json()["code"] == "remix_followers_only"
    r = await remix(client, fan, original["id"])
    assert r.status_code == 201, r.text
    # a follower of the remixer is not enough: it is the original author's followers
    await follow(client, stranger, fan)
    assert (await remix(client, stranger, original["id"], "x")).status_code == 403


async def test_invisible_deleted_and_anonymous(client: AsyncClient, factory: Factory) -> None:
    mia, ana, blocked = (await factory.user("mia"), await factory.user("ana"),
                         await factory.user("blocked"))
    private = await make_post(client, mia, "private", visibility="private")
    followers_only = await make_post(client, mia, "followers", visibility="followers")
    public = await make_post(client, mia, "public")
    for pid in (private["id"], followers_only["id"], 999_999):
        r = await remix(client, ana, pid)
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "post_not_found"
    await block(client, mia, blocked)
    assert (await remix(client, blocked, public["id"])).status_code == 404
    r = await client.post(POSTS, json={"caption": "x", "remix_of": public["id"]})
    assert r.status_code == 401
    # remixing a deleted post is 404
    assert (await client.delete(f"{POSTS}/{public['id']}", headers=mia.headers)).status_code \
        == 200
    assert (await remix(client, ana, public["id"])).status_code == 404
    # a repost is not a look to remix
    other = await make_post(client, mia, "another")
    r = await client.post(f"{POSTS}/{other['id']}/share", json={"share_type": "repost"},
                          headers=ana.headers)
    assert r.status_code == 201, r.text
    rr = await remix(client, mia, r.json()["share"]["repost"]["id"])
    assert rr.status_code == 400
    assert rr.json()["code"] == "remix_of_repost"


async def test_list_remixes_paginated_visible_and_counts_fixed_on_delete(
        client: AsyncClient, factory: Factory, platform: Any) -> None:
    mia = await factory.user("mia")
    others = [await factory.user(f"remixer{i}") for i in range(4)]
    original = await make_post(client, mia, "remix me")
    ids = []
    for i, u in enumerate(others):
        vis = "private" if i == 3 else "public"
        r = await remix(client, u, original["id"], f"take {i}", visibility=vis)
        assert r.status_code == 201, r.text
        ids.append(r.json()["post"]["id"])
    assert await remix_count(client, original["id"], mia) == 4
    r = await client.get(f"{POSTS}/{original['id']}/remixes?page=1&per_page=2")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["id"] for p in body["remixes"]] == [ids[2], ids[1]]
    assert body["pagination"]["total"] == 3
    r = await client.get(f"{POSTS}/{original['id']}/remixes?page=2&per_page=2")
    assert [p["id"] for p in r.json()["remixes"]] == [ids[0]]
    # the private remix is listed for its own author only
    r = await client.get(f"{POSTS}/{original['id']}/remixes", headers=others[3].headers)
    assert ids[3] in [p["id"] for p in r.json()["remixes"]]
    # deleting a remix fixes the count (and deleting twice changes nothing)
    assert (await client.delete(f"{POSTS}/{ids[0]}", headers=others[0].headers)).status_code \
        == 200
    assert (await client.delete(f"{POSTS}/{ids[0]}", headers=others[0].headers)).status_code \
        == 404
    assert await remix_count(client, original["id"], mia) == 3
    r = await client.get(f"{POSTS}/{original['id']}/remixes")
    assert ids[0] not in [p["id"] for p in r.json()["remixes"]]
    stored = await platform.db.read(lambda s: s.scalar(
        select(Post.remix_count).where(Post.id == original["id"])))
    assert stored == 3
    # the list of an invisible original is 404
    private = await make_post(client, mia, "p", visibility="private")
    assert (await client.get(f"{POSTS}/{private['id']}/remixes")).status_code == 404


async def test_gdpr_erase_of_a_remixer_fixes_the_count(client: AsyncClient, factory: Factory,
                                                      platform: Any) -> None:
    from tests.factories import PASSWORD

    mia, ana = await factory.user("mia"), await factory.user("ana")
    original = await make_post(client, mia, "remix me")
    assert (await remix(client, ana, original["id"])).status_code == 201
    assert await remix_count(client, original["id"], mia) == 1
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=ana.headers)
    assert r.status_code == 200, r.text
    assert await remix_count(client, original["id"], mia) == 0
    # erasing the original's author keeps others' remixes, without a dangling link
    bea = await factory.user("bea")
    second = await make_post(client, mia, "again")
    own = (await remix(client, bea, second["id"])).json()["post"]
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=mia.headers)
    assert r.status_code == 200, r.text
    view = (await client.get(f"{POSTS}/{own['id']}", headers=bea.headers)).json()["post"]
    assert view["remix_of"] is None
    assert view["remix_chain"] == []
