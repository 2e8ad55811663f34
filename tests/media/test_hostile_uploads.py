"""Hostile uploads to `POST /api/media`: polyglots, lying headers, header-only bombs, metadata.

Complements tests/media/test_upload.py (PNG bomb, truncated JPEG, HTML named .jpg, GIF and SVG
with their own names, 16 MiB, GPS EXIF in a JPEG). Every accepted file is re-encoded: the test
fetches each served variant and checks it is an image/* response with `nosniff` and that none of
the smuggled bytes survive.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
from httpx import AsyncClient
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from tanvi_social.media.models import Media
from tests.factories import Factory, TestUser
from tests.media.conftest import upload
from tests.media.images import blocks, encode, scene

SCRIPT = b"<html><body><script>fetch('/api/auth/me').then(r=>r.text()).then(alert)</script>"
MARKERS = (b"<script", b"alert", b"<html", b"evil.html", b"PK\x03\x04", b"PK\x05\x06")
GPS_MARKERS = (b"SecretCam", b"Exif", b"GPSLatitude", b"xmpmeta", b"51,30")


async def media_count(platform: Any) -> int:
    return await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(Media)))


def zip_archive() -> bytes:
    """A real ZIP (stored, not compressed, so its payload is plain bytes) holding an HTML page."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("evil.html", SCRIPT)
    return buf.getvalue()


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height but whose data is a few bytes: the header lies."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is patched to claim width×height."""
    data = bytearray(encode(scene(40, (64, 64)), quality=80))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


async def served_variants(client: AsyncClient, user: TestUser,
                          media: dict[str, Any]) -> dict[str, bytes]:
    """Every variant as served: image/* of the recorded type, `nosniff`, readable as an image."""
    served: dict[str, bytes] = {}
    assert set(media["urls"]) == {"original", "feed", "thumbnail", "webp"}
    for name, url in media["urls"].items():
        r = await client.get(url, headers=user.headers)
        assert r.status_code == 200, (name, r.text)
        content_type = r.headers["content-type"]
        assert content_type.startswith("image/"), (name, content_type)
        assert content_type == media["variants"][name]["content_type"]
        assert r.headers["x-content-type-options"] == "nosniff"
        with Image.open(io.BytesIO(r.content)) as img:
            img.load()
            assert Image.MIME[img.format] == content_type
        served[name] = r.content
    return served


def assert_clean(served: dict[str, bytes], markers: tuple[bytes, ...] = MARKERS) -> None:
    for name, data in served.items():
        for marker in markers:
            assert marker not in data, (name, marker)
        assert not zipfile.is_zipfile(io.BytesIO(data)), name


class TestPolyglots:
    @pytest.mark.parametrize(("label", "tail"), [
        ("html", SCRIPT),
        ("zip", zip_archive()),
    ])
    async def test_jpeg_with_appended_payload_is_reencoded_without_it(
        self, client: AsyncClient, factory: Factory, label: str, tail: bytes
    ) -> None:
        alice = await factory.user()
        seed = 31 if label == "html" else 32
        polyglot = encode(scene(seed, (640, 800)), quality=90) + tail
        if label == "zip":
            assert zipfile.is_zipfile(io.BytesIO(polyglot))  # really both a JPEG and a ZIP
        with Image.open(io.BytesIO(polyglot)) as img:
            assert img.format == "JPEG"
        r = await upload(client, alice, polyglot, f"look.{label}.jpg")
        assert r.status_code == 201, r.text
        media = r.json()["media"]
        assert media["content_type"] == "image/jpeg"
        assert_clean(await served_variants(client, alice, media))

    async def test_payload_inside_jpeg_comment_and_png_text_chunks_is_dropped(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice = await factory.user()
        jpeg = encode(scene(33, (500, 500)), quality=90, comment=SCRIPT)
        assert SCRIPT in jpeg
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", SCRIPT.decode())
        info.add_itxt("Description", SCRIPT.decode(), zip=False)
        png = encode(scene(34, (400, 300)), "PNG", pnginfo=info) + zip_archive()  # after IEND
        assert png.count(SCRIPT) == 3
        for data, name, content_type in ((jpeg, "c.jpg", "image/jpeg"),
                                         (png, "t.png", "image/png")):
            r = await upload(client, alice, data, name, content_type)
            assert r.status_code == 201, r.text
            assert_clean(await served_variants(client, alice, r.json()["media"]))

    async def test_svg_and_gif_renamed_jpg_are_415(self, client: AsyncClient, factory: Factory,
                                                   platform: Any) -> None:
        alice = await factory.user()
        svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
               b'height="10" onload="alert(1)"><script>alert(2)</script></svg>')
        gif = encode(Image.new("RGB", (10, 10), "red"), "GIF")
        assert gif.startswith(b"GIF8")
        for data in (svg, gif):
            r = await upload(client, alice, data, "photo.jpg", "image/jpeg")
            assert r.status_code == 415, r.text
            assert r.json()["code"] == "unsupported_image_type"
            assert r.json()["success"] is False
        assert await media_count(platform) == 0

    async def test_file_starting_with_html_then_a_jpeg_is_415(
        self, client: AsyncClient, factory: Factory, platform: Any
    ) -> None:
        alice = await factory.user()
        data = SCRIPT + encode(scene(35, (64, 64)))
        r = await upload(client, alice, data, "photo.jpg", "image/jpeg")
        assert r.status_code == 415
        assert await media_count(platform) == 0


class TestLyingHeaders:
    async def test_declared_type_and_name_are_ignored_the_real_type_is_served(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        alice = await factory.user()
        png = encode(blocks([("#800020", 1.0)], (120, 90)), "PNG")
        r = await upload(client, alice, png, "photo.jpg", "image/jpeg")
        assert r.status_code == 201, r.text
        media = r.json()["media"]
        assert media["content_type"] == "image/png"
        served = await served_variants(client, alice, media)
        assert served["original"].startswith(b"\x89PNG")

        jpeg = encode(scene(36, (200, 200)))
        r = await upload(client, alice, jpeg, "page.html", "text/html")
        assert r.status_code == 201, r.text
        media = r.json()["media"]
        assert media["content_type"] == "image/jpeg"
        served = await served_variants(client, alice, media)
        assert served["original"].startswith(b"\xff\xd8\xff")


class TestHeaderBombs:
    @pytest.mark.parametrize(("label", "data"), [
        ("png 100k x 100k declared", png_declaring(100_000, 100_000)),
        ("png 7000 x 7000 declared (49 Mpx)", png_declaring(7_000, 7_000)),
        ("png 12001 x 1 (too wide)", png_declaring(12_001, 1)),
        ("jpeg 60000 x 60000 declared", jpeg_declaring(60_000, 60_000)),
    ])
    async def test_declared_size_over_the_limits_is_413_before_decoding(
        self, client: AsyncClient, factory: Factory, platform: Any, label: str, data: bytes
    ) -> None:
        alice = await factory.user()
        assert len(data) < 10_000, label
        r = await upload(client, alice, data, "bomb.png", "image/png")
        assert r.status_code == 413, (label, r.text)
        assert r.json()["code"] == "image_too_many_pixels"
        assert await media_count(platform) == 0

    async def test_truncated_png_is_422(self, client: AsyncClient, factory: Factory,
                                        platform: Any) -> None:
        alice = await factory.user()
        data = encode(scene(37, (400, 400)), "PNG")
        r = await upload(client, alice, data[: len(data) // 2], "half.png", "image/png")
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "corrupt_image"
        assert await media_count(platform) == 0


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 9000"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    return exif


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
       b'rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
       b'exif:GPSLatitude="51,30.2N" exif:GPSLongitude="0,7.6W"/></rdf:RDF></x:xmpmeta>')


class TestMetadataInEveryFormat:
    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
    async def test_gps_exif_and_xmp_are_gone_from_every_served_variant(
        self, client: AsyncClient, factory: Factory, fmt: str
    ) -> None:
        alice = await factory.user()
        img = blocks([("#c19a6b", 0.5), ("#000080", 0.5)], (300, 200))
        if fmt == "PNG":  # PNG carries XMP in an iTXt chunk
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=False)
            data = encode(img, fmt, exif=_gps_exif().tobytes(), pnginfo=info)
        else:
            data = encode(img, fmt, exif=_gps_exif().tobytes(), xmp=XMP)
        with Image.open(io.BytesIO(data)) as src:  # the file really carries both
            assert src.getexif().get_ifd(0x8825)
            assert b"GPSLatitude" in data
        r = await upload(client, alice, data, f"geo.{fmt.lower()}", Image.MIME[fmt])
        assert r.status_code == 201, r.text
        served = await served_variants(client, alice, r.json()["media"])
        assert_clean(served, GPS_MARKERS)
        for name, raw in served.items():
            with Image.open(io.BytesIO(raw)) as stored:
                assert len(stored.getexif()) == 0, name
                assert not {"exif", "xmp", "XML:com.adobe.xmp"} & set(stored.info), name
