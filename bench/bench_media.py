"""Media pipeline micro-benchmark: images/s for a 2000×3000 JPEG.

    .venv/bin/python bench/bench_media.py [--seconds 8]

Measures, in one run on the same photo-like image:
  * ceiling: decode + re-encode the original only (the least any metadata-stripping server does);
  * pipeline, 1 thread: `process_image` (verify, orient, strip, 4 variants, blurhash, palette,
    pHash/dHash, colour grid);
  * pipeline, 2 threads (Pillow releases the GIL: the throughput of a 2-core box);
  * HTTP: `POST /api/media` end to end through the ASGI app (SQLite, files on a temp disk),
    2 concurrent clients.
Prints each figure and its ratio to the ceiling (machines here are noisy, ratios are stabler).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform as pyplatform
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from tanvi_social.media.processing import process_image


def photo(seed: int, size: tuple[int, int] = (2000, 3000)) -> bytes:
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    img = Image.blend(img, Image.new("RGB", size, (rng.randrange(256), 90, 120)), 0.5)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse([x, y, x + rng.randrange(80, 700), y + rng.randrange(80, 700)],
                     fill=tuple(rng.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(2))
    img = Image.blend(img, Image.effect_noise(size, 30).convert("RGB"), 0.1)
    exif = Image.Exif()
    exif[0x0112] = 1
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def rate(fn, seconds: float, threads: int = 1) -> float:
    """Calls per second of fn() over `seconds`, with `threads` workers."""
    fn()  # warm-up
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def worker(i: int) -> None:
        while time.perf_counter() < deadline:
            fn()
            counts[i] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return sum(counts) / (time.perf_counter() - start)


def ceiling_fn(data: bytes):
    def run() -> None:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            clean = img.convert("RGB")
        clean.save(io.BytesIO(), "JPEG", quality=90)
    return run


async def http_rate(images: list[bytes], seconds: float, clients: int = 2) -> float:
    import httpx

    from tanvi_social.app import create_app
    from tanvi_social.core.security import issue_access_token
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-media-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    settings = Settings(env="test", database_url=url, secret_key="bench-" + "z" * 40,
                        var_dir=tmp, media_dir=tmp / "media", rate_limits_enabled=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        platform = app.state.platform

        def make_user(session) -> int:
            from tanvi_social.accounts.models import User

            user = User(username="bencher", email="b@example.test", password_hash=None)
            session.add(user)
            session.flush()
            return user.id

        user_id = await platform.db.run(make_user)
        token, _ = issue_access_token(settings.signing_key(), user_id=user_id, role="user",
                                      token_version=0, minutes=60)
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            counter = 0
            deadline = time.perf_counter() + seconds

            async def worker() -> int:
                nonlocal counter
                done = 0
                while time.perf_counter() < deadline:
                    data = images[counter % len(images)]
                    counter += 1
                    r = await client.post("/api/media", headers=headers,
                                          files={"file": ("p.jpg", data, "image/jpeg")})
                    assert r.status_code in (200, 201), r.text
                    done += 1
                return done

            start = time.perf_counter()
            done = sum(await asyncio.gather(*(worker() for _ in range(clients))))
            return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    images = [photo(seed) for seed in range(12)]  # distinct images: no dedupe shortcut
    data = images[0]
    print(f"machine: {pyplatform.machine()} {os.cpu_count()} cpu, Python "
          f"{pyplatform.python_version()}, Pillow {Image.__version__}")
    print(f"input: 2000x3000 JPEG q90, {len(data) / 1024:.0f} KiB")
    ceiling = rate(ceiling_fn(data), args.seconds)
    one = rate(lambda: process_image(data), args.seconds)
    two = rate(lambda: process_image(data), args.seconds, threads=2)
    http = asyncio.run(http_rate(images, args.seconds))
    rows = [("ceiling: decode + re-encode original (1 thread)", ceiling),
            ("pipeline process_image (1 thread)", one),
            ("pipeline process_image (2 threads)", two),
            ("POST /api/media end to end (2 clients, SQLite)", http)]
    for label, value in rows:
        print(f"{label:52s} {value:6.2f} images/s   {value / ceiling:5.2f} x ceiling")


if __name__ == "__main__":
    main()
