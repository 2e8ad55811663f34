"""Database access: the declarative base and the unit-of-work runner.

Service functions are plain sync SQLAlchemy (`def follow(session: Session, ...)`). `Database.run`
executes one of them as one unit of work and commits once:

* SQLite: a sync `Session` called inline on the event loop (SQLite is in-process CPU work; a thread
  hop per statement costs more than the query — see docs/architecture.md for the measurements).
  Execution and commit happen in one synchronous step, so two requests never interleave inside a
  write transaction and the single-writer lock is never waited on from the loop.
* PostgreSQL: `AsyncSession.run_sync(fn)` over asyncpg (greenlet bridge, no thread hop).

Domain events recorded during the unit of work are handed to the event bus only after the commit.
A unit of work doing the same writes for many items (a batch of posts: content/create_batch.py)
can hold the writes nobody reads in it (`execute_write` inside `deferred_writes`) and send each
statement's rows in one executemany at the end.

The database being unreachable is a 503 `database_unavailable`, never a 500 (docs/security.md,
"Dependency faults"): any failure to open a connection (refused, not accepting connections, no
answer within `CONNECT_TIMEOUT`, SQLite file unopenable), a connection lost mid-unit-of-work, and a
SQLite write lock held elsewhere past `busy_timeout`. A pool with no free connection for
`pool_timeout` is a 503 `database_busy` with `Retry-After`. Dead pooled connections are replaced:
a connection idle for over a second is pinged before use (`_ping_when_idle`), and one that fails
mid-request makes SQLAlchemy replace the pool's older connections, so the service recovers by
itself once the database is back.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import orjson
from sqlalchemy import DateTime, MetaData, String, cast, create_engine, event, or_, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from tanvi_social.core.errors import ServiceUnavailable
from tanvi_social.core.time import as_utc, utcnow

P = ParamSpec("P")
# Seconds to wait for a new PostgreSQL connection: a database that does not answer is a 503 after
# this long, not a request hanging for asyncpg's default minute.
CONNECT_TIMEOUT = 5
T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _SQLiteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME (the same DDL) without SQLAlchemy's own conversion to and from text:
    `UTCDateTime` does it in one step."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """Stores timezone-aware UTC datetimes and always returns them aware (SQLite drops tzinfo).

    On SQLite the value is stored as naive UTC text in the format SQLAlchemy's DATETIME writes
    (`2026-11-27 10:48:55.151855`, microseconds always: rows compare as text), written with
    `isoformat` and read with `fromisoformat` (C) instead of SQLAlchemy's %-format and regular
    expression (a text post binds nine datetimes: docs/benchmarks.md → "Group commit")."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return _SQLiteDateTime()
        return super().load_dialect_impl(dialect)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def normalise_url(url: str) -> tuple[str, str]:
    """Return (sync_url, async_url) for the plain or driver-suffixed forms of api.md."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        sync = parsed.set(drivername="sqlite+pysqlite")
        return sync.render_as_string(hide_password=False), sync.set(
            drivername="sqlite+aiosqlite"
        ).render_as_string(hide_password=False)
    if backend == "postgresql":
        return (
            parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False),
            parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False),
        )
    raise ValueError(f"Unsupported database backend: {backend}")


_LONG_DIGITS = re.compile(r"\d{19}")  # an integer orjson would not read exactly (> 64 bits)


def json_loads(text: str | bytes) -> Any:
    """The JSON columns' decoder: orjson (several times faster than `json.loads` on the small
    lists and objects stored here), with `json.loads` for what orjson refuses or reads
    differently (NaN/Infinity; integers beyond 64 bits, which it would turn into floats), so
    every stored value reads back exactly as before."""
    raw = text.decode() if isinstance(text, bytes) else text
    if _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def json_dumps(value: Any) -> str:
    """The JSON columns' encoder: orjson, compact UTF-8 (~10× faster than `json.dumps`, whose
    text had spaces and \\u-escapes: `json_text_contains` matches both), with `json.dumps`
    for what orjson refuses (integers beyond 64 bits). Non-finite floats are written as null,
    which is JSON (`json.dumps` wrote NaN, which PostgreSQL refuses)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_text_contains(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a JSON column's text holds the JSON string `value` (e.g. an element of a list of
    tags), in the encoding of `json_dumps` or of `json.dumps` (rows written before)."""
    forms = dict.fromkeys((orjson.dumps(value).decode(), json.dumps(value)))
    text_of = cast(column, String)
    return or_(*(text_of.like("%" + _like_literal(form) + "%", escape="\\") for form in forms))


def _like_literal(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_sync_engine(url: str, *, echo: bool = False) -> Engine:
    sync_url, _ = normalise_url(url)
    if sync_url.startswith("sqlite"):
        path = make_url(sync_url).database
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            sync_url, echo=echo, connect_args={"check_same_thread": False},
            pool_size=8, max_overflow=8, json_serializer=json_dumps, json_deserializer=json_loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(sync_url, echo=echo, pool_pre_ping=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT},
                         json_serializer=json_dumps, json_deserializer=json_loads)


IDLE_PING_S = 1.0  # a pooled connection unused for longer is pinged before it is handed out


def _ping_when_idle(engine: Engine) -> None:
    """`pool_pre_ping`, only for connections that sat in the pool for over IDLE_PING_S: under
    load a connection is handed out again within milliseconds, and a ping per unit of work was
    a round trip to the database per unit of work. A connection that died since its last use
    in that second fails its statement instead: the request is a 503 (`_unavailable_as_503`)
    and SQLAlchemy replaces every older pooled connection, as `pool_pre_ping` would."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= IDLE_PING_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection failed its ping") from exc
        if not alive:
            raise DisconnectionError("a pooled connection failed its ping")


EventSink = Callable[[list[Any]], Awaitable[None]]


def record_event(session: Session, domain_event: Any) -> None:
    """Queue a domain event; it is published only if the unit of work commits."""
    session.info.setdefault("events", []).append(domain_event)


# --- deferred writes: one executemany per statement for a batch of work -----------------------

_DEFERRED = "deferred_writes"


@dataclass
class _Held:
    statement: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    order_by: str | None = None


Deferred = dict[int, _Held]


def execute_write(session: Session, statement: Any, params: dict[str, Any] | list[dict[str, Any]],
                  *, order_by: str | None = None) -> None:
    """Execute a write whose result nobody reads (an INSERT or UPDATE of prebuilt Core
    `statement`). Inside `deferred_writes(session)` it waits instead, and every row given for
    the same statement object goes to the database in one executemany when the block ends,
    sorted by the parameter `order_by` when given (an UPDATE: rows locked in one order by
    every transaction, so two batches cannot deadlock on PostgreSQL)."""
    pending: Deferred | None = session.info.get(_DEFERRED)
    if pending is None:
        session.execute(statement, params)
        return
    held = pending.setdefault(id(statement), _Held(statement, order_by=order_by))
    held.rows.extend(params if isinstance(params, list) else [params])


def deferred_rows(session: Session, statement: Any) -> list[dict[str, Any]]:
    """The rows `execute_write` is holding for `statement` in this unit of work (a check that
    counts rows of that table must count these too)."""
    pending: Deferred | None = session.info.get(_DEFERRED)
    held = pending.get(id(statement)) if pending else None
    return held.rows if held is not None else []


@contextmanager
def deferred_writes(session: Session) -> Iterator[Deferred]:
    """Hold `execute_write`'s writes for the block; when it ends without an error, run them
    (one executemany per statement, in the order each statement was first used). Writes held
    when the block raises are dropped with the rest of the failed unit of work."""
    pending: Deferred = {}
    session.info[_DEFERRED] = pending
    try:
        yield pending
    finally:
        session.info.pop(_DEFERRED, None)
    for held in pending.values():
        if (key := held.order_by) is not None:
            held.rows.sort(key=lambda row: row[key])
        if held.rows:
            session.execute(held.statement, held.rows)


def held_counts(pending: Deferred) -> dict[int, int]:
    """How many rows each held statement has (a mark `drop_held_since` can go back to)."""
    return {key: len(held.rows) for key, held in pending.items()}


def drop_held_since(pending: Deferred, mark: dict[int, int]) -> None:
    """Drop the rows held since `held_counts` gave `mark` (a failed item of a batch)."""
    for key, held in pending.items():
        del held.rows[mark.get(key, 0):]


class Database:
    """Owns the engines and runs service functions as units of work."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20,
                 max_overflow: int = 30) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.dialect_name = "sqlite" if self.is_sqlite else "postgresql"
        self._event_sink: EventSink | None = None
        self.async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        if self.is_sqlite:
            self.sync_engine = make_sync_engine(url, echo=echo)
        else:
            _, async_url = normalise_url(url)
            self.async_engine = create_async_engine(
                async_url, echo=echo, pool_size=pool_size, max_overflow=max_overflow,
                pool_timeout=10, connect_args={"timeout": CONNECT_TIMEOUT},
                json_serializer=json_dumps, json_deserializer=json_loads,
            )
            _ping_when_idle(self.async_engine.sync_engine)
            self._async_sessions = async_sessionmaker(self.async_engine, expire_on_commit=False)
            self.sync_engine = make_sync_engine(url, echo=echo)  # used only off the loop
        self._sync_sessions = sessionmaker(self.sync_engine, expire_on_commit=False)

    def set_event_sink(self, sink: EventSink | None) -> None:
        self._event_sink = sink

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args, **kwargs)` as one unit of work and commit once."""
        with _unavailable_as_503():
            if self.is_sqlite:
                result, events = self._run_sync(fn, args, kwargs, commit=True)
            else:
                result, events = await self._run_async(fn, args, kwargs, commit=True)
        if events and self._event_sink is not None:
            await self._event_sink(events)
        return result

    async def read(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a read-only function; nothing is committed."""
        with _unavailable_as_503():
            if self.is_sqlite:
                result, _ = self._run_sync(fn, args, kwargs, commit=False)
            else:
                result, _ = await self._run_async(fn, args, kwargs, commit=False)
        return result

    async def run_in_thread(self, fn: Callable[..., T], /, *args: Any, commit: bool = False,
                            **kwargs: Any) -> T:
        """Heavy work (analytics, exports, seeding) runs on a worker thread with a sync session."""
        result, events = await asyncio.to_thread(self._run_sync, fn, args, kwargs, commit=commit)
        if events and self._event_sink is not None:
            await self._event_sink(events)
        return result

    def run_blocking(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """For the CLI and jobs outside the event loop."""
        result, _ = self._run_sync(fn, args, kwargs, commit=True)
        return result

    def _run_sync(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], *,
                  commit: bool) -> tuple[T, list[Any]]:
        with self._sync_sessions() as session:
            try:
                session.connection()
            except (DBAPIError, OSError) as exc:  # a pool timeout is `database_busy`, below
                raise _unavailable() from exc
            try:
                result = fn(session, *args, **kwargs)
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise
            return result, session.info.pop("events", []) if commit else []

    async def _run_async(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                         *, commit: bool) -> tuple[T, list[Any]]:
        assert self._async_sessions is not None
        async with self._async_sessions() as session:
            try:
                await session.connection()
            except (DBAPIError, OSError) as exc:  # a pool timeout is `database_busy`, below
                raise _unavailable() from exc
            try:
                result = await session.run_sync(lambda s: fn(s, *args, **kwargs))
                if commit:
                    await session.commit()
                else:
                    await session.rollback()
            except BaseException:
                await session.rollback()
                raise
            events = session.sync_session.info.pop("events", []) if commit else []
            return result, events

    async def ping(self) -> float:
        """A real round-trip; returns its latency in milliseconds."""
        start = time.perf_counter()
        try:
            if self.is_sqlite:
                with self.sync_engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            else:
                assert self.async_engine is not None
                async with self.async_engine.connect() as conn:
                    await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=3)
        except Exception as exc:
            raise _unavailable() from exc
        return (time.perf_counter() - start) * 1000

    async def dispose(self) -> None:
        if self.async_engine is not None:
            await self.async_engine.dispose()
        self.sync_engine.dispose()


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("The database is unavailable; try again shortly",
                              code="database_unavailable")


@contextmanager
def _unavailable_as_503() -> Iterator[None]:
    """A lost connection, or a pool with no free connection for `pool_timeout`, is a 503."""
    try:
        yield
    except PoolTimeout as exc:
        raise ServiceUnavailable("The database is busy; retry shortly", code="database_busy",
                                 headers={"Retry-After": "1"}) from exc
    except (OperationalError, DBAPIError, OSError) as exc:
        if _is_connection_error(exc):
            raise _unavailable() from exc
        raise


def _is_connection_error(exc: BaseException) -> bool:
    """A connection lost or refused mid-unit-of-work, or SQLite's write lock held elsewhere past
    `busy_timeout` (errors while obtaining a connection are handled where it is obtained)."""
    if isinstance(exc, OSError | ConnectionError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, IntegrityError | DataError | ProgrammingError):
        return False  # about the statement, and its message may quote user data
    # The driver's own message, without the statement and its parameters.
    text_ = str(getattr(exc, "orig", None) or exc).lower()
    needles = ("connection refused", "could not connect", "connection was closed",
               "unable to open database", "connection is closed", "cannot connect",
               "terminating connection", "not currently accepting connections",
               "database is locked")
    return any(s in text_ for s in needles)
