"""Home timeline and "for you" latency (p50/p99) against the /api/health/live ceiling, one run.

    # embedded (SQLite, no Redis)
    .venv/bin/python bench/bench_feeds.py --database-url sqlite:///var/bench.db
    # scale (PostgreSQL + Redis fan-out)
    .venv/bin/python bench/bench_feeds.py \
        --database-url postgresql://postgres@127.0.0.1:5432/tanvi_bench --redis-url redis://127.0.0.1:6379/14

Build the data set first with bench/gen_dataset.py. The script starts the real server
(`tanvi-social serve`, rate limits off) on a free port, signs tokens for a seeded sample of users,
warms each one's timeline once (in Redis mode that builds it), then measures at each concurrency of
`--concurrency` (e.g. `1,4,8`: 1 is what one user feels on an idle server, more is the same server
under load): health-live, the home timeline (first page and a second page by cursor) and "for you".
Each concurrency has its own health-live ceiling, measured just before its endpoints in the same
run, and the ratios are against that one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tanvi_social.core.security import issue_access_token

SECRET = "bench-secret-" + "k" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(client: httpx.AsyncClient, requests: list[tuple[str, dict[str, str],
                                                                  dict[str, Any]]],
                  concurrency: int) -> tuple[list[float], int]:
    """Run the requests with `concurrency` workers; latencies in ms and the error count."""
    queue: asyncio.Queue[tuple[str, dict[str, str], dict[str, Any]]] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        while not queue.empty():
            url, headers, params = queue.get_nowait()
            start = time.perf_counter()
            response = await client.get(url, headers=headers, params=params)
            latencies.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


async def run(base: str, users: list[int], requests: int,
              concurrencies: list[int]) -> dict[str, Any]:
    headers = {u: {"Authorization": "Bearer " + issue_access_token(
        SECRET, user_id=u, role="user", token_version=0, minutes=120)[0]} for u in users}
    top = max(concurrencies)
    limits = httpx.Limits(max_connections=top, max_keepalive_connections=top)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        cursors: dict[int, str] = {}
        for u in users:  # warm-up: builds Redis timelines, fills caches, gets page-2 cursors
            r = await client.get("/api/inspiration/feed/following", headers=headers[u])
            r.raise_for_status()
            if r.json()["next_cursor"]:
                cursors[u] = r.json()["next_cursor"]
            await client.get("/api/inspiration/feed", headers=headers[u], params={"limit": 5})
        results: dict[str, Any] = {"timeline_source": r.json()["source"], "runs": {}}
        for concurrency in concurrencies:
            rng = random.Random(7)  # the same request plan at every concurrency
            plan = {
                "health_live": [("/api/health/live", {}, {}) for _ in range(requests)],
                "home_timeline": [("/api/inspiration/feed/following", headers[u], {})
                                  for u in rng.choices(users, k=requests)],
                "home_timeline_page2": [("/api/inspiration/feed/following", headers[u],
                                         {"cursor": cursors[u]})
                                        for u in rng.choices(list(cursors) or users, k=requests)
                                        if u in cursors],
                "for_you": [("/api/inspiration/feed", headers[u], {})
                            for u in rng.choices(users, k=max(requests // 4, 50))],
            }
            run_results: dict[str, Any] = {}
            for name, reqs in plan.items():
                if not reqs:
                    continue
                start = time.perf_counter()
                lat, errors = await measure(client, reqs, concurrency)
                elapsed = time.perf_counter() - start
                run_results[name] = {"n": len(lat), "errors": errors,
                                     "p50_ms": round(pct(lat, 50), 2),
                                     "p99_ms": round(pct(lat, 99), 2),
                                     "mean_ms": round(statistics.fmean(lat), 2),
                                     "rps": round(len(lat) / elapsed, 1)}
            ceiling = run_results["health_live"]
            for name in ("home_timeline", "home_timeline_page2", "for_you"):
                if name in run_results:
                    run_results[name]["p50_ratio"] = round(
                        run_results[name]["p50_ms"] / ceiling["p50_ms"], 1)
                    run_results[name]["p99_ratio"] = round(
                        run_results[name]["p99_ms"] / ceiling["p99_ms"], 1)
            results["runs"][str(concurrency)] = run_results
        return results


def table(results: dict[str, Any]) -> str:
    """The runs as a Markdown table (one row per concurrency and endpoint)."""
    lines = ["| clients | endpoint | p50 ms | p99 ms | p50 / ceiling | p99 / ceiling | req/s |"
             " errors |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for concurrency, run_results in results["runs"].items():
        for name, r in run_results.items():
            lines.append(f"| {concurrency} | {name} | {r['p50_ms']} | {r['p99_ms']} | "
                         f"{r.get('p50_ratio', 1)} | {r.get('p99_ratio', 1)} | {r['rps']} | "
                         f"{r['errors']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--sample-users", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", default="8",
                        help="concurrent clients; a comma-separated list measures each in turn")
    parser.add_argument("--out", default=None, help="write the JSON result here")
    args = parser.parse_args()
    from tanvi_social.migrations.runner import upgrade

    upgrade(args.database_url)  # bring the data set's schema up to date with every domain
    port = free_port()
    env = {**os.environ, "TANVI_DATABASE_URL": args.database_url, "TANVI_SECRET_KEY": SECRET,
           "TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_ENV": "prod"}
    env.pop("TANVI_REDIS_URL", None)
    if args.redis_url:
        env["TANVI_REDIS_URL"] = args.redis_url
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    exe = Path(sys.executable).with_name("tanvi-social")
    server = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        from sqlalchemy import create_engine, text

        from tanvi_social.core.db import normalise_url

        engine = create_engine(normalise_url(args.database_url)[0])
        with engine.connect() as conn:
            # users who follow someone (the sample is seeded, so runs are comparable)
            candidates = [r[0] for r in conn.execute(text(
                "SELECT DISTINCT follower_id FROM connections ORDER BY follower_id"))]
        engine.dispose()
        users = random.Random(20261126).sample(candidates, min(args.sample_users,
                                                               len(candidates)))
        concurrencies = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
        results = asyncio.run(run(base, users, args.requests, concurrencies))
        results["config"] = {"database": args.database_url.split(":", 1)[0],
                             "redis": bool(args.redis_url), "sample_users": len(users),
                             "requests": args.requests, "concurrency": concurrencies,
                             "load_average": os.getloadavg()}
        print(json.dumps(results, indent=2))
        print(table(results))
        if args.out:
            Path(args.out).write_text(json.dumps(results, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
