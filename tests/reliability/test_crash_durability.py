"""kill -9 in the middle of a write load: every acknowledged write survives, the database is sound.

Bounded: ~3 s of load per backend. The writes are sign-ups (a user row + a refresh-token row in one
transaction), acknowledged only after the commit.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from tanvi_social.accounts.models import RefreshToken, User
from tanvi_social.core.db import Database
from tests.reliability.databases import drop_database, fresh_database
from tests.server import ServerProcess

pytestmark = pytest.mark.slow


async def _write_load(url: str, acked: list[str], stop: threading.Event) -> int:
    counter = itertools.count()
    attempted = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal attempted
        while not stop.is_set():
            name = f"crash_{next(counter)}"
            attempted += 1
            try:
                r = await client.post("/api/auth/register", json={
                    "username": name, "email": f"{name}@example.com",
                    "password": "durable-denim-2026"})
            except httpx.HTTPError:
                continue  # the server died mid-request: not acknowledged, may or may not exist
            if r.status_code == 201:
                acked.append(name)

    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        await asyncio.gather(*(worker(client) for _ in range(8)))
    return attempted


class TestCrashDurability:
    async def test_acknowledged_writes_survive_sigkill(self, database_url: str,
                                                       tmp_path: Path) -> None:
        url, created = fresh_database(database_url, tmp_path, "tanvi_crash")
        try:
            env = {"TANVI_DATABASE_URL": url, "TANVI_VAR_DIR": str(tmp_path),
                   "TANVI_MEDIA_DIR": str(tmp_path / "media"), "TANVI_RATE_LIMITS_ENABLED": "false",
                   "TANVI_SECRET_KEY": "crash-test-secret-" + "y" * 30, "TANVI_ENV": "test"}
            server = ServerProcess(env).start()
            acked: list[str] = []
            stop = threading.Event()
            load = asyncio.create_task(_write_load(server.url, acked, stop))
            deadline = time.monotonic() + 30
            while len(acked) < 15 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            server.kill()  # SIGKILL while the workers are still writing
            stop.set()
            attempted = await load
            assert len(acked) >= 15, "the load did not get going"
            assert attempted > len(acked) or attempted == len(acked)

            restarted = ServerProcess(env).start()
            try:
                async with httpx.AsyncClient(base_url=restarted.url) as client:
                    health = await client.get("/api/health")
                    assert health.status_code == 200
                    login = await client.post("/api/auth/login", json={
                        "login": acked[-1], "password": "durable-denim-2026"})
                    assert login.status_code == 200
            finally:
                restarted.stop()

            db = Database(url)
            try:
                stored = set(db.run_blocking(lambda s: s.scalars(select(User.username)).all()))
                orphans = db.run_blocking(lambda s: s.scalar(
                    select(func.count()).select_from(RefreshToken)
                    .where(~RefreshToken.user_id.in_(select(User.id)))))
                if db.is_sqlite:
                    integrity = db.run_blocking(
                        lambda s: s.execute(text("PRAGMA integrity_check")).scalar())
                    fk_problems = db.run_blocking(
                        lambda s: s.execute(text("PRAGMA foreign_key_check")).all())
                    assert integrity == "ok"
                    assert fk_problems == []
            finally:
                db.sync_engine.dispose()
            lost = [name for name in acked if name not in stored]
            print(f"crash durability ({'sqlite' if db.is_sqlite else 'postgresql'}): "  # noqa: T201
                  f"attempted={attempted} acknowledged={len(acked)} lost={len(lost)}")
            assert lost == []
            assert orphans == 0
        finally:
            drop_database(database_url, created)
