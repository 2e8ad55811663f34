"""Scale mode: two real uvicorn workers sharing PostgreSQL and Redis; Redis going away."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tanvi_social.migrations.runner import upgrade
from tests.conftest import IN_CI, REDIS_URL
from tests.factories import Factory
from tests.server import ServerProcess

PG_URL = os.environ.get("TANVI_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "scale-mode-denim-2026"


async def test_redis_unreachable_keeps_reads_answering(make_harness: Any,
                                                       factory: Factory) -> None:
    """Redis down at run time: health says degraded, reads answer, nothing is a 5xx."""
    user = await factory.user()
    h = await make_harness(redis_url="redis://127.0.0.1:1/0")
    async with h.client() as client:
        r = await client.get("/api/health")
        assert r.status_code == 200
        health = r.json()["health"]
        assert health["status"] == "degraded"
        assert health["checks"]["database"]["status"] == "ok"
        assert health["checks"]["cache"]["status"] == "degraded"
        assert health["checks"]["jobs"]["status"] == "degraded"
        assert health["checks"]["pubsub"]["status"] == "degraded"
        for _ in range(3):  # cached auth state, rate limits and cache all go through Redis
            me = await client.get("/api/auth/me", headers=user.headers)
            assert me.status_code == 200
            assert me.json()["user"]["id"] == user.id
        for path in ("/api/info", "/api/health/live", "/api/performance/health"):
            assert (await client.get(path)).status_code == 200, path
        r = await client.post("/api/auth/register", json={
            "username": "redisless", "email": "redisless@example.com", "password": PASSWORD})
        assert r.status_code == 201
        assert h.platform.cache.stats.errors > 0


def _services_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"Redis: {exc}"
    try:
        engine = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"),
                               connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL: {exc}"
    return None


def _claim_redis_db() -> str:
    """A Redis database of our own: other test runs on this machine share db 15."""
    import redis

    base = make_url(REDIS_URL.replace("redis://", "postgresql://", 1))
    for db in range(1, 15):
        url = f"redis://{base.host or '127.0.0.1'}:{base.port or 6379}/{db}"
        client = redis.Redis.from_url(url)
        try:
            if client.set("tanvi:test-claim", uuid.uuid4().hex, nx=True, ex=300):
                for key in client.scan_iter("tanvi:*"):
                    if key != b"tanvi:test-claim":
                        client.delete(key)
                return url
        finally:
            client.close()
    pytest.skip("no free Redis database")


@pytest.fixture
def scale_server(tmp_path: Path) -> Iterator[ServerProcess]:
    problem = _services_reachable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"scale mode needs PostgreSQL and Redis under CI: {problem}")
        pytest.skip(problem)
    redis_url = _claim_redis_db()
    admin = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"tanvi_scale_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    upgrade(url)
    from tanvi_social.accounts.service import create_admin
    from tanvi_social.core.db import Database

    db = Database(url)
    db.run_blocking(create_admin, "boss", "boss@example.com", PASSWORD)
    db.sync_engine.dispose()
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    env = {"TANVI_DATABASE_URL": url, "TANVI_REDIS_URL": redis_url,
           "TANVI_VAR_DIR": str(tmp_path), "TANVI_MEDIA_DIR": str(tmp_path / "media"),
           "TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_ENV": "test",
           "TANVI_SECRET_KEY": "scale-test-secret-" + "z" * 30,
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    server = ServerProcess(env, workers=2, log_path=tmp_path / "server.log").start(timeout=60)
    try:
        yield server
    finally:
        server.stop()
        import redis

        redis.Redis.from_url(redis_url).delete("tanvi:test-claim")
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


async def _pid(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    r = await client.get("/api/performance/monitor", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["monitor"]["worker_pid"])


async def _two_workers(url: str, headers: dict[str, str]) -> tuple[Any, Any, list[Any]]:
    """Two keep-alive clients connected to two different worker processes."""
    clients: list[httpx.AsyncClient] = []
    by_pid: dict[int, httpx.AsyncClient] = {}
    for _ in range(40):
        client = httpx.AsyncClient(base_url=url, timeout=10)
        clients.append(client)
        by_pid.setdefault(await _pid(client, headers), client)
        if len(by_pid) == 2:
            break
    assert len(by_pid) == 2, "both workers should answer"
    first, second = by_pid.values()
    return first, second, clients


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
async def test_two_workers_share_state_at_once(scale_server: ServerProcess) -> None:
    url = scale_server.url
    async with httpx.AsyncClient(base_url=url, timeout=10) as c:
        r = await c.post("/api/auth/login", json={"login": "boss", "password": PASSWORD})
        admin = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
    one, two, clients = await _two_workers(url, admin)
    try:
        assert await _pid(one, admin) != await _pid(two, admin)
        # A write through worker one is seen through worker two at once.
        r = await one.post("/api/auth/register", json={
            "username": "mia_two", "email": "mia2@example.com", "password": PASSWORD})
        assert r.status_code == 201
        tokens = r.json()["tokens"]
        mia = {"Authorization": f"Bearer {tokens['access_token']}"}
        r = await two.get("/api/auth/me", headers=mia)
        assert r.status_code == 200
        assert r.json()["user"]["username"] == "mia_two"
        # Worker two caches mia's auth state in Redis; revoking through worker one (logout of
        # every session by a password change) is seen by worker two on the next request.
        r = await one.post("/api/auth/password", headers=mia, json={
            "current_password": PASSWORD, "new_password": "another-denim-2027"})
        assert r.status_code == 200, r.text
        assert (await two.get("/api/auth/me", headers=mia)).status_code == 401
        # A post and a like through one worker, read through the other, when content is here.
        openapi = (await one.get("/openapi.json")).json()["paths"]
        if "/api/content/posts/{post_id}/likes" in openapi or \
                "/api/content/posts/{id}/likes" in openapi:
            await _like_seen_across_workers(one, two, admin)
        # Prometheus multiprocess mode: /metrics on either worker counts both workers' requests.
        metrics = (await one.get("/metrics")).text
        assert "tanvi_http_requests_total" in metrics
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def _like_seen_across_workers(one: httpx.AsyncClient, two: httpx.AsyncClient,
                                    admin: dict[str, str]) -> None:
    r = await one.post("/api/content/posts", headers=admin,
                       json={"caption": "two workers #scale", "visibility": "public"})
    assert r.status_code in (200, 201), r.text
    post_id = r.json()["post"]["id"]
    before = (await two.get(f"/api/content/posts/{post_id}", headers=admin)).json()["post"]
    r = await one.post(f"/api/content/posts/{post_id}/likes", headers=admin,
                       json={"like_type": "like"})
    assert r.status_code in (200, 201), r.text
    after = (await two.get(f"/api/content/posts/{post_id}", headers=admin)).json()["post"]
    assert after["like_count"] == before["like_count"] + 1
