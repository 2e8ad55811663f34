"""PostgreSQL pool: a connection idle for over IDLE_PING_S is pinged before use; one used within
that second is not (no round trip per unit of work), and if it died meanwhile the unit of work is
a 503 and the pool recovers by itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tanvi_social.core import db as db_module
from tanvi_social.core.db import Database
from tanvi_social.core.errors import ServiceUnavailable

pytestmark = pytest.mark.postgres


def _backend_pid(session: Session) -> int:
    return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(database_url: str, pid: int) -> None:
    admin = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the asyncpg pool: runs in the PostgreSQL pass")
    database = Database(database_url, pool_size=1, max_overflow=0)
    yield database
    await database.dispose()


async def test_a_connection_used_within_the_second_is_not_pinged(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "IDLE_PING_S", 3600.0)
    first = await database.read(_backend_pid)
    pings: list[int] = []
    monkeypatch.setattr(database.async_engine.dialect, "do_ping",  # type: ignore[union-attr]
                        lambda conn: pings.append(1) or True)
    assert await database.read(_backend_pid) == first  # the same pooled connection
    assert pings == []


async def test_an_idle_connection_that_died_is_replaced_before_use(
        database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await database.read(_backend_pid)
    _kill(database_url, first)
    monkeypatch.setattr(db_module, "IDLE_PING_S", 0.0)  # every pooled connection counts as idle
    second = await database.read(_backend_pid)  # the ping fails: a new connection, no error
    assert second != first


async def test_a_connection_that_died_within_the_second_is_a_503_then_recovers(
        database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "IDLE_PING_S", 3600.0)
    first = await database.read(_backend_pid)
    _kill(database_url, first)
    with pytest.raises(ServiceUnavailable) as caught:
        await database.read(_backend_pid)
    assert caught.value.code == "database_unavailable"
    assert await database.read(_backend_pid) != first  # the dead connection was dropped
