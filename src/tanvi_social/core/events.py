"""Domain events and the in-process bus.

Services record events with `record_event(session, event)`; `Database.run` hands them to the bus
after the commit. Consumers (notifications, activity log, feed fan-out, trend counters, realtime)
subscribe by event class. A consumer that fails is logged and never breaks the request that
produced the event. Cross-process delivery for realtime streams goes through `core.pubsub`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from tanvi_social.core.time import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event; `name` is the wire name used by streams and jobs."""

    name: str = field(default="event", init=False)
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        """`to_dict` with JSON values (tuples as lists, anything else orjson does not know as
        `str`): what streams and other workers receive. orjson reads the dataclass itself;
        `asdict` deep-copies every value first (~20 µs an event, a few % of a text post)."""
        # orjson leaves out fields that are not `__init__` arguments: `name` is the only one
        return {"name": self.name, **orjson.loads(orjson.dumps(self, default=str))}


Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._any: list[Handler] = []

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def subscribe_all(self, handler: Handler) -> None:
        self._any.append(handler)

    async def publish(self, events: list[Any]) -> None:
        for ev in events:
            handlers = [h for t, hs in self._handlers.items() if isinstance(ev, t) for h in hs]
            for handler in [*handlers, *self._any]:
                try:
                    await handler(ev)
                except Exception:
                    log.exception("event consumer failed", extra={"event": type(ev).__name__})
