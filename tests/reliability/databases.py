"""Throw-away databases for tests that run a real server against a database of their own."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tanvi_social.migrations.runner import upgrade


def pg_admin_engine(base_url: str) -> Engine:
    """An AUTOCOMMIT engine on the run's PostgreSQL server (for CREATE/DROP/ALTER DATABASE)."""
    return create_engine(make_url(base_url).set(drivername="postgresql+psycopg"),
                         isolation_level="AUTOCOMMIT")


def fresh_database(base_url: str, tmp_path: Path,
                   prefix: str = "tanvi_t") -> tuple[str, str | None]:
    """A migrated database of our own: (url, PostgreSQL database name or None for SQLite)."""
    if base_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / (prefix + '.db')}"
        upgrade(url)
        return url, None
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = pg_admin_engine(base_url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = (make_url(base_url).set(database=name, drivername="postgresql")
           .render_as_string(hide_password=False))
    upgrade(url)
    return url, name


def drop_database(base_url: str, name: str | None) -> None:
    if name is None:
        return
    engine = pg_admin_engine(base_url)
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()
