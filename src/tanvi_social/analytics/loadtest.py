"""A bounded synthetic load against this service's own read endpoints (≤ 30 s, ≤ 200 users)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import httpx

from tanvi_social.analytics.schemas import EndpointFigures, LoadTestBody
from tanvi_social.core.observability import percentile
from tanvi_social.core.time import utcnow

DEFAULT_CANDIDATES = (
    "/api/health/live", "/api/info", "/api/social/feed", "/api/content/posts",
    "/api/inspiration/trending", "/api/inspiration/trends", "/api/community/communities",
    "/api/community/events",
)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}

_lock = asyncio.Lock()


def read_paths(app: Any) -> set[str]:
    """GET paths of the app without parameters, outside the performance area (from OpenAPI)."""
    paths = set()
    for path, operations in app.openapi().get("paths", {}).items():
        if "get" in operations and path.startswith("/api/") and "{" not in path \
                and not path.startswith("/api/performance"):
            paths.add(path)
    return paths


async def _loopback_base(scope: Mapping[str, Any]) -> str | None:
    server = scope.get("server")
    if not server or server[0] not in LOOPBACK or not server[1]:
        return None
    host = "127.0.0.1" if server[0] in ("0.0.0.0", "localhost") else server[0]
    host = "[::1]" if host in ("::1", "::") else host
    base = f"http://{host}:{server[1]}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=1.0) as client:
            r = await client.get("/api/health/live")
            return base if r.status_code == 200 else None
    except httpx.HTTPError:
        return None


async def run(app: Any, scope: Mapping[str, Any], paths: list[str], duration: float,
              users: int) -> LoadTestBody:
    """Run `users` concurrent loops over `paths` for `duration` seconds; report what happened."""
    async with _lock:
        base = await _loopback_base(scope)
        if base is not None:
            transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(
                limits=httpx.Limits(max_connections=users, max_keepalive_connections=users))
            kind = "loopback"
        else:
            transport = httpx.ASGITransport(app=app)
            base, kind = "http://loadtest.local", "in-process"
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        started_at = utcnow()
        start = time.perf_counter()
        deadline = start + duration

        async def user(index: int, client: httpx.AsyncClient) -> None:
            i = index
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    status = str(r.status_code)
                    if r.status_code >= 500:
                        errors[path] += 1
                except httpx.HTTPError:
                    status = "transport_error"
                    errors[path] += 1
                latencies[path].append((time.perf_counter() - t0) * 1000)
                statuses[status] += 1

        async with httpx.AsyncClient(transport=transport, base_url=base, timeout=10.0) as client:
            await asyncio.gather(*(user(i, client) for i in range(users)))
        elapsed = time.perf_counter() - start
    every = sorted(v for values in latencies.values() for v in values)
    total = len(every)
    per_endpoint = []
    for path in paths:
        values = sorted(latencies.get(path, []))
        per_endpoint.append(EndpointFigures(
            path=path, requests=len(values), errors=errors.get(path, 0),
            p50_ms=round(percentile(values, 50), 3), p95_ms=round(percentile(values, 95), 3),
            p99_ms=round(percentile(values, 99), 3)))
    return LoadTestBody(
        started_at=started_at, transport=kind, duration_seconds=round(elapsed, 3),
        virtual_users=users, requests=total, errors=sum(errors.values()),
        requests_per_second=round(total / elapsed, 1) if elapsed else 0.0,
        mean_ms=round(sum(every) / total, 3) if total else 0.0,
        p50_ms=round(percentile(every, 50), 3), p95_ms=round(percentile(every, 95), 3),
        p99_ms=round(percentile(every, 99), 3), max_ms=round(every[-1], 3) if every else 0.0,
        status_counts=dict(statuses), endpoints=per_endpoint)
