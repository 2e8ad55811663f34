"""Prometheus metrics (`/metrics`), in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set.

With several uvicorn workers, set `PROMETHEUS_MULTIPROC_DIR` to an empty directory before they
start: each worker writes its samples there and any worker's `/metrics` reports the sum.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_metrics: dict[str, Any] = {}


def _build() -> dict[str, Any]:
    if not _metrics:
        _metrics["requests"] = Counter(
            "tanvi_http_requests", "HTTP requests served", ["method", "route", "status"])
        _metrics["latency"] = Histogram(
            "tanvi_http_request_duration_seconds", "HTTP request latency",
            ["method", "route"], buckets=BUCKETS)
    return _metrics


_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}  # the labelled series in use


def observe(method: str, route: str, status: int, duration_ms: float) -> None:
    """Record one request (called by the monitor for every request). The labelled series are
    looked up once per (method, route, status): `labels()` takes a lock and builds a key on
    every call. Routes are templates, so the series are bounded (the monitor's own bound)."""
    key = (method, route, status)
    series = _children.get(key)
    if series is None:
        m = _build()
        series = _children[key] = (m["requests"].labels(method, route, str(status)),
                                   m["latency"].labels(method, route))
    series[0].inc()
    series[1].observe(duration_ms / 1000)


def render() -> tuple[bytes, str]:
    """The exposition text of every worker (multiprocess) or of this process."""
    _build()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
