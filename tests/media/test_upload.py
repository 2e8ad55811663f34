from __future__ import annotations

import io
from pathlib import Path

from httpx import AsyncClient
from PIL import Image
from sqlalchemy import func, select

from tanvi_social.media import service
from tanvi_social.media.models import Media
from tanvi_social.media.storage import file_path
from tests.factories import Factory
from tests.media.conftest import upload
from tests.media.images import blocks, encode, jpeg_with_gps, png_bomb, scene


async def media_count(platform) -> int:
    return await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Media)))


class TestUploadAccepts:
    async def test_jpeg_upload_returns_analysis_and_variants(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice = await factory.user()
        data = encode(blocks([("#9caf88", 0.6), ("#000080", 0.4)], (2000, 3000)), quality=92)
        r = await upload(client, alice, data)
        assert r.status_code == 201, r.text
        media = r.json()["media"]
        assert media["owner_id"] == alice.id
        assert (media["width"], media["height"]) == (2000, 3000)
        assert media["content_type"] == "image/jpeg"
        sizes = {k: (v["width"], v["height"]) for k, v in media["variants"].items()}
        assert sizes == {"original": (2000, 3000), "feed": (900, 1350),
                         "thumbnail": (213, 320), "webp": (900, 1350)}
        assert 6 <= len(media["blurhash"]) <= 64
        assert media["needs_alt_text"] is True
        assert media["duplicate_of"] is None
        assert media["needs_credit"] is False
        names = [(c["name"], round(c["share"], 1)) for c in media["palette"]]
        assert names == [("sage", 0.6), ("navy", 0.4)]
        assert len(media["phash"]) == 16
        assert await media_count(platform) == 1

    async def test_variant_files_exist_with_their_sizes(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice = await factory.user()
        r = await upload(client, alice, encode(scene(3, (1600, 1200))))
        media = r.json()["media"]
        for name, url in media["urls"].items():
            got = await client.get(url, headers=alice.headers)
            assert got.status_code == 200, (name, got.text)
            with Image.open(io.BytesIO(got.content)) as img:
                info = media["variants"][name]
                assert img.size == (info["width"], info["height"])
                assert got.headers["content-type"] == info["content_type"]
        assert media["variants"]["feed"]["width"] == 1080
        assert media["variants"]["thumbnail"]["width"] == 320

    async def test_gps_exif_is_stripped_and_orientation_applied(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice = await factory.user()
        data = jpeg_with_gps(orientation=6)
        with Image.open(io.BytesIO(data)) as src:
            assert src.getexif().get_ifd(0x8825)  # the test file really carries GPS
        r = await upload(client, alice, data)
        assert r.status_code == 201, r.text
        media = r.json()["media"]
        assert (media["width"], media["height"]) == (200, 300)  # rotated 90° by orientation 6
        digest, stored = await platform.db.read(
            lambda s: s.execute(select(Media.sha256, Media.variants)).one())
        assert set(stored) == {"original", "feed", "thumbnail", "webp"}
        for variant, info in stored.items():
            path = file_path(platform.settings.media_dir, digest, variant, info["ext"])
            raw = Path(path).read_bytes()
            assert b"SecretCam" not in raw
            assert b"Exif" not in raw
            with Image.open(path) as stored:
                assert len(stored.getexif()) == 0
                assert "exif" not in stored.info
                assert "icc_profile" not in stored.info

    async def test_png_with_transparency_keeps_alpha_out_of_palette(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice = await factory.user()
        img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
        img.paste((128, 0, 32, 255), (100, 100, 300, 300))
        r = await upload(client, alice, encode(img, "PNG"), "dress.png", "image/png")
        assert r.status_code == 201, r.text
        palette = r.json()["media"]["palette"]
        assert palette[0]["name"] == "burgundy"
        assert palette[0]["share"] > 0.95
        assert r.json()["media"]["content_type"] == "image/png"

    async def test_webp_and_heic_are_accepted(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        img = blocks([("#c19a6b", 1.0)], (300, 300))
        r = await upload(client, alice, encode(img, "WEBP"), "a.webp", "image/webp")
        assert r.status_code == 201, r.text
        assert r.json()["media"]["palette"][0]["name"] == "camel"
        r = await upload(client, alice, encode(img.rotate(90), "HEIF"), "b.heic", "image/heic")
        assert r.status_code == 201, r.text
        assert r.json()["media"]["content_type"] == "image/jpeg"  # browsers cannot show HEIC

    async def test_alt_text_on_upload(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        r = await upload(client, alice, encode(scene(5)), alt_text="  Red coat in the snow ")
        assert r.json()["media"]["alt_text"] == "Red coat in the snow"
        assert r.json()["media"]["needs_alt_text"] is False


class TestUploadRefuses:
    async def test_png_bomb_is_refused_before_decoding(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice = await factory.user()
        bomb = png_bomb(20_000)
        assert len(bomb) < 100_000
        r = await upload(client, alice, bomb, "bomb.png", "image/png")
        assert r.status_code == 413
        assert r.json()["code"] == "image_too_many_pixels"
        assert await media_count(platform) == 0

    async def test_truncated_jpeg_is_422(self, client: AsyncClient, factory: Factory,
                                         platform) -> None:
        alice = await factory.user()
        data = encode(scene(7), quality=90)
        r = await upload(client, alice, data[: len(data) // 2])
        assert r.status_code == 422
        assert r.json()["code"] == "corrupt_image"
        assert await media_count(platform) == 0

    async def test_html_named_jpg_is_415(self, client: AsyncClient, factory: Factory,
                                         platform) -> None:
        alice = await factory.user()
        html = b"<!doctype html><html><script>alert(1)</script></html>"
        r = await upload(client, alice, html, "cute.jpg", "image/jpeg")
        assert r.status_code == 415
        assert r.json()["code"] == "unsupported_image_type"
        assert await media_count(platform) == 0

    async def test_gif_and_svg_are_415(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        gif = encode(Image.new("RGB", (10, 10)), "GIF")
        assert (await upload(client, alice, gif, "a.gif", "image/gif")).status_code == 415
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
        assert (await upload(client, alice, svg, "a.svg", "image/svg+xml")).status_code == 415

    async def test_over_16_mib_is_413(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        data = b"\xff\xd8\xff" + b"\x00" * (16 * 1024 * 1024 + 10)
        r = await upload(client, alice, data)
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large" or r.json()["code"] == "file_too_large"

    async def test_empty_file_is_422(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        r = await upload(client, alice, b"")
        assert r.status_code == 422

    async def test_anonymous_upload_is_401(self, client: AsyncClient) -> None:
        r = await upload(client, None, encode(scene(1)))
        assert r.status_code == 401

    async def test_alt_text_over_1000_is_422(self, client: AsyncClient, factory: Factory) -> None:
        alice = await factory.user()
        r = await upload(client, alice, encode(scene(1)), alt_text="x" * 1001)
        assert r.status_code == 422


class TestReupload:
    async def test_same_image_twice_returns_the_first(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice = await factory.user()
        data = encode(scene(11))
        first = await upload(client, alice, data)
        second = await upload(client, alice, data)
        assert first.status_code == 201
        assert second.status_code == 200
        assert first.json()["media"]["id"] == second.json()["media"]["id"]
        assert second.json()["media"]["needs_credit"] is False
        assert await media_count(platform) == 1


class TestConcurrentReupload:
    async def test_same_image_at_once_gives_one_row(self, client: AsyncClient, factory: Factory,
                                                    platform) -> None:
        import asyncio

        alice = await factory.user()
        data = encode(scene(12))
        results = await asyncio.gather(*(upload(client, alice, data) for _ in range(4)))
        assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
        assert len({r.json()["media"]["id"] for r in results}) == 1
        assert await media_count(platform) == 1


class TestClaimContract:
    async def test_claim_media_requires_every_id_to_be_the_owners(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        alice, bob = await factory.user(), await factory.user()
        a1 = (await upload(client, alice, encode(scene(21)))).json()["media"]["id"]
        a2 = (await upload(client, alice, encode(scene(22)))).json()["media"]["id"]
        b1 = (await upload(client, bob, encode(scene(23)))).json()["media"]["id"]
        claimed = await platform.db.run(service.claim_media, alice.id, [a2, a1])
        assert [m.id for m in claimed] == [a2, a1]
        assert all(m.attached for m in claimed)
        from tanvi_social.core.errors import NotFound

        for ids in ([a1, b1], [a1, 999_999]):
            try:
                await platform.db.run(service.claim_media, alice.id, ids)
            except NotFound:
                pass
            else:
                raise AssertionError(f"claim of {ids} should fail")
        reads = await platform.db.read(service.media_reads, [a1, b1, 424242])
        assert set(reads) == {a1, b1}
        assert reads[b1].attached is False
