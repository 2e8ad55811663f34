"""Import every domain's models so `Base.metadata` knows all tables (Alembic, tests)."""

from __future__ import annotations

import importlib
import importlib.util

from sqlalchemy import MetaData

from tanvi_social.core.db import Base


def load_all_models() -> MetaData:
    from tanvi_social.app import DOMAINS

    for name in DOMAINS:
        full = f"tanvi_social.{name}.models"
        if importlib.util.find_spec(f"tanvi_social.{name}") and importlib.util.find_spec(full):
            importlib.import_module(full)
    return Base.metadata
