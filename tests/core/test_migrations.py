from __future__ import annotations

import warnings

from sqlalchemy import inspect

from tanvi_social.core.db import make_sync_engine
from tanvi_social.migrations.runner import check
from tanvi_social.models_registry import load_all_models


class TestMigrations:
    def test_migrated_schema_matches_models(self, database_url: str) -> None:
        """`alembic check`: autogenerate finds nothing to add, drop or alter."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # expression indexes are not reflected
            check(database_url)

    def test_every_model_table_exists(self, database_url: str) -> None:
        engine = make_sync_engine(database_url)
        try:
            existing = set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
        expected = set(load_all_models().tables)
        assert expected <= existing, expected - existing
