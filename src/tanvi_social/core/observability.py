"""Logs (JSON in prod), request ids, and the in-process request monitor."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tanvi_social.core.time import utcnow

REDACTED = "[redacted]"
_SECRET_WORDS = ("password", "token", "secret", "authorization", "ticket")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": utcnow().isoformat(), "level": record.levelname, "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in ("request_id", "method", "path", "status", "duration_ms", "event", "route"):
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class RedactingFilter(logging.Filter):
    """Belt and braces: never let a bearer token or password reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if "Bearer " in msg or "eyJ" in msg:
            record.msg = _scrub(msg)
            record.args = ()
        return True


def _scrub(text: str) -> str:
    import re

    text = re.sub(r"Bearer\s+[A-Za-z0-9._\-]+", "Bearer " + REDACTED, text)
    return re.sub(r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*", REDACTED, text)


def configure_logging(*, json_logs: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("tanvi_social")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@dataclass
class RouteStats:
    count: int = 0
    errors: int = 0
    client_errors: int = 0
    total_ms: float = 0.0
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=4096))

    def record(self, duration_ms: float, status: int) -> None:
        self.count += 1
        self.total_ms += duration_ms
        self.samples.append(duration_ms)
        if status >= 500:
            self.errors += 1
        elif status >= 400:
            self.client_errors += 1


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-q * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Monitor:
    """Per-route request counts, latency percentiles (last 4,096 requests), error rates."""

    SLOW_MS = 200.0

    def __init__(self) -> None:
        self.routes: dict[str, RouteStats] = {}
        self.slow: deque[dict[str, Any]] = deque(maxlen=50)
        self.started = time.time()
        # Called with (method, route, status, duration_ms) for every request (e.g. Prometheus).
        self.hooks: list[Callable[[str, str, int, float], None]] = []

    def record(self, method: str, route: str, status: int, duration_ms: float) -> None:
        for hook in self.hooks:
            try:
                hook(method, route, status, duration_ms)
            except Exception:
                logging.getLogger(__name__).exception("monitor hook failed")
        key = f"{method} {route}"
        stats = self.routes.get(key)
        if stats is None:
            if len(self.routes) > 1000:
                return
            stats = self.routes[key] = RouteStats()
        stats.record(duration_ms, status)
        if duration_ms >= self.SLOW_MS:
            self.slow.append({"route": key, "status": status, "duration_ms": round(duration_ms, 2),
                              "at": utcnow().isoformat()})

    def snapshot(self) -> dict[str, Any]:
        routes = []
        for key, stats in sorted(self.routes.items()):
            values = sorted(stats.samples)
            routes.append({
                "route": key, "count": stats.count,
                "error_rate": round(stats.errors / stats.count, 4) if stats.count else 0.0,
                "client_error_rate": round(stats.client_errors / stats.count, 4)
                if stats.count else 0.0,
                "mean_ms": round(stats.total_ms / stats.count, 3) if stats.count else 0.0,
                "p50_ms": round(percentile(values, 50), 3),
                "p95_ms": round(percentile(values, 95), 3),
                "p99_ms": round(percentile(values, 99), 3),
            })
        return {"routes": routes, "slow_requests": list(self.slow),
                "uptime_seconds": round(time.time() - self.started, 1)}

    def reset(self) -> None:
        self.routes.clear()
        self.slow.clear()
