"""CPU time and SQL statements per request on the hot paths, one request at a time (or
`--concurrency N` at once).

    .venv/bin/python bench/probe_paths.py [--requests 200] [--only create,text,like]
    .venv/bin/python bench/probe_paths.py --database postgresql://postgres@127.0.0.1:5432/<empty>

The real app in process (all domains, middleware, auth; rate limits off) over an ASGI transport,
one client, so nothing queues (`--direct`: the ASGI app is called without any HTTP client, so
only the server's work is measured): for each path it reports the process CPU time per request (less
sensitive to other jobs on a shared machine than wall-clock throughput, though not immune) and
the number of SQL statements the request executed, counted on the engine, including the
statements of event consumers and of the background jobs the requests queued (the clock stops
after they have run, so their cost counts).
Ratios are CPU per request against `GET /api/health/live` measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_content import ITEMS, fast_users


class DirectResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.text = body.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.text)


class DirectClient:
    """Calls the ASGI app itself (no HTTP client in the measurement): what the server spends."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      json: Any = None) -> DirectResponse:
        body = orjson.dumps(json) if json is not None else b""
        raw = [(b"host", b"probe")]
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        if json is not None:
            raw += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
        path, _, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
                 "root_path": "", "query_string": query.encode(), "headers": raw,
                 "client": ("127.0.0.1", 1), "server": ("probe", 80), "app": self.app}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        status, chunks = 500, []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return DirectResponse(status, b"".join(chunks))

    async def get(self, path: str, headers: dict[str, str] | None = None) -> DirectResponse:
        return await self.request("GET", path, headers)

    async def post(self, path: str, json: Any = None,
                   headers: dict[str, str] | None = None) -> DirectResponse:
        return await self.request("POST", path, headers, json)


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        self.n = 0
        self.kinds: Counter[str] = Counter()
        self.keep = False
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.n += 1
        if self.keep:
            self.kinds[" ".join(statement.split())[:110]] += 1


async def probe(args: argparse.Namespace) -> None:
    os.environ.setdefault("TANVI_LOG_LEVEL", "WARNING")
    from tanvi_social.app import create_app
    from tanvi_social.core.jobs import runner_of
    from tanvi_social.core.serving import tune_gc
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'probe.db'}"
        upgrade(url)
        settings = Settings(env="test", database_url=url, secret_key="b" * 48,
                            var_dir=Path(tmp), media_dir=Path(tmp) / "media",
                            rate_limits_enabled=False, jobs_scheduler_enabled=False,
                            redis_url=args.redis_url, job_broker="memory")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            import logging

            logging.disable(logging.WARNING)
            platform = app.state.platform
            db = platform.db
            engine = db.sync_engine if db.is_sqlite else db.async_engine.sync_engine
            counter = StatementCounter(engine)
            jobs = runner_of(platform)
            n_users = 2 * args.requests + 100
            users = await fast_users(app, n_users, "probeuser")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
                author = users[0]
                # the viewers follow the author and a few others, so timelines have content
                for i in range(1, 41):
                    for j in (0, 2, 3, 4, 5):
                        if i != j:
                            r = await client.post("/api/social/connections",
                                                  json={"user_id": j + 1}, headers=users[i])
                            assert r.status_code in (200, 201), r.text
                for k in range(60):
                    r = await client.post("/api/content/posts", json={
                        "caption": f"Seed look {k} #ootd #linen", "outfit_items": ITEMS},
                        headers=users[k % 6])
                    assert r.status_code == 201, r.text
                await jobs.drain()
                post_id = r.json()["post"]["id"]
                like_posts = []
                for k in range(5):
                    r = await client.post("/api/content/posts", json={"caption": f"like me {k}"},
                                          headers=author)
                    like_posts.append(r.json()["post"]["id"])
                await jobs.drain()
                viewers = users[1:41]
                if args.direct:
                    client = DirectClient(app)  # type: ignore[assignment]
                tune_gc()  # as the serving process (tanvi_social.asgi)
                likers = iter(users[41:])
                n = args.requests
                scenarios: dict[str, Any] = {
                    "ceiling": lambda i: client.get("/api/health/live"),
                    "read": lambda i: client.get(f"/api/content/posts/{post_id}",
                                                 headers=viewers[i % len(viewers)]),
                    "create": lambda i: client.post("/api/content/posts", json={
                        "caption": f"Look {i} #ootd #linen", "outfit_items": ITEMS,
                        "occasion": "brunch"}, headers=viewers[i % len(viewers)]),
                    # caption only, as `python -m bench.run`'s text_posts
                    "text": lambda i: client.post("/api/content/posts", json={
                        "caption": f"bench outfit {i} #ootd #bench", "visibility": "public"},
                        headers=viewers[i % len(viewers)]),
                    "like": lambda i: client.post(
                        f"/api/content/posts/{like_posts[i % len(like_posts)]}/likes",
                        headers=next(likers)),
                    "comment": lambda i: client.post(
                        f"/api/content/posts/{like_posts[i % len(like_posts)]}/comments",
                        json={"content": f"love this look {i}"},
                        headers=viewers[i % len(viewers)]),
                    "home": lambda i: client.get("/api/inspiration/feed/following",
                                                 headers=viewers[i % len(viewers)]),
                    "foryou": lambda i: client.get("/api/inspiration/feed",
                                                   headers=viewers[i % len(viewers)]),
                }
                expect = {"create": 201, "text": 201, "like": 201, "comment": 201}
                only = set(args.only.split(",")) if args.only else set(scenarios)
                print(f"probe: {'PostgreSQL' if not db.is_sqlite else 'SQLite'}, {n} requests "
                      f"each, {args.concurrency} at a time, "
                      f"{'ASGI direct' if args.direct else 'httpx'}; "
                      f"load average {os.getloadavg()}")
                ceiling_cpu = None
                for name, call in scenarios.items():
                    if name not in only and name != "ceiling":
                        continue
                    count = n if name not in ("foryou",) else max(20, n // 4)
                    for i in range(5):  # warm-up
                        if name != "like":
                            await call(10_000 + i)
                    await jobs.drain()
                    counter.n = 0
                    counter.kinds.clear()
                    counter.keep = args.statements
                    cpu0, wall0 = time.process_time(), time.perf_counter()

                    async def client_task(first: int, call: Any = call, name: str = name,
                                          count: int = count) -> None:
                        for i in range(first, count, args.concurrency):
                            r = await call(i)
                            assert r.status_code == expect.get(name, 200), (
                                name, r.status_code, r.text[:300])

                    await asyncio.gather(*(client_task(k) for k in range(args.concurrency)))
                    await jobs.drain()
                    cpu = (time.process_time() - cpu0) / count * 1000
                    wall = (time.perf_counter() - wall0) / count * 1000
                    counter.keep = False
                    if name == "ceiling":
                        ceiling_cpu = cpu
                    ratio = f"{ceiling_cpu / cpu:5.2f}" if ceiling_cpu else "  -  "
                    print(f"  {name:<8} cpu {cpu:7.2f} ms/req  wall {wall:7.2f} ms/req  "
                          f"statements {counter.n / count:6.1f}/req  ceiling-cpu/cpu {ratio}")
                    if args.statements:
                        for stmt, k in counter.kinds.most_common(40):
                            print(f"      {k / count:5.2f}  {stmt}")
                    if args.profile == name:
                        await _profile(call, count, jobs, 20_000, args.concurrency)


async def _profile(call: Any, count: int, jobs: Any, offset: int, concurrency: int) -> None:
    """cProfile on the CPU clock (time.process_time): waits for other processes do not count."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()

    async def client_task(first: int) -> None:
        for i in range(first, count, concurrency):
            await call(offset + i)

    await asyncio.gather(*(client_task(k) for k in range(concurrency)))
    await jobs.drain()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"tanvi_social|sqlalchemy/orm/session|fastapi/rou"
                                               r"ting|starlette/middleware|engine/base", 45)
    stats.sort_stats("tottime").print_stats(30)
    if os.environ.get("PROBE_CALLERS"):
        stats.print_callers(os.environ["PROBE_CALLERS"])
    if os.environ.get("PROBE_PSTATS"):
        stats.dump_stats(os.environ["PROBE_PSTATS"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", help="comma-separated: read,create,text,like,comment,home,foryou")
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default SQLite)")
    parser.add_argument("--direct", action="store_true",
                        help="call the ASGI app directly (server cost only, no HTTP client)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="requests in flight at once (e.g. 32, as wrk -c32: creates that "
                             "arrive together share a batch)")
    parser.add_argument("--statements", action="store_true",
                        help="list the statements run per request")
    parser.add_argument("--redis-url", default=None,
                        help="scale mode: Redis (cache, fan-out); a database no test uses, e.g. /9")
    parser.add_argument("--profile", help="cProfile (CPU clock) one scenario after measuring it")
    args = parser.parse_args()
    asyncio.run(probe(args))


if __name__ == "__main__":
    main()
