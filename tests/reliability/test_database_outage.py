"""The database briefly unavailable: every answer is a 2xx or a 503 `database_unavailable` in the
JSON error envelope (never a 500, never a hang), and the running service recovers by itself.

PostgreSQL (runs in the PostgreSQL pass, i.e. with TANVI_TEST_DATABASE_URL set, as under CI): a real
server (uvicorn subprocess) on a database of its own; faults injected from a separate connection:

1. every connection of the app terminated between requests (`pg_terminate_backend`);
2. the app's connection terminated in the middle of a request (the request is held on a table
   lock first, so the kill lands mid-query every time);
3. the database refusing connections for a while (`ALLOW_CONNECTIONS false`): health reports the
   database down, then up again once it accepts connections.

Any backend (no server needed): a database host that accepts TCP connections but never answers
(a hung server or proxy) is a 503 after the connect timeout, not a request hanging.

SQLite (embedded; a network outage does not exist for an in-process file, see docs/security.md):

4. another process holds the write lock longer than `busy_timeout`: writes 503, reads answer;
5. the database file cannot be opened (a directory stands where the file should be), then the
   file is put back: health down and 503s, then everything answers, same process.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tanvi_social.core.db import CONNECT_TIMEOUT
from tanvi_social.migrations.runner import upgrade
from tests.reliability.databases import drop_database, fresh_database, pg_admin_engine
from tests.server import ServerProcess

PASSWORD = "outage-proof-denim-2026"
RECOVERY_SECONDS = 5.0  # "within a few seconds"
CLIENT_TIMEOUT = 20.0  # a request still unanswered by then is hung (bounded checks below)
_captions = itertools.count()


def assert_ok_or_unavailable(r: httpx.Response) -> None:
    """A success, or the documented 503: never a 500 or another error."""
    if r.is_success:
        return
    assert r.status_code == 503, (r.request.method, r.request.url.path, r.status_code, r.text)
    assert_unavailable(r)


def assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, (r.request.method, r.request.url.path, r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["success"] is False
    assert body["code"] == "database_unavailable"
    assert body["error"]
    assert body["request_id"] == r.headers["x-request-id"]


class Probe:
    """Signed-in traffic touching the database: two reads and three writes."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers: dict[str, str] = {}
        self.post_id = 0

    async def sign_up(self, username: str) -> None:
        r = await self.client.post("/api/auth/register", json={
            "username": username, "email": f"{username}@example.com", "password": PASSWORD})
        assert r.status_code == 201, r.text
        self.username = username
        self.headers = {"Authorization": f"Bearer {r.json()['tokens']['access_token']}"}
        r = await self.post()
        assert r.status_code == 201, r.text
        self.post_id = r.json()["post"]["id"]

    async def post(self) -> httpx.Response:
        return await self.client.post("/api/content/posts", headers=self.headers, json={
            "caption": f"Outage drill look number {next(_captions)}"})

    async def login(self) -> httpx.Response:
        return await self.client.post("/api/auth/login", json={
            "login": self.username, "password": PASSWORD})

    async def reads(self) -> list[httpx.Response]:
        return [await self.client.get(f"/api/content/posts/{self.post_id}/comments",
                                      headers=self.headers),
                await self.client.get("/api/social/profiles/me", headers=self.headers)]

    async def writes(self) -> list[httpx.Response]:
        """A post, a comment, and a sign-in (which stores a refresh token)."""
        return [await self.post(),
                await self.client.post(f"/api/content/posts/{self.post_id}/comments",
                                       headers=self.headers,
                                       json={"content": f"Love it {next(_captions)}"}),
                await self.login()]

    async def round(self) -> list[httpx.Response]:
        return [*await self.reads(), *await self.writes()]

    async def until_all_succeed(self) -> float:
        """Seconds until a whole round succeeds; fails past RECOVERY_SECONDS. Every answer on the
        way must be a success or the documented 503."""
        start = time.monotonic()
        while True:
            answers = await self.round()
            for r in answers:
                assert_ok_or_unavailable(r)
            if all(r.is_success for r in answers):
                return time.monotonic() - start
            assert time.monotonic() - start < RECOVERY_SECONDS, [r.text for r in answers]
            await asyncio.sleep(0.2)


def assert_same_process(server: ServerProcess) -> None:
    assert server.proc is not None
    assert server.proc.poll() is None  # never exited, never restarted


async def uptime(client: httpx.AsyncClient) -> float:
    r = await client.get("/api/health")
    return float(r.json()["health"]["uptime_seconds"])


# --- PostgreSQL ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_server(database_url: str, is_postgres: bool,
              tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One server on one database for the module (each test signs up its own user)."""
    if not is_postgres:
        pytest.skip("PostgreSQL outage: runs in the PostgreSQL pass (TANVI_TEST_DATABASE_URL)")
    tmp_path = tmp_path_factory.mktemp("outage")
    url, name = fresh_database(database_url, tmp_path, "tanvi_outage")
    env = {"TANVI_DATABASE_URL": url, "TANVI_VAR_DIR": str(tmp_path),
           "TANVI_MEDIA_DIR": str(tmp_path / "media"), "TANVI_RATE_LIMITS_ENABLED": "false",
           "TANVI_SECRET_KEY": "outage-test-secret-" + "o" * 30, "TANVI_ENV": "test"}
    server = ServerProcess(env, log_path=tmp_path / "server.log").start()
    admin = pg_admin_engine(database_url)
    try:
        yield server, admin, name, url
    finally:
        server.stop()
        admin.dispose()
        drop_database(database_url, name)


def _terminate(admin: Any, name: str, *, keep: int | None = None) -> int:
    with admin.connect() as conn:
        rows = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :n AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM :keep"),
            {"n": name, "keep": keep}).all()
    return len(rows)


def _waiting_on_lock(admin: Any, name: str) -> int:
    with admin.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :n "
            "AND wait_event_type = 'Lock'"), {"n": name}).scalar_one())


@pytest.mark.postgres
@pytest.mark.slow
class TestPostgresOutage:
    async def test_killed_connections_are_replaced_and_nothing_is_a_500(self, pg_server) -> None:
        server, admin, name, _url = pg_server
        async with httpx.AsyncClient(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
            probe = Probe(client)
            await probe.sign_up("ann_outage")
            # Several pooled connections, all about to die.
            await asyncio.gather(*(probe.login() for _ in range(8)))
            before = await uptime(client)
            killed = _terminate(admin, name)
            assert killed >= 1
            answers = await asyncio.gather(*(probe.round() for _ in range(4)))
            for r in itertools.chain.from_iterable(answers):
                assert_ok_or_unavailable(r)
            recovered = await probe.until_all_succeed()
            # Acknowledged writes are stored: each post created answers by id.
            for r in itertools.chain.from_iterable(answers):
                if r.status_code == 201 and "post" in r.json():
                    got = await client.get(f"/api/content/posts/{r.json()['post']['id']}",
                                           headers=probe.headers)
                    assert got.status_code == 200
            assert_same_process(server)
            assert await uptime(client) >= before  # the same process: no restart
        statuses = sorted(r.status_code for r in itertools.chain.from_iterable(answers))
        print(f"postgres, {killed} connections killed: statuses {statuses}, "  # noqa: T201
              f"all-green after {recovered:.2f} s")

    async def test_connection_killed_mid_request_is_503_then_recovers(self, pg_server) -> None:
        server, admin, name, url = pg_server
        async with httpx.AsyncClient(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
            probe = Probe(client)
            await probe.sign_up("bea_outage")
            import psycopg

            conninfo = make_url(url).set(drivername="postgresql").render_as_string(
                hide_password=False)
            with psycopg.connect(conninfo) as locker:
                locker_pid = locker.info.backend_pid
                locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
                login = asyncio.create_task(probe.login())  # reads users: waits on the lock
                deadline = time.monotonic() + 5
                while _waiting_on_lock(admin, name) == 0:
                    assert time.monotonic() < deadline, "the request never reached the lock"
                    assert not login.done(), login.result().text
                    await asyncio.sleep(0.05)
                assert _terminate(admin, name, keep=locker_pid) >= 1
                r = await login
                assert_unavailable(r)
                locker.rollback()
            recovered = await probe.until_all_succeed()
            assert_same_process(server)
        print(f"postgres, connection killed mid-query: 503, "  # noqa: T201
              f"all-green after {recovered:.2f} s")

    async def test_database_refusing_connections_is_503_and_health_down_until_it_is_back(
        self, pg_server
    ) -> None:
        server, admin, name, _url = pg_server
        async with httpx.AsyncClient(base_url=server.url, timeout=CLIENT_TIMEOUT) as client:
            probe = Probe(client)
            await probe.sign_up("cai_outage")
            before = await uptime(client)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            try:
                _terminate(admin, name)
                start = time.monotonic()
                health = await client.get("/api/health")
                assert health.status_code == 503
                report = health.json()["health"]
                assert report["status"] == "down"
                assert report["checks"]["database"]["status"] == "down"
                assert (await client.get("/api/health/live")).status_code == 200
                assert (await client.get("/api/content/health")).status_code == 503
                for r in await probe.round():
                    assert_unavailable(r)
                slowest = time.monotonic() - start
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            recovered = await probe.until_all_succeed()
            health = await client.get("/api/health")
            assert health.status_code == 200
            assert health.json()["health"]["checks"]["database"]["status"] == "ok"
            assert_same_process(server)
            assert await uptime(client) >= before
        print(f"postgres refusing connections: health, area health and 5 requests answered "  # noqa: T201
              f"in {slowest:.2f} s; all-green {recovered:.2f} s after it accepts again")


# --- a database that never answers ---------------------------------------------------------------

@pytest.mark.slow
class TestSilentDatabase:
    async def test_a_database_that_never_answers_is_a_bounded_503(self, make_harness: Any) -> None:
        with socket.socket() as silent:  # accepts TCP (kernel backlog) and never says a word
            silent.bind(("127.0.0.1", 0))
            silent.listen(64)
            port = silent.getsockname()[1]
            h = await make_harness(database_url=f"postgresql://postgres@127.0.0.1:{port}/tanvi")
            async with h.client() as client:
                await client.get("/api/health/live")  # the app's first request sets things up
                start = time.monotonic()
                health = await client.get("/api/health")
                health_seconds = time.monotonic() - start
                assert health.status_code == 503
                assert health.json()["health"]["checks"]["database"]["status"] == "down"
                start = time.monotonic()
                login = await client.post("/api/auth/login", json={"login": "x", "password": "y"})
                login_seconds = time.monotonic() - start
                assert_unavailable(login)
        for seconds in (health_seconds, login_seconds):
            assert CONNECT_TIMEOUT - 0.5 < seconds < CONNECT_TIMEOUT + 3
        print(f"silent database: health {health_seconds:.2f} s, login {login_seconds:.2f} s "  # noqa: T201
              f"(connect timeout {CONNECT_TIMEOUT} s)")


# --- SQLite ---------------------------------------------------------------------------------------

@pytest.mark.sqlite_only
@pytest.mark.slow
class TestSqliteOutage:
    async def test_write_lock_held_elsewhere_is_503_for_writes_then_recovers(
        self, make_harness: Any, tmp_path: Path
    ) -> None:
        path = tmp_path / "locked.db"
        upgrade(f"sqlite:///{path}")
        h = await make_harness(database_url=f"sqlite:///{path}", rate_limits_enabled=False)
        async with h.client() as client:
            probe = Probe(client)
            await probe.sign_up("dee_outage")
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # another process writing, for too long
                for r in await probe.reads():  # WAL: readers are not blocked by a writer
                    assert r.status_code == 200, r.text
                start = time.monotonic()
                r = await probe.post()
                waited = time.monotonic() - start
                assert_unavailable(r)
                # busy_timeout (5 s) per blocked statement, then the answer: bounded, never a hang
                assert waited < 30
                assert (await client.get("/api/health")).status_code == 200
            finally:
                if other.in_transaction:
                    other.rollback()
                other.close()
            recovered = await probe.until_all_succeed()
        print(f"sqlite write lock held elsewhere: a write answered 503 after {waited:.2f} s "  # noqa: T201
              f"(busy_timeout 5 s); first all-green round done {recovered:.2f} s after release")

    async def test_unopenable_file_is_503_and_health_down_until_it_is_back(
        self, make_harness: Any, tmp_path: Path
    ) -> None:
        ready = tmp_path / "ready.db"
        upgrade(f"sqlite:///{ready}")
        path = tmp_path / "live" / "tanvi.db"
        path.mkdir(parents=True)  # a directory where the database file should be
        h = await make_harness(database_url=f"sqlite:///{path}", rate_limits_enabled=False)
        async with h.client() as client:
            health = await client.get("/api/health")
            assert health.status_code == 503
            assert health.json()["health"]["checks"]["database"]["status"] == "down"
            assert (await client.get("/api/health/live")).status_code == 200
            r = await client.post("/api/auth/register", json={
                "username": "eve_outage", "email": "eve@example.com", "password": PASSWORD})
            assert_unavailable(r)
            r = await client.post("/api/auth/login", json={"login": "eve", "password": PASSWORD})
            assert_unavailable(r)

            path.rmdir()
            shutil.move(ready, path)  # the file is back: no restart
            probe = Probe(client)
            await probe.sign_up("eve_outage")
            recovered = await probe.until_all_succeed()
            assert (await client.get("/api/health")).status_code == 200
        assert recovered < RECOVERY_SECONDS
