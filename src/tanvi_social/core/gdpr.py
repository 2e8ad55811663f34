"""The GDPR registry: each domain adds how to export and erase its own data for a user.

Accounts owns `GET /api/auth/me/export` and `DELETE /api/auth/me`; they iterate this registry, so a
new domain plugs in by calling `register(...)` at import time and accounts never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DataHandler:
    name: str
    export: Callable[[Session, int], Any]
    erase: Callable[[Session, int], None]
    order: int = 100  # erase order: lower runs first (dependants before what they depend on)


_handlers: dict[str, DataHandler] = {}


def register(name: str, *, export: Callable[[Session, int], Any],
             erase: Callable[[Session, int], None], order: int = 100) -> None:
    _handlers[name] = DataHandler(name, export, erase, order)


def handlers() -> list[DataHandler]:
    return sorted(_handlers.values(), key=lambda h: (h.order, h.name))
