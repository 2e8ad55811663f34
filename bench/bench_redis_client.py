"""CPU per cache read: redis-py's asyncio client against the pipelined hiredis connection.

    .venv/bin/python bench/bench_redis_client.py [--redis-url redis://127.0.0.1:6379/9]
        [--requests 5000] [--keys 6] [--size 300]

The same `MGET` (by default of six 300-byte values, what a cached post card reads: revocation,
auth state, card, counters, blocks, reader state) through each client in turn, one call at a time
on one event loop, after a warm-up; reports the process CPU time per call, so other jobs on a
shared machine matter less than for wall time. Also measured: redis-py with a `socket_timeout`
(what the cache used before: an `asyncio.wait_for` per command). Use a Redis database no test
uses (the tests take 15, 14, …).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis_asyncio

from tanvi_social.core.redis_pipe import PipelinedRedis


async def _cpu_per_call(call: Callable[[], Awaitable[Any]], n: int) -> float:
    for _ in range(200):
        await call()
    start = time.process_time()
    for _ in range(n):
        await call()
    return (time.process_time() - start) / n * 1e6


async def main(args: argparse.Namespace) -> None:
    keys = [f"bench:rc:{i}" for i in range(args.keys)]
    plain = redis_asyncio.from_url(args.redis_url, socket_timeout=None)
    timed = redis_asyncio.from_url(args.redis_url, socket_timeout=0.5)
    fast = PipelinedRedis.from_url(args.redis_url)
    assert fast is not None, "a redis:// URL"
    try:
        await plain.mset(dict.fromkeys(keys, b"x" * args.size))
        results = {
            "redis-py, socket_timeout=0.5": await _cpu_per_call(lambda: timed.mget(keys),
                                                                 args.requests),
            "redis-py, no socket_timeout": await _cpu_per_call(lambda: plain.mget(keys),
                                                                args.requests),
            "pipelined hiredis (core/redis_pipe)": await _cpu_per_call(lambda: fast.mget(keys),
                                                                        args.requests),
        }
        assert await fast.mget(keys) == await plain.mget(keys)
    finally:
        await plain.delete(*keys)
        await fast.aclose()
        await plain.aclose()
        await timed.aclose()
    base = results["pipelined hiredis (core/redis_pipe)"]
    print(f"MGET of {args.keys} × {args.size} B, {args.requests} calls each, one at a time")
    for name, us in results.items():
        print(f"  {name:<38} {us:7.1f} µs CPU per call  ({us / base:4.1f}×)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=6)
    parser.add_argument("--size", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
