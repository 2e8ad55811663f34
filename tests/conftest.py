"""Test fixtures: a real database (SQLite; PostgreSQL when asked), the ASGI app, users.

* The schema comes from `alembic upgrade heads`, once per run.
* Every test starts from empty tables (reference tables kept), an empty cache and fresh limits.
* PostgreSQL: set `TANVI_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test` (CI does);
  a database of our own is created for the run and dropped afterwards, so runs never collide.
* Redis: tests marked `redis` use the machine's Redis; under `CI=true` they must run, not skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tanvi_social.app import create_app
from tanvi_social.core.db import Base
from tanvi_social.migrations.runner import upgrade
from tanvi_social.models_registry import load_all_models
from tanvi_social.settings import Settings
from tests.factories import Factory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _worker_redis_url() -> str:
    """The Redis database of this test process: `TANVI_TEST_REDIS_URL` (default db 15), one
    database lower per pytest-xdist worker (gw0 → 15, gw1 → 14), so parallel workers never flush
    each other's keys; pub/sub channels carry the database number (core/pubsub.py)."""
    url = make_url(os.environ.get("TANVI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
                   .replace("redis://", "postgresql://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    db = int(url.database or 0) - index
    if db < 0:
        raise RuntimeError(f"no Redis database left for xdist worker {worker}")
    return f"redis://{url.host or '127.0.0.1'}:{url.port or 6379}/{db}"


REDIS_URL = _worker_redis_url()


def _pg_admin_url() -> str | None:
    return os.environ.get("TANVI_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    admin = _pg_admin_url()
    if admin is None:
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    base = make_url(admin).set(drivername="postgresql+psycopg")
    name = f"tanvi_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


def make_settings(database_url: str, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test", "database_url": database_url, "secret_key": "test-secret-" + "x" * 32,
        "var_dir": var_dir, "media_dir": var_dir / "media", "redis_url": None,
        "rate_limits_enabled": True, "jobs_scheduler_enabled": False,
        "job_retry_delay_seconds": 0.0,
        # Test processes run side by side (xdist) on one PostgreSQL server (max_connections 100).
        "db_pool_size": 10, "db_max_overflow": 15,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str, var_dir: Path) -> Settings:
    return make_settings(database_url, var_dir)


_RUNNING: list[AppHarness] = []


class AppHarness:
    """A running app (lifespan entered) and an httpx client speaking ASGI to it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._lifespan: Any = None

    async def start(self) -> None:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        _RUNNING.append(self)

    async def drain_background(self) -> None:
        """Wait for background work a test started (in-process jobs and coalesced job batches
        such as search indexing, Web Push sends): on PostgreSQL one caught inside a transaction
        would block the next test's TRUNCATE, which would in turn stop the loop the work needs
        to finish; on SQLite a late job would write into the next test's tables."""
        from tanvi_social.core.jobs import runner_of

        await runner_of(self.platform).drain(timeout=20.0)
        push = self.platform.extras.get("push")
        if push is not None:
            await push.drain()

    async def stop(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        await self._lifespan.__aexit__(None, None, None)

    @property
    def platform(self) -> Any:
        return self.app.state.platform

    def client(self, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=raise_app_exceptions)
        return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture(scope="session")
async def harness(settings: Settings) -> AsyncIterator[AppHarness]:
    h = AppHarness(settings)
    await h.start()
    yield h
    await h.stop()


@pytest.fixture
async def make_harness(database_url: str, var_dir: Path) -> AsyncIterator[Any]:
    """Build extra apps with other settings (WS1 secret, Redis...); stopped after the test, so
    their connection pools do not pile up on the database server (max_connections)."""
    started: list[AppHarness] = []

    async def build(**overrides: Any) -> AppHarness:
        url = overrides.pop("database_url", database_url)
        h = AppHarness(make_settings(url, var_dir, **overrides))
        await h.start()
        started.append(h)
        return h

    yield build
    for h in started:
        await h.stop()


def _clean_tables(database_url: str) -> None:
    metadata = load_all_models()
    tables = [t for t in metadata.sorted_tables if not t.info.get("reference")]
    engine = _cleaner_engine(database_url)
    with engine.begin() as conn:
        if database_url.startswith("postgresql"):
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text("SET LOCAL lock_timeout = '60s'"))  # an error, not a hang
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


_engines: dict[str, Any] = {}


def _cleaner_engine(database_url: str) -> Any:
    if database_url not in _engines:
        from tanvi_social.core.db import make_sync_engine

        _engines[database_url] = make_sync_engine(database_url)
    return _engines[database_url]


async def _drain_all() -> None:
    for running in list(_RUNNING):
        await running.drain_background()


async def reset_state(database_url: str, harness: AppHarness | None) -> None:
    """Empty tables (reference tables kept), an empty cache and fresh limits."""
    await _drain_all()
    # Off the event loop: a unit of work still in flight (a late job, a request a test left
    # running) can finish its transaction instead of waiting for a loop blocked on TRUNCATE.
    await asyncio.to_thread(_clean_tables, database_url)
    await _drain_all()
    from tanvi_social.moderation import filters

    filters.forget_copies()  # the word list's per-process copy (its table was just emptied)
    if harness is not None:
        # the previous test's delayed second deletes (core.cache.invalidate) would otherwise
        # fire in this one, on keys that name its rows (ids start over after the TRUNCATE)
        from tanvi_social.core import cache as core_cache

        coord = core_cache._coordination(harness.platform.cache)
        for task in list(coord.pending):
            task.cancel()
        coord.invalidated_at.clear()
        await harness.platform.cache.clear()
        harness.platform.cache.stats.reset()
        harness.platform.limiter = type(harness.platform.limiter)()
        harness.platform.monitor.reset()


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest, database_url: str) -> None:
    harness = request.getfixturevalue("harness") if "harness" in request.fixturenames else None
    await reset_state(database_url, harness)


@pytest.fixture
async def client(harness: AppHarness) -> AsyncIterator[httpx.AsyncClient]:
    async with harness.client() as c:
        yield c


@pytest.fixture
def platform(harness: AppHarness) -> Any:
    return harness.platform


@pytest.fixture
def factory(harness: AppHarness) -> Factory:
    return Factory(harness.platform)


@pytest.fixture
def redis_url() -> str:
    """The machine's Redis (this process's database, see above).

    Skips locally when Redis is absent; fails under CI."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"Redis must be reachable under CI: {exc}")
        pytest.skip("Redis is not reachable")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    return REDIS_URL


def pytest_report_header(config: pytest.Config) -> list[str]:
    backend = "postgresql" if _pg_admin_url() else "sqlite"
    return [f"tanvi-social test database: {backend}; CI={IN_CI}"]


__all__ = ["Base", "make_settings"]
