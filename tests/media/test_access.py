from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import select

from tanvi_social.media import service
from tanvi_social.media.models import Media
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import encode, scene


async def uploaded(client: AsyncClient, user, seed: int = 1) -> dict:
    r = await upload(client, user, encode(scene(seed)))
    assert r.status_code == 201, r.text
    return r.json()["media"]


class TestUnattachedMedia:
    async def test_owner_sees_metadata_and_bytes_privately(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice = await factory.user()
        media = await uploaded(client, alice)
        r = await client.get(f"/api/media/{media['id']}", headers=alice.headers)
        assert r.status_code == 200
        assert r.json()["media"]["id"] == media["id"]
        r = await client.get(f"/api/media/{media['id']}/feed", headers=alice.headers)
        assert r.status_code == 200
        assert r.headers["cache-control"].startswith("private")

    async def test_others_get_404_even_with_the_key(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await uploaded(client, alice)
        key_url = media["urls"]["feed"]
        for headers in (bob.headers, {}):
            assert (await client.get(f"/api/media/{media['id']}", headers=headers)
                    ).status_code == 404
            assert (await client.get(key_url, headers=headers)).status_code == 404
            assert (await client.get(f"/api/media/{media['id']}/tags", headers=headers)
                    ).status_code == 404

    async def test_missing_media_and_unknown_variant(self, client: AsyncClient,
                                                     factory: Factory) -> None:
        alice = await factory.user()
        media = await uploaded(client, alice)
        r = await client.get("/api/media/987654", headers=alice.headers)
        assert r.status_code == 404
        assert r.json()["code"] == "media_not_found"
        r = await client.get(f"/api/media/{media['id']}/huge", headers=alice.headers)
        assert r.status_code == 422


class TestAttachedMedia:
    async def test_key_opens_attached_media_to_anyone_with_immutable_caching(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await uploaded(client, alice)
        await platform.db.run(service.claim_media, alice.id, [media["id"]])
        r = await client.get(media["urls"]["thumbnail"])
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["content-type"] == "image/jpeg"
        key = media["urls"]["original"].split("k=")[1]
        r = await client.get(f"/api/media/{media['id']}?k={key}", headers=bob.headers)
        assert r.status_code == 200
        assert r.json()["media"]["attached"] is True
        # without the key, or with a wrong one, the id alone reveals nothing
        assert (await client.get(f"/api/media/{media['id']}")).status_code == 404
        assert (await client.get(f"/api/media/{media['id']}/feed?k=guess")).status_code == 404

    async def test_attached_media_cannot_be_deleted(self, client: AsyncClient, factory: Factory,
                                                    platform) -> None:
        alice = await factory.user()
        media = await uploaded(client, alice)
        await platform.db.run(service.claim_media, alice.id, [media["id"]])
        r = await client.delete(f"/api/media/{media['id']}", headers=alice.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "media_attached"


class TestAltText:
    async def test_owner_sets_and_clears_alt_text(self, client: AsyncClient,
                                                  factory: Factory) -> None:
        alice = await factory.user()
        media = await uploaded(client, alice)
        r = await client.put(f"/api/media/{media['id']}", headers=alice.headers,
                             json={"alt_text": "Sage blazer, white tee"})
        assert r.status_code == 200
        assert r.json()["media"]["alt_text"] == "Sage blazer, white tee"
        assert r.json()["media"]["needs_alt_text"] is False
        r = await client.put(f"/api/media/{media['id']}", headers=alice.headers,
                             json={"alt_text": None})
        assert r.json()["media"]["alt_text"] is None

    async def test_alt_text_limits_and_owner_only(self, client: AsyncClient,
                                                  factory: Factory) -> None:
        alice, bob = await factory.user(), await factory.user()
        media = await uploaded(client, alice)
        url = f"/api/media/{media['id']}"
        r = await client.put(url, headers=alice.headers, json={"alt_text": "x" * 1001})
        assert r.status_code == 422
        r = await client.put(url, headers=alice.headers, json={"alt_text": "ok", "owner_id": 9})
        assert r.status_code == 422  # no mass assignment
        r = await client.put(url, headers=alice.headers, json={"alt_text": "nul\u0000byte"})
        assert r.status_code == 422
        r = await client.put(url, headers=bob.headers, json={"alt_text": "mine now"})
        assert r.status_code == 404
        assert (await client.put(url, json={"alt_text": "anon"})).status_code == 401
        r = await client.get(url, headers=alice.headers)
        assert r.json()["media"]["alt_text"] is None


class TestDelete:
    async def test_owner_deletes_unattached_media_and_files_go(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        data = encode(scene(31))
        media = (await upload(client, alice, data)).json()["media"]
        bobs = (await upload(client, bob, data)).json()["media"]  # same bytes, same files
        digest = await platform.db.read(
            lambda s: s.scalar(select(Media.sha256).where(Media.id == media["id"])))
        files = sorted(platform.settings.media_dir.rglob(f"{digest}_*"))
        assert len(files) == 4
        assert (await client.delete(f"/api/media/{media['id']}", headers=bob.headers)
                ).status_code == 404
        r = await client.delete(f"/api/media/{media['id']}", headers=alice.headers)
        assert r.status_code == 200
        assert (await client.get(f"/api/media/{media['id']}", headers=alice.headers)
                ).status_code == 404
        assert all(f.exists() for f in files)  # bob's copy still uses them
        r = await client.delete(f"/api/media/{bobs['id']}", headers=bob.headers)
        assert r.status_code == 200
        assert not any(f.exists() for f in files)


class TestLibrary:
    async def test_owner_lists_own_media_and_images_needing_alt_text(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        first = await uploaded(client, alice, 41)
        r = await upload(client, alice, encode(scene(42)), alt_text="Linen set")
        second = r.json()["media"]
        await uploaded(client, bob, 43)
        r = await client.get("/api/media", headers=alice.headers)
        assert r.status_code == 200
        assert [m["id"] for m in r.json()["media"]] == [second["id"], first["id"]]
        assert r.json()["pagination"]["total"] == 2
        r = await client.get("/api/media?needs_alt_text=true", headers=alice.headers)
        assert [m["id"] for m in r.json()["media"]] == [first["id"]]
        assert r.json()["message"] == "1 image(s) on this page need alt text"
        r = await client.get("/api/media?needs_alt_text=false&per_page=1", headers=alice.headers)
        assert [m["id"] for m in r.json()["media"]] == [second["id"]]
        assert (await client.get("/api/media")).status_code == 401
        assert (await client.get("/api/media?per_page=101", headers=alice.headers)
                ).status_code == 422


class TestUploadRateLimit:
    async def test_thirty_first_upload_in_a_minute_is_429(self, client: AsyncClient,
                                                          factory: Factory) -> None:
        from PIL import Image

        alice = await factory.user()
        for i in range(30):
            tiny = encode(Image.new("RGB", (24, 24), (i * 8, 40, 90)), "PNG")
            r = await upload(client, alice, tiny, "t.png", "image/png")
            assert r.status_code == 201, (i, r.text)
        r = await upload(client, alice, encode(scene(1)))
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1


class TestRevoke:
    async def test_revoked_urls_stop_working(self, client: AsyncClient, factory: Factory,
                                             platform) -> None:
        alice = await factory.user()
        media = await uploaded(client, alice)
        await platform.db.run(service.claim_media, alice.id, [media["id"]])
        assert (await client.get(media["urls"]["feed"])).status_code == 200
        assert await platform.db.run(service.revoke_access, [media["id"]]) == 1
        assert (await client.get(media["urls"]["feed"])).status_code == 404
        r = await client.get(f"/api/media/{media['id']}", headers=alice.headers)
        assert r.json()["media"]["attached"] is False
        assert r.json()["media"]["urls"]["feed"] != media["urls"]["feed"]
