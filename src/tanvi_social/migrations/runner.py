"""Run Alembic programmatically (`tanvi-social migrate`, `make run`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from tanvi_social.core.db import normalise_url

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url)[0].replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    return cfg


def upgrade(database_url: str) -> None:
    """Apply every branch's migrations (each domain owns a branch; see docs/architecture.md)."""
    command.upgrade(alembic_config(database_url), "heads")


def check(database_url: str) -> None:
    """Fail if the models and the migrated schema differ."""
    command.check(alembic_config(database_url))
