"""`tanvi-social seed-demo`: believable demo data, once (idempotent), domain by domain.

Each domain may provide `<domain>/seed.py` with `seed(session, ctx) -> int` (rows added; 0 when
its data is already there). They run in DOMAINS order, each in its own transaction.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from dataclasses import dataclass, field
from typing import Any

from rich.progress import Progress

from tanvi_social.core.db import Database


@dataclass
class SeedContext:
    rng: random.Random = field(default_factory=lambda: random.Random(20261126))
    data: dict[str, Any] = field(default_factory=dict)  # shared between domain seeders
    media_dir: str = "var/media"


def seed_modules() -> list[tuple[str, Any]]:
    from tanvi_social.app import DOMAINS

    modules = []
    for name in DOMAINS:
        full = f"tanvi_social.{name}.seed"
        if importlib.util.find_spec(f"tanvi_social.{name}") and importlib.util.find_spec(full):
            modules.append((name, importlib.import_module(full)))
    return modules


def run_seed(db: Database, *, media_dir: str, show_progress: bool = True) -> dict[str, int]:
    ctx = SeedContext(media_dir=media_dir)
    results: dict[str, int] = {}
    modules = seed_modules()
    with Progress(disable=not show_progress) as progress:
        task = progress.add_task("Seeding demo data", total=len(modules))
        for name, module in modules:
            progress.update(task, description=f"Seeding {name}")
            results[name] = db.run_blocking(module.seed, ctx)
            progress.advance(task)
    return results
