"""Real-time benchmark: N concurrent SSE connections on ONE uvicorn worker, broadcasts to all.

    .venv/bin/python bench/bench_realtime.py --connections 10000 --broadcasts 5

What it does (nothing is simulated inside the server):
1. a fresh SQLite database is migrated; an author and N followers are inserted (tokens are minted
   with the server's secret);
2. `uvicorn tanvi_social.asgi:app` starts in a subprocess (1 worker, Redis scale mode so events can
   come from another process); its RSS is read from /proc before and after the N connections are
   open → memory per connection;
3. this process opens N raw SSE connections (Bearer auth) and waits for `stream.ready` on each;
4. each broadcast inserts a post by the author and publishes its `post.created` event on the Redis
   events channel (`core/pubsub.py`: `tanvi:<db>:ps:events`) exactly as another worker would;
   every connection records when the event arrives → delivery latency p50 / p99 / max over all
   connections and broadcasts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform as pyplatform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import insert  # noqa: E402

from tanvi_social.accounts.models import User  # noqa: E402
from tanvi_social.content.models import Post  # noqa: E402
from tanvi_social.core.db import make_sync_engine  # noqa: E402
from tanvi_social.core.pubsub import EVENTS_CHANNEL, channel_prefix  # noqa: E402
from tanvi_social.core.security import hash_password, issue_access_token  # noqa: E402
from tanvi_social.core.serving import DEFAULT_LOOP, SERVER_LOOPS, uvicorn_args  # noqa: E402
from tanvi_social.core.time import utcnow  # noqa: E402
from tanvi_social.migrations.runner import upgrade  # noqa: E402
from tanvi_social.social.models import Connection  # noqa: E402

SECRET = "bench-realtime-secret-" + "z" * 30


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def prepare(db_url: str, n: int) -> tuple[int, list[str]]:
    upgrade(db_url)
    engine = make_sync_engine(db_url)
    pw = hash_password("bench-password-123")
    with engine.begin() as conn:
        author = conn.execute(insert(User).returning(User.id), [
            {"username": "author", "email": "author@bench.test", "password_hash": pw}]).scalar()
        ids = list(conn.execute(insert(User).returning(User.id), [
            {"username": f"fan{i}", "email": f"fan{i}@bench.test", "password_hash": pw}
            for i in range(n)]).scalars())
        conn.execute(insert(Connection), [{"follower_id": uid, "target_id": author,
                                           "state": "accepted"} for uid in ids])
    engine.dispose()
    tokens = [issue_access_token(SECRET, user_id=uid, role="user", token_version=0,
                                 minutes=120)[0] for uid in ids]
    return int(author), tokens


def new_post(db_url: str, author: int, n: int) -> int:
    engine = make_sync_engine(db_url)
    with engine.begin() as conn:
        post_id = conn.execute(insert(Post).returning(Post.id), [
            {"author_id": author, "caption": f"look {n}", "published_at": utcnow()}]).scalar()
    engine.dispose()
    return int(post_id)


async def open_stream(port: int, token: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    for attempt in range(5):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
            writer.write(f"GET /api/social/notifications/stream HTTP/1.1\r\nHost: bench\r\n"
                         f"Authorization: Bearer {token}\r\n\r\n".encode())
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"event: stream.ready"), 60)
            return reader, writer
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            await asyncio.sleep(0.2 * (attempt + 1))
    raise RuntimeError("could not open a stream")


async def run(args: argparse.Namespace) -> dict[str, object]:
    n = args.connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 1000)), hard))
    tmp = Path(tempfile.mkdtemp(prefix="bench-rt-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    author, tokens = prepare(db_url, n)
    prep_s = time.perf_counter() - t0
    r = redis.Redis.from_url(args.redis_url)
    r.ping()
    port = args.port
    env = {**os.environ, "TANVI_DATABASE_URL": db_url, "TANVI_SECRET_KEY": SECRET,
           "TANVI_VAR_DIR": str(tmp), "TANVI_MEDIA_DIR": str(tmp / "media"),
           "TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_REDIS_URL": args.redis_url,
           "TANVI_ENV": "test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tanvi_social.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log",
         "--backlog", "4096", *uvicorn_args(args.loop)],
        env=env, start_new_session=True)
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health/live", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        await asyncio.sleep(1.0)
        rss_before = rss_kib(server.pid)
        t1 = time.perf_counter()
        for start in range(0, n, args.batch):
            streams += await asyncio.gather(*(open_stream(port, t)
                                              for t in tokens[start:start + args.batch]))
        connect_s = time.perf_counter() - t1
        await asyncio.sleep(2.0)
        rss_after = rss_kib(server.pid)
        latencies: list[float] = []
        per_broadcast: list[dict[str, float]] = []
        for b in range(args.broadcasts):
            arrived: list[float] = []

            async def wait_one(reader: asyncio.StreamReader, bucket: list[float]) -> None:
                await reader.readuntil(b"event: post.created")
                bucket.append(time.perf_counter())

            waiters = [asyncio.create_task(wait_one(rd, arrived)) for rd, _ in streams]
            await asyncio.sleep(0.2)
            post_id = new_post(db_url, author, b)
            sent = time.perf_counter()
            r.publish(channel_prefix(r) + EVENTS_CHANNEL, orjson.dumps({
                "name": "post.created", "post_id": post_id, "author_id": author,
                "visibility": "public"}))
            await asyncio.wait_for(asyncio.gather(*waiters), timeout=120)
            these = sorted((t - sent) * 1000 for t in arrived)
            per_broadcast.append({"p50_ms": round(statistics.median(these), 1),
                                  "p99_ms": round(these[int(len(these) * 0.99) - 1], 1),
                                  "max_ms": round(these[-1], 1)})
            latencies += these
            await asyncio.sleep(0.5)
        latencies.sort()
        rss_final = rss_kib(server.pid)
        return {
            "connections": n, "broadcasts": args.broadcasts, "deliveries": len(latencies),
            "prepare_s": round(prep_s, 1), "connect_s": round(connect_s, 1),
            "server_rss_before_mib": round(rss_before / 1024, 1),
            "server_rss_connected_mib": round(rss_after / 1024, 1),
            "server_rss_final_mib": round(rss_final / 1024, 1),
            "kib_per_connection": round((rss_after - rss_before) / n, 1),
            "latency_ms_p50": round(statistics.median(latencies), 1),
            "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1], 1),
            "latency_ms_max": round(latencies[-1], 1), "per_broadcast": per_broadcast,
            "python": pyplatform.python_version(), "cpus": os.cpu_count(),
        }
    finally:
        for _, w in streams:
            w.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--broadcasts", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--loop", choices=SERVER_LOOPS, default=DEFAULT_LOOP,
                        help="the server's event loop (default: as `tanvi-social serve`)")
    parser.add_argument("--redis-url", default=os.environ.get("TANVI_BENCH_REDIS_URL",
                                                              "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
