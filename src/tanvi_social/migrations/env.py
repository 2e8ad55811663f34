from __future__ import annotations

from alembic import context

from tanvi_social.core.db import make_sync_engine
from tanvi_social.models_registry import load_all_models

config = context.config
target_metadata = load_all_models()


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Objects named `fts_*` are full-text search structures built by migrations per dialect
    (SQLite FTS5 tables and their shadow tables, PostgreSQL GIN expression indexes)."""
    return not (type_ in ("table", "index") and name is not None and name.startswith("fts_"))


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_sync_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
