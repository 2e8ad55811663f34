"""Cache helper and endpoints, monitor percentiles, metrics, benchmarks, load test, advice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from httpx import AsyncClient
from sqlalchemy.orm import Session

from tanvi_social.analytics.performance import grade
from tanvi_social.content.events import PostDeleted
from tanvi_social.content.models import Post
from tanvi_social.core.cache import _coordination, cached, invalidate, keys, refresh
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import NotFound
from tanvi_social.core.observability import Monitor
from tanvi_social.core.time import utcnow
from tests.factories import Factory

ADMIN_GETS = ["/api/performance/cache/stats", "/api/performance/monitor",
              "/api/performance/performance/monitor", "/api/performance/benchmarks",
              "/api/performance/optimization/recommendations",
              "/api/performance/analytics/platform"]
ADMIN_POSTS = ["/api/performance/cache/clear", "/api/performance/load-test"]


async def test_admin_only_endpoints(client: AsyncClient, factory: Factory) -> None:
    user = await factory.user()
    for path in ADMIN_GETS:
        assert (await client.get(path)).status_code == 401, path
        r = await client.get(path, headers=user.headers)
        assert r.status_code == 403, path
        assert r.json()["success"] is False
    for path in ADMIN_POSTS:
        assert (await client.post(path, json={})).status_code == 401, path
        assert (await client.post(path, json={}, headers=user.headers)).status_code == 403, path


def test_monitor_percentiles_match_a_known_distribution() -> None:
    monitor = Monitor()
    for ms in range(1, 1001):  # 1..1000 ms, shuffled order does not matter
        monitor.record("GET", "/x", 200 if ms % 100 else 500, float(ms))
    route = monitor.snapshot()["routes"][0]
    assert (route["p50_ms"], route["p95_ms"], route["p99_ms"]) == (500.0, 950.0, 990.0)
    assert route["mean_ms"] == 500.5
    assert route["error_rate"] == 0.01
    assert grade(500.5, 950.0) == "C"
    assert grade(50, 150) == "A+"
    assert grade(150, 400) == "A"
    assert grade(3000, 9000) == "D"


async def test_monitor_endpoint_reports_real_figures(client: AsyncClient, factory: Factory,
                                                     platform: Any) -> None:
    admin = await factory.admin()
    for ms in [10.0] * 90 + [300.0] * 10:
        platform.monitor.record("GET", "/api/known", 200, ms)
    platform.monitor.record("GET", "/api/broken", 503, 5.0)
    r = await client.get("/api/performance/monitor", headers=admin.headers)
    assert r.status_code == 200
    m = r.json()["monitor"]
    known = next(x for x in m["routes"] if x["route"] == "GET /api/known")
    assert (known["count"], known["p50_ms"], known["p95_ms"], known["p99_ms"]) == (
        100, 10.0, 300.0, 300.0)
    assert m["total_requests"] == 101
    assert m["error_rate"] == round(1 / 101, 4)
    assert m["p50_ms"] == 10.0
    assert m["grade"] == "A"  # mean 38.6 ms, p95 300 ms
    assert len([s for s in m["slow_requests"] if s["route"] == "GET /api/known"]) == 10
    alias = await client.get("/api/performance/performance/monitor", headers=admin.headers)
    assert alias.status_code == 200
    # The first monitor request was itself recorded.
    assert alias.json()["monitor"]["total_requests"] == 102


async def test_metrics_in_prometheus_format(client: AsyncClient) -> None:
    await client.get("/api/health/live")
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert 'tanvi_http_requests_total{method="GET",route="/api/health/live",status="200"}' \
        in r.text
    assert "tanvi_http_request_duration_seconds_bucket" in r.text


async def test_cached_reads_count_hits_and_share_one_producer(platform: Any) -> None:
    calls = 0

    async def producer() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return {"id": 1, "likes": 3}

    key = keys.post_card(1)
    results = await asyncio.gather(*(cached(platform, key, 60, producer) for _ in range(5)))
    assert {orjson.loads(r)["likes"] for r in results} == {3}
    assert calls == 1
    await cached(platform, key, 60, producer)
    assert calls == 1
    assert platform.cache.stats.families["post"][0] >= 1


async def test_cache_never_serves_a_deleted_post(platform: Any, factory: Factory) -> None:
    author = await factory.user()

    def create(session: Session) -> int:
        post = Post(author_id=author.id, caption="cached")
        session.add(post)
        session.flush()
        return post.id

    post_id = await platform.db.run(create)

    def card(session: Session) -> dict[str, Any]:
        post = session.get(Post, post_id)
        if post is None or post.deleted_at is not None:
            raise NotFound("Post not found")
        return {"id": post.id, "caption": post.caption}

    async def produce() -> dict[str, Any]:
        return await platform.db.read(card)

    assert orjson.loads(await cached(platform, keys.post_card(post_id), 300, produce))["id"] \
        == post_id

    def delete(session: Session) -> None:
        post = session.get(Post, post_id)
        assert post is not None
        post.deleted_at = utcnow()
        record_event(session, PostDeleted(post_id=post_id, author_id=author.id))

    await platform.db.run(delete)
    with pytest.raises(NotFound):
        await cached(platform, keys.post_card(post_id), 300, produce)


async def test_a_read_racing_an_invalidation_does_not_store_the_old_value(platform: Any) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow_old_value() -> dict[str, str]:
        started.set()
        await release.wait()
        return {"v": "old"}

    key = keys.profile_card(77)
    reader = asyncio.create_task(cached(platform, key, 300, slow_old_value))
    await started.wait()
    await invalidate(platform, key)  # the write committed while the read was in flight
    release.set()
    assert orjson.loads(await reader) == {"v": "old"}  # that reader gets what it read...

    async def new_value() -> dict[str, str]:
        return {"v": "new"}

    # ...but it was not stored: the next reader sees the new value.
    assert orjson.loads(await cached(platform, key, 300, new_value)) == {"v": "new"}


async def test_a_write_through_refresh_reads_again_later_only_when_reads_can_interleave(
        platform: Any) -> None:
    """Embedded (in-process cache, SQLite inline on the loop): one pass, the value read after the
    commit; any other configuration: a second pass INVALIDATION_REDELETE_S later too."""
    reads: list[int] = []

    async def produce() -> bytes:
        reads.append(1)
        return b"%d" % len(reads)

    pending = _coordination(platform.cache).pending
    before = set(pending)
    await refresh(platform, "probe:refresh", 60, produce)
    assert reads == [1]
    assert await platform.cache.get("probe:refresh") == b"1"
    scheduled = set(pending) - before
    if platform.cache.backend == "memory" and platform.db.is_sqlite:
        assert scheduled == set()
    else:
        assert len(scheduled) == 1
        await asyncio.gather(*scheduled)
        assert reads == [1, 1]
        assert await platform.cache.get("probe:refresh") == b"2"


async def test_cache_stats_and_clear(client: AsyncClient, factory: Factory,
                                     platform: Any) -> None:
    admin = await factory.admin()
    await platform.cache.set("post:1:card", b"{}", 60)
    await platform.cache.set("user:1:card", b"{}", 60)
    await platform.cache.set("probe:1", b"{}", 60)  # a family no domain event touches
    await platform.cache.get("post:1:card")
    await platform.cache.get("post:2:card")
    r = await client.get("/api/performance/cache/stats", headers=admin.headers)
    assert r.status_code == 200
    stats = r.json()["cache"]
    assert stats["backend"] == "memory"
    assert stats["hits"] >= 1
    assert stats["misses"] >= 1
    assert stats["staleness_bound_seconds"] == 1.0
    post_family = next(f for f in stats["families"] if f["family"] == "post")
    assert (post_family["hits"], post_family["misses"]) == (1, 1)
    r = await client.post("/api/performance/cache/clear", headers=admin.headers,
                          json={"prefix": "probe:"})
    assert r.status_code == 200
    assert r.json()["cleared"] == 1
    assert await platform.cache.get("probe:1") is None
    assert await platform.cache.get("user:1:card") == b"{}"
    r = await client.post("/api/performance/cache/clear", headers=admin.headers)
    assert r.json()["cleared"] >= 1
    assert await platform.cache.get("user:1:card") is None


async def test_benchmarks_return_the_latest_stored_run(client: AsyncClient, factory: Factory,
                                                       platform: Any, tmp_path: Path) -> None:
    admin = await factory.admin()
    previous = platform.settings.bench_results_dir
    platform.settings.bench_results_dir = tmp_path
    try:
        r = await client.get("/api/performance/benchmarks", headers=admin.headers)
        assert r.status_code == 404
        for day, rps in (("2026-11-01T10:00:00+00:00", 100), ("2026-11-20T10:00:00+00:00", 200)):
            (tmp_path / f"bench-{day[:10]}.json").write_bytes(orjson.dumps({
                "date": day, "machine": {"cpus": 2}, "command": "make bench",
                "results": {"rps": rps}}))
        (tmp_path / "bench-notes.json").write_text("not json")
        (tmp_path / "floor-2026-11-27.json").write_bytes(orjson.dumps({  # another bench's file
            "date": "2026-11-27T10:00:00+00:00", "command": "python bench/bench_write_floor.py",
            "rounds": []}))
        r = await client.get("/api/performance/benchmarks", headers=admin.headers)
        assert r.status_code == 200
        b = r.json()["benchmarks"]
        assert b["results"] == {"rps": 200}
        assert b["command"] == "make bench"
        assert b["file"] == "bench-2026-11-20.json"
    finally:
        platform.settings.bench_results_dir = previous


async def test_load_test_measures_real_requests(client: AsyncClient, factory: Factory) -> None:
    admin = await factory.admin()
    r = await client.post("/api/performance/load-test", headers=admin.headers, json={
        "duration_seconds": 0.5, "virtual_users": 4, "endpoints": ["/api/health/live"]})
    assert r.status_code == 200, r.text
    lt = r.json()["load_test"]
    assert lt["requests"] > 0
    assert lt["errors"] == 0
    assert lt["status_counts"] == {"200": lt["requests"]}
    assert lt["transport"] == "in-process"
    assert lt["endpoints"][0]["requests"] == lt["requests"]
    assert lt["p50_ms"] <= lt["p95_ms"] <= lt["p99_ms"] <= lt["max_ms"]
    assert 0.5 <= lt["duration_seconds"] < 5
    # The bounds and the target list are enforced.
    for body in ({"duration_seconds": 31}, {"virtual_users": 201},
                 {"endpoints": ["http://example.com/"]}, {"endpoints": ["/api/auth/logout"]}):
        r = await client.post("/api/performance/load-test", headers=admin.headers, json=body)
        assert r.status_code == 422, body


async def test_recommendations_follow_the_live_figures(client: AsyncClient, factory: Factory,
                                                       platform: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tanvi_social.analytics import performance

    admin = await factory.admin()
    # The test process's own memory depends on what ran before it: pin it below the threshold.
    monkeypatch.setattr(performance, "rss_mb", lambda: 120.0)
    r = await client.get("/api/performance/optimization/recommendations", headers=admin.headers)
    assert r.status_code == 200
    recs = r.json()["recommendations"]
    assert [x["area"] for x in recs] == ["overall"]
    for _ in range(30):
        platform.monitor.record("GET", "/api/slow", 200, 450.0)
    for i in range(60):
        await platform.cache.get(f"trends:{i}")
    r = await client.get("/api/performance/optimization/recommendations", headers=admin.headers)
    areas = {x["area"]: x for x in r.json()["recommendations"]}
    assert "GET /api/slow" in areas["latency"]["finding"]
    assert areas["cache"]["evidence"]["hit_rate"] == 0.0
