"""Content benchmark: create text posts, likes, and post reads against the health-live ceiling.

    .venv/bin/python bench/bench_content.py [--seconds 5] [--clients 8]
    .venv/bin/python bench/bench_content.py --url http://127.0.0.1:8000   # a running server
    .venv/bin/python bench/bench_content.py --database postgresql://postgres@127.0.0.1:5432/x

In-process mode (default) runs the real app (all domains, middleware, auth, rate limits off)
over an ASGI transport on a fresh SQLite database in a temp dir (or the given PostgreSQL
database, which must be empty: it is migrated first). Server mode (`--url`) drives a running
server over HTTP with keep-alive (start it with TANVI_RATE_LIMITS_ENABLED=false); users are
registered through the API.

Measured in one run, each for `--seconds` with `--clients` concurrent clients:
  * ceiling: GET /api/health/live (the framework + middleware, no database);
  * GET /api/content/posts/{id} as a signed-in viewer (access rule, author card, media,
    viewer block, analysis);
  * POST /api/content/posts, a text post with a hashtag and two outfit items (parse, screen,
    analyse, hashtags, counters, activity, read model);
  * POST /api/content/posts with one image (uploaded by each client's author before the clock
    starts): the same plus claiming the image, its palette in the analysis, its card;
  * POST /api/content/posts/{id}/likes by distinct users (insert + atomic counter + notify).
Prints requests/s and each one's ratio to the ceiling. In process, each figure's clock stops only
after the background jobs its requests queued (search indexing) have run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as pyplatform
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ITEMS = [{"name": "Linen shirt", "category": "shirt", "colour": "white", "brand": "Arket"},
         {"name": "Wide trousers", "category": "trousers", "colour": "camel"}]


# In process: wait for the background jobs the requests queued (search indexing) before the
# clock stops, so their cost counts against the requests that caused it.
SETTLE: list[Callable[[], Awaitable[None]]] = []


def _photo(seed: int) -> bytes:
    """A 1080 × 1350 JPEG outfit-like photo, different per seed (no near-duplicate matches)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1080, 1350), (230 - seed * 9 % 200, 214, 190 + seed * 7 % 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 200 + seed * 11 % 150, 780, 900), fill=(40 + seed * 23 % 200, 60, 90))
    draw.ellipse((420, 60, 660, 300), fill=(200, 160 + seed * 5 % 90, 130))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


async def measure(name: str, clients: int, seconds: float,
                  call: Callable[[int, int], Awaitable[httpx.Response]],
                  expect: int) -> float:
    deadline = time.perf_counter() + seconds
    done = [0] * clients
    errors: dict[int, int] = {}

    async def worker(i: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            r = await call(i, n)
            n += 1
            if r.status_code == expect:
                done[i] += 1
            else:
                errors[r.status_code] = errors.get(r.status_code, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    for settle in SETTLE:
        await settle()
    elapsed = time.perf_counter() - start
    rate = sum(done) / elapsed
    print(f"  {name:<34} {rate:9.0f} req/s" + (f"   errors {errors}" if errors else ""))
    return rate


async def register(client: httpx.AsyncClient, count: int, prefix: str) -> list[dict[str, str]]:
    headers = []
    for i in range(count):
        r = await client.post("/api/auth/register", json={
            "username": f"{prefix}{i}", "email": f"{prefix}{i}@bench.test",
            "password": "bench-password-4217"})
        assert r.status_code == 201, r.text
        headers.append({"Authorization": f"Bearer {r.json()['tokens']['access_token']}"})
    return headers


async def fast_users(app: Any, count: int, prefix: str) -> list[dict[str, str]]:
    """In-process: users straight into the database (registration hashes passwords: slow)."""
    from tanvi_social.accounts.models import User
    from tanvi_social.core.security import issue_access_token

    platform = app.state.platform

    def create(session: Any) -> list[int]:
        users = [User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.test",
                      password_hash="x") for i in range(count)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]

    ids = await platform.db.run(create)
    key = platform.settings.signing_key()
    return [{"Authorization": "Bearer " + issue_access_token(
        key, user_id=uid, role="user", token_version=0, minutes=60)[0]} for uid in ids]


async def run(client: httpx.AsyncClient, users: list[dict[str, str]], clients: int,
              seconds: float) -> dict[str, float]:
    author = users[0]
    r = await client.post("/api/content/posts", json={
        "caption": "Bench look #bench", "outfit_items": ITEMS, "occasion": "work"},
        headers=author)
    assert r.status_code == 201, r.text
    post_id = r.json()["post"]["id"]
    results: dict[str, float] = {}
    results["ceiling"] = await measure(
        "GET /api/health/live (ceiling)", clients, seconds,
        lambda i, n: client.get("/api/health/live"), 200)
    results["read"] = await measure(
        "GET /api/content/posts/{id}", clients, seconds,
        lambda i, n: client.get(f"/api/content/posts/{post_id}",
                                headers=users[1 + i % (len(users) - 1)]), 200)
    results["create"] = await measure(
        "POST /api/content/posts (text)", clients, seconds,
        lambda i, n: client.post("/api/content/posts", json={
            "caption": f"Look {i}-{n} #ootd #linen", "outfit_items": ITEMS,
            "occasion": "brunch"}, headers=users[i % len(users)]), 201)
    # posts with one image: each client's author uploads a photo of their own first (not timed;
    # the image pipeline's own rate is bench_media.py), and every post of that client attaches it
    photos: dict[int, int] = {}
    for i in range(clients):
        r = await client.post("/api/media", headers=users[i % len(users)],
                              files={"file": ("look.jpg", _photo(i), "image/jpeg")})
        assert r.status_code == 201, r.text
        photos[i] = r.json()["media"]["id"]
    results["create_image"] = await measure(
        "POST /api/content/posts (1 image)", clients, seconds,
        lambda i, n: client.post("/api/content/posts", json={
            "caption": f"Look {i}-{n} #ootd", "media_ids": [photos[i]]},
            headers=users[i % len(users)]), 201)
    # likes: every (user, post) pair at most once; each client walks its own users
    # (per_client users x 100 posts: 2,400 likes per client with 200 users, more than one client
    # makes in a run; 20 posts ran out at 480 once likes got faster, and every like after that
    # was a 409 that the rate does not count)
    like_posts = []
    for k in range(100):
        r = await client.post("/api/content/posts", json={"caption": f"to like {k}"},
                              headers=author)
        like_posts.append(r.json()["post"]["id"])
    per_client = max(1, (len(users) - 1) // clients)

    def like(i: int, n: int) -> Awaitable[httpx.Response]:
        user = users[1 + (i * per_client + n % per_client) % (len(users) - 1)]
        post = like_posts[(n // per_client) % len(like_posts)]
        return client.post(f"/api/content/posts/{post}/likes", headers=user)

    results["like"] = await measure("POST /api/content/posts/{id}/likes", clients, seconds,
                                    like, 201)
    ceiling = results["ceiling"]
    print("  ratios to the ceiling: " + ", ".join(
        f"{k} {v / ceiling:.2f}" for k, v in results.items() if k != "ceiling"))
    return results


async def in_process(args: argparse.Namespace) -> None:
    os.environ.setdefault("TANVI_LOG_LEVEL", "WARNING")
    from tanvi_social.app import create_app
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        settings = Settings(env="test", database_url=url, secret_key="b" * 48,
                            var_dir=Path(tmp), media_dir=Path(tmp) / "media",
                            rate_limits_enabled=False)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            import logging

            logging.disable(logging.WARNING)
            users = await fast_users(app, args.users, "benchuser")
            from tanvi_social.core.jobs import runner_of

            SETTLE.append(runner_of(app.state.platform).drain)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                print(f"in-process ASGI, {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"
                      f", {args.clients} clients, {args.seconds:.0f} s each, "
                      f"{os.cpu_count()} CPUs, Python {pyplatform.python_version()}")
                await run(client, users, args.clients, args.seconds)
            await service_level(app, args.seconds)


async def service_level(app: Any, seconds: float) -> None:
    """The domain's own cost: `service.create_post` as one unit of work, no HTTP, with and
    without the other domains' `post.created` consumers (search indexing, feeds...)."""
    from tanvi_social.accounts.models import User
    from tanvi_social.content import service
    from tanvi_social.content.schemas import PostCreate

    db = app.state.platform.db

    def create(session: Any) -> int:
        user = User(username="svcuser", email="svc@bench.test", password_hash="x")
        session.add(user)
        session.flush()
        return user.id

    uid = await db.run(create)
    data = PostCreate(caption="Service look #ootd #linen", outfit_items=ITEMS, occasion="brunch")
    for label, sink in (("with event consumers", db._event_sink), ("without consumers", None)):
        saved = db._event_sink
        db.set_event_sink(sink)
        try:
            n = 0
            deadline = time.perf_counter() + seconds
            start = time.perf_counter()
            while time.perf_counter() < deadline:
                await db.run(service.create_post, uid,
                             data.model_copy(update={"caption": f"Service look {n} #ootd #linen"}))
                n += 1
            for settle in SETTLE:
                await settle()
            rate = n / (time.perf_counter() - start)
        finally:
            db.set_event_sink(saved)
        print(f"  service.create_post, {label:<22} {rate:9.0f} posts/s")


async def against_server(args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=30) as client:
        stamp = int(time.time()) % 100000
        users = await register(client, args.users, f"b{stamp}u")
        print(f"server {args.url}, {args.clients} clients, {args.seconds:.0f} s each")
        await run(client, users, args.clients, args.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--url", help="benchmark a running server instead")
    parser.add_argument("--database", help="in-process against this (empty) database URL")
    args = parser.parse_args()
    asyncio.run(against_server(args) if args.url else in_process(args))


if __name__ == "__main__":
    main()
