from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.inspiration.models import MoodBoard
from tests.factories import Factory
from tests.inspiration.world import World
from tests.media.conftest import upload
from tests.media.images import blocks, encode

BOARDS = "/api/inspiration/moodboards"


async def make_board(client: AsyncClient, headers: dict, **body) -> dict:
    r = await client.post(BOARDS, headers=headers, json={"title": "Autumn edit", **body})
    assert r.status_code == 201, r.text
    return r.json()["moodboard"]


class TestMoodBoards:
    async def test_items_of_every_kind_and_palette(self, client: AsyncClient, factory: Factory,
                                                   world: World, platform) -> None:
        me, other = await factory.users(2)
        board = await make_board(client, me.headers, description="cosy layers")
        assert board["my_role"] == "owner"
        assert board["palette"] == []
        pid = await world.post(other.id, "camel coat")
        image = await upload(client, me, encode(blocks([("#1f3a93", 0.7), ("#f5deb3", 0.3)])))
        assert image.status_code == 201, image.text
        url = f"{BOARDS}/{board['id']}/items"
        for body in ({"kind": "post", "post_id": pid}, {"kind": "note", "note": "chunky knits"},
                     {"kind": "colour", "colour": "sage"},
                     {"kind": "media", "media_id": image.json()["media"]["id"]}):
            r = await client.post(url, headers=me.headers, json=body)
            assert r.status_code == 201, r.text
        palette = r.json()["palette"]
        assert abs(sum(c["share"] for c in palette) - 1) < 0.01
        names = [c["name"] for c in palette]
        assert "sage" in names
        assert len(palette) >= 2  # the image's colours joined the pinned one
        detail = (await client.get(f"{BOARDS}/{board['id']}", headers=me.headers)).json()[
            "moodboard"]
        assert [i["kind"] for i in detail["items"]] == ["post", "note", "colour", "media"]
        assert detail["item_count"] == 4
        assert detail["items"][3]["image_url"]
        note = detail["items"][1]["id"]
        r = await client.delete(f"{url}/{note}", headers=me.headers)
        assert r.status_code == 200
        count = await platform.db.read(lambda s: s.scalar(
            select(MoodBoard.item_count).where(MoodBoard.id == board["id"])))
        assert count == 3

    async def test_item_validation(self, client: AsyncClient, factory: Factory,
                                   world: World) -> None:
        me, other = await factory.users(2)
        board = await make_board(client, me.headers)
        url = f"{BOARDS}/{board['id']}/items"
        secret = await world.post(other.id, "x", visibility="private")
        for body, status in (({"kind": "post", "post_id": secret}, 404),
                             ({"kind": "post"}, 422), ({"kind": "colour", "colour": "nope"}, 422),
                             ({"kind": "media", "media_id": 424242}, 404),
                             ({"kind": "video", "note": "x"}, 422)):
            r = await client.post(url, headers=me.headers, json=body)
            assert r.status_code == status, (body, r.text)

    async def test_privacy_and_roles(self, client: AsyncClient, factory: Factory,
                                     world: World) -> None:
        owner, editor, viewer, stranger, blocked = await factory.users(5)
        board = await make_board(client, owner.headers)
        url = f"{BOARDS}/{board['id']}"
        assert (await client.get(url, headers=stranger.headers)).status_code == 404
        assert (await client.get(url)).status_code == 404
        for user, role in ((editor, "editor"), (viewer, "viewer")):
            r = await client.post(f"{url}/collaborators", headers=owner.headers,
                                  json={"user_id": user.id, "role": role})
            assert r.status_code == 201, r.text
        again = await client.post(f"{url}/collaborators", headers=owner.headers,
                                  json={"user_id": editor.id})
        assert again.status_code == 409
        r = await client.post(f"{url}/collaborators", headers=editor.headers,
                              json={"user_id": stranger.id})
        assert r.status_code == 403
        r = await client.get(url, headers=viewer.headers)
        assert r.status_code == 200
        assert r.json()["moodboard"]["my_role"] == "viewer"
        note = {"kind": "note", "note": "hi"}
        assert (await client.post(f"{url}/items", headers=editor.headers,
                                  json=note)).status_code == 201
        assert (await client.post(f"{url}/items", headers=viewer.headers,
                                  json=note)).status_code == 403
        assert (await client.post(f"{url}/items", headers=stranger.headers,
                                  json=note)).status_code == 404
        assert (await client.put(url, headers=editor.headers,
                                 json={"title": "mine"})).status_code == 403
        assert (await client.delete(url, headers=editor.headers)).status_code == 403
        r = await client.put(url, headers=owner.headers, json={"is_public": True})
        assert r.status_code == 200
        assert r.json()["moodboard"]["is_public"] is True
        assert (await client.get(url, headers=stranger.headers)).status_code == 200
        assert (await client.get(url)).status_code == 200
        await world.block(owner.id, blocked.id)
        assert (await client.get(url, headers=blocked.headers)).status_code == 404
        r = await client.get(BOARDS, headers=editor.headers)
        assert [b["id"] for b in r.json()["moodboards"]] == [board["id"]]
        r = await client.get(BOARDS, params={"user_id": owner.id}, headers=stranger.headers)
        assert r.json()["pagination"]["total"] == 1
        r = await client.delete(f"{url}/collaborators/{viewer.id}", headers=viewer.headers)
        assert r.status_code == 200
        assert (await client.get(url, headers=owner.headers)).json()["moodboard"][
            "collaborators"][0]["user"]["id"] == editor.id
        assert (await client.delete(url, headers=owner.headers)).status_code == 200
        assert (await client.get(url, headers=owner.headers)).status_code == 404

    async def test_post_that_becomes_private_drops_out(self, client: AsyncClient,
                                                       factory: Factory, world: World) -> None:
        me, other = await factory.users(2)
        board = await make_board(client, me.headers, is_public=True)
        pid = await world.post(other.id, "look")
        await client.post(f"{BOARDS}/{board['id']}/items", headers=me.headers,
                          json={"kind": "post", "post_id": pid})
        await world.edit(pid, visibility="private")
        items = (await client.get(f"{BOARDS}/{board['id']}")).json()["moodboard"]["items"]
        assert items == []


class TestInspirationsAndDiscover:
    async def test_inspirations_crud(self, client: AsyncClient, factory: Factory) -> None:
        me, other = await factory.users(2)
        url = "/api/inspiration/inspirations"
        r = await client.post(url, headers=me.headers, json={
            "title": "Linen layers", "style_tags": ["#Linen", "minimal"],
            "primary_image_url": "https://example.com/a.jpg", "creator_id": other.id})
        assert r.status_code == 201, r.text
        insp = r.json()["inspiration"]
        assert insp["creator"]["id"] == me.id
        assert insp["style_tags"] == ["linen", "minimal"]
        assert (await client.post(url, json={"title": "x"})).status_code == 401
        r = await client.get(f"{url}/{insp['id']}", headers=other.headers)
        assert r.json()["inspiration"]["views_count"] == 1
        r = await client.get(url, params={"style": "linen"})
        assert [i["id"] for i in r.json()["inspirations"]] == [insp["id"]]
        assert (await client.get(url, params={"style": "boho"})).json()["inspirations"] == []
        assert (await client.get(f"{url}/99999")).status_code == 404
        assert (await client.get(url, params={"page": "x"})).status_code == 422

    async def test_discover_from_live_data(self, client: AsyncClient, factory: Factory,
                                           world: World) -> None:
        me, other = await factory.users(2)
        hot = await world.post(other.id, "hot", style_tags=["boho"], likes=90)
        await world.post(other.id, "private", visibility="private", likes=999)
        await make_board(client, me.headers, is_public=True)
        for path in ("/api/inspiration/discover", "/api/inspiration/discovery/explore"):
            r = await client.get(path)
            assert r.status_code == 200, r.text
            data = r.json()["exploration_results"]
            assert [i["post"]["id"] for i in data["trending_posts"]] == [hot]
            assert data["style_categories"][0]["name"] == "boho"
            assert data["moodboards"] == []  # empty boards are not featured
