"""Test images built in memory: known colours, photo-like scenes, EXIF with GPS, bombs."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def blocks(colours: list[tuple[str, float]], size: tuple[int, int] = (600, 900)) -> Image.Image:
    """Horizontal bands of the given hex colours, each taking its share of the height."""
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    y = 0.0
    for hex_value, share in colours:
        h = share * size[1]
        draw.rectangle([0, round(y), size[0], round(y + h)], fill=hex_value)
        y += h
    return img


def scene(seed: int, size: tuple[int, int] = (800, 1000)) -> Image.Image:
    """A photo-like picture: gradient background, overlapping shapes, blur and noise."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    tint = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    img = Image.blend(img, tint, 0.6)
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(60, 400), y0 + rng.randrange(60, 400)
        fill = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=fill)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(size, 20).convert("RGB")
    return Image.blend(img, noise, 0.08)


def jpeg_with_gps(orientation: int = 6) -> bytes:
    """A 300×200 JPEG whose EXIF holds GPS coordinates, a camera model and an orientation."""
    img = blocks([("#ff0000", 0.5), ("#0000ff", 0.5)], (300, 200))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 9000"  # Model
    exif[0x0112] = orientation  # Orientation
    gps = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    return encode(img, "JPEG", exif=exif.tobytes(), quality=92)


def png_bomb(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side×side pixels (400 megapixels) that compresses to ~50 KB."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    chunks = [comp.compress(row) for _ in range(side)]
    idat = b"".join(chunks) + comp.flush()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))
