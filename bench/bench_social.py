"""Social benchmark: follow+unfollow throughput and profile reads against the health-live ceiling.

    .venv/bin/python bench/bench_social.py [--seconds 8] [--concurrency 32] [--users 2000]
                                           [--database-url postgresql://postgres@127.0.0.1/x]

Starts the app with uvicorn in a subprocess on a free loopback port (a fresh SQLite file unless
--database-url names an empty database), creates the users directly in the database, then drives
three scenarios one after the other with an httpx async load loop of `--concurrency` workers:

* `GET /api/health/live` — the bare-framework ceiling of this machine, in this run;
* `GET /api/social/profiles/{id}` — a signed-in viewer reads a random profile;
* follow + unfollow — each worker has its own user and follows then unfollows random accounts.

It prints requests/s, p50 and p99 latency for each and the ratios to the ceiling, and checks
afterwards that every stored follower/following counter equals the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from tanvi_social.core.serving import uvicorn_args

SECRET = "bench-secret-" + "x" * 40


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, users: int) -> list[tuple[int, str]]:
    """Migrate, create users with profiles, and sign a token for each."""
    from tanvi_social.accounts.models import User
    from tanvi_social.core.db import make_sync_engine
    from tanvi_social.core.security import hash_password, issue_access_token
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.social.models import Profile

    upgrade(url)
    engine = make_sync_engine(url)
    pw = hash_password("bench-password-2026")
    styles = ["minimalist", "boho", "classic", "edgy", "streetwear", "vintage", "glam"]
    rng = random.Random(7)
    with engine.begin() as conn:
        start = conn.scalar(select(func.coalesce(func.max(User.id), 0)))
        conn.execute(insert(User), [
            {"username": f"bench{start + i}", "email": f"bench{start + i}@example.test",
             "password_hash": pw} for i in range(users)])
        ids = list(conn.scalars(select(User.id).where(User.id > start).order_by(User.id)))
        conn.execute(insert(Profile), [
            {"user_id": uid, "display_name": f"Bench {uid}", "bio": "Benchmark account",
             "style_tags": rng.sample(styles, 2), "favorite_colors": ["navy"],
             "favorite_brands": ["COS"], "occasions": ["work"], "budget_band": "mid"}
            for uid in ids])
    engine.dispose()
    return [(uid, issue_access_token(SECRET, user_id=uid, role="user", token_version=0,
                                     minutes=60)[0]) for uid in ids]


def check_counts(url: str) -> tuple[int, int]:
    """(profiles checked, profiles whose counters differ from the rows)."""
    from tanvi_social.core.db import make_sync_engine
    from tanvi_social.social.models import Connection, Profile

    engine = make_sync_engine(url)
    with engine.connect() as conn:
        followers = dict(conn.execute(select(Connection.target_id, func.count()).where(
            Connection.state == "accepted").group_by(Connection.target_id)).all())
        following = dict(conn.execute(select(Connection.follower_id, func.count()).where(
            Connection.state == "accepted").group_by(Connection.follower_id)).all())
        rows = conn.execute(select(Profile.user_id, Profile.followers_count,
                                   Profile.following_count)).all()
    engine.dispose()
    bad = sum(1 for uid, a, b in rows
              if a != followers.get(uid, 0) or b != following.get(uid, 0))
    return len(rows), bad


async def drive(name: str, seconds: float, concurrency: int,
                step: Callable[[httpx.AsyncClient, int], Awaitable[list[tuple[float, bool]]]],
                base: str) -> Result:
    latencies: list[float] = []
    errors = 0
    count = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for w in range(min(concurrency, 4)):  # warm-up
            await step(client, w)
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker(w: int) -> None:
            nonlocal errors, count
            while time.perf_counter() < deadline:
                for elapsed, ok in await step(client, w):
                    latencies.append(elapsed)
                    count += 1
                    errors += 0 if ok else 1

        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        took = time.perf_counter() - started
    return Result(name, count, took, latencies, errors)


async def timed(coro: Awaitable[httpx.Response], ok: tuple[int, ...]) -> tuple[float, bool]:
    start = time.perf_counter()
    response = await coro
    return time.perf_counter() - start, response.status_code in ok


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="tanvi-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    users = prepare(url, args.users)
    port = free_port()
    env = {**os.environ, "TANVI_DATABASE_URL": url, "TANVI_SECRET_KEY": SECRET,
           "TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_VAR_DIR": str(tmp),
           "TANVI_MEDIA_DIR": str(tmp / "media"), "TANVI_ENV": "dev"}
    env.pop("TANVI_REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tanvi_social.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning",
         *uvicorn_args()], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(200):
                try:
                    if (await probe.get("/api/health/live")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                print("server did not start", file=sys.stderr)
                return 1
        rng = random.Random(11)
        ids = [u for u, _ in users]
        auth = [{"Authorization": f"Bearer {t}"} for _, t in users]

        async def live(client: httpx.AsyncClient, w: int) -> list[tuple[float, bool]]:
            return [await timed(client.get("/api/health/live"), (200,))]

        async def profile(client: httpx.AsyncClient, w: int) -> list[tuple[float, bool]]:
            target = rng.choice(ids)
            return [await timed(client.get(f"/api/social/profiles/{target}",
                                           headers=auth[w % len(auth)]), (200,))]

        async def follow_unfollow(client: httpx.AsyncClient, w: int) -> list[tuple[float, bool]]:
            me = w % len(users)
            target = rng.choice(ids)
            while target == ids[me]:
                target = rng.choice(ids)
            first = await timed(client.post("/api/social/connections",
                                            json={"user_id": target}, headers=auth[me]), (201,))
            second = await timed(client.delete(f"/api/social/connections/{target}",
                                               headers=auth[me]), (200,))
            return [first, second]

        results = []
        for name, step in (("GET /api/health/live (ceiling)", live),
                           ("GET /api/social/profiles/{id}", profile),
                           ("follow + unfollow (POST+DELETE)", follow_unfollow)):
            results.append(await drive(name, args.seconds, args.concurrency, step, base))
    finally:
        server.terminate()
        server.wait(timeout=10)
    checked, bad = check_counts(url)
    ceiling = results[0].rps
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"\nTanvi social benchmark: {backend}, {args.users} users, {args.concurrency} "
          f"concurrent clients, {args.seconds:.0f} s per scenario, {os.cpu_count()} CPUs")
    print(f"{'scenario':36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}")
    for r in results:
        print(f"{r.name:36} {r.rps:9.0f} {r.pct(0.50):8.1f} {r.pct(0.99):8.1f} {r.errors:7d} "
              f"{r.rps / ceiling:7.2f}")
    pairs = results[2].requests / 2 / results[2].seconds
    print(f"follow+unfollow pairs/s: {pairs:.0f}; counters exact on {checked - bad}/{checked} "
          "profiles")
    return 0 if bad == 0 and all(r.errors == 0 for r in results) else 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to use instead of a temporary SQLite file")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
