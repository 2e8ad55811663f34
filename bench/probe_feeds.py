"""Server CPU per feed request on a generated data set (no HTTP client in the measurement).

    .venv/bin/python bench/probe_feeds.py --database-url sqlite:///var/bench.db [--requests 60]
    .venv/bin/python bench/probe_feeds.py --database-url postgresql://.../tanvi_bench \
        --redis-url redis://127.0.0.1:6379/12   # scale mode (the Redis database is emptied)

Build the data set first with bench/gen_dataset.py. The app runs in process (rate limits off);
each request is made by calling the ASGI app directly, one at a time, for a seeded sample of 40
users who follow someone (the same sample as bench_feeds.py), so the process CPU time per request
is what the server spends on the home timeline and on "for you". `hits` counts the responses
sent with `X-Cache: hit` (the home timeline's first page from cached pieces).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

PATHS = ("/api/inspiration/feed/following", "/api/inspiration/feed")


async def probe(url: str, requests: int, redis_url: str | None = None) -> None:
    os.environ.setdefault("TANVI_LOG_LEVEL", "WARNING")
    from tanvi_social.app import create_app
    from tanvi_social.core.security import issue_access_token
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.settings import Settings

    upgrade(url)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    secret = "p" * 48
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(env="test", database_url=url, secret_key=secret,
                                  var_dir=Path(tmp), media_dir=Path(tmp) / "media",
                                  rate_limits_enabled=False, jobs_scheduler_enabled=False,
                                  redis_url=redis_url))
        async with app.router.lifespan_context(app):
            logging.disable(logging.WARNING)
            db = app.state.platform.db
            engine = db.sync_engine
            with engine.connect() as conn:
                candidates = [r[0] for r in conn.execute(text(
                    "SELECT DISTINCT follower_id FROM connections ORDER BY follower_id"))]
            users = random.Random(20261126).sample(candidates, min(40, len(candidates)))
            tokens = [issue_access_token(secret, user_id=u, role="user", token_version=0,
                                         minutes=60)[0] for u in users]
            print(f"probe_feeds: {len(users)} users, {requests} requests per path, "
                  f"load average {os.getloadavg()}")
            status: list[int] = []
            hits: list[bool] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])
                    hits.append((b"x-cache", b"hit") in message.get("headers", []))

            for path in PATHS:
                status.clear()
                hits.clear()
                def scope(i: int, path: str = path) -> dict[str, Any]:
                    token = tokens[i % len(tokens)].encode()
                    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                            "method": "GET", "scheme": "http", "path": path,
                            "raw_path": path.encode(), "root_path": "", "query_string": b"",
                            "headers": [(b"host", b"probe"), (b"authorization",
                                                              b"Bearer " + token)],
                            "client": ("127.0.0.1", 1), "server": ("probe", 80), "app": app}

                for i in range(len(users)):  # warm-up: every user once
                    await app(scope(i), receive, send)
                status.clear()
                hits.clear()
                cpu0 = time.process_time()
                for i in range(requests):
                    await app(scope(i), receive, send)
                cpu = (time.process_time() - cpu0) / requests * 1000
                errors = sum(1 for s in status if s != 200)
                print(f"  {path:<34} cpu {cpu:7.2f} ms/request   non-200 {errors}   "
                      f"hits {sum(hits)}/{len(hits)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    asyncio.run(probe(args.database_url, args.requests, args.redis_url))


if __name__ == "__main__":
    main()
