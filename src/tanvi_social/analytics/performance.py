"""Live performance figures: the monitor report and grade, recommendations, stored benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from tanvi_social.analytics.schemas import (
    BenchmarkBody,
    CacheFamily,
    CacheStatsBody,
    MonitorBody,
    Recommendation,
    RouteFigures,
    SlowRequest,
)
from tanvi_social.core.cache import INVALIDATION_REDELETE_S
from tanvi_social.core.errors import NotFound
from tanvi_social.core.observability import Monitor, percentile

GRADE_RULE = ("A+ if mean < 100 ms and p95 < 200 ms; A if < 200/500 ms; B if < 500/1000 ms; "
              "C if < 1000/2000 ms; else D (the original's rule, on real requests)")


def grade(mean_ms: float, p95_ms: float) -> str:
    """The original's grade (analysis §3.12), applied to measured figures."""
    for letter, mean_limit, p95_limit in (("A+", 100, 200), ("A", 200, 500), ("B", 500, 1000),
                                          ("C", 1000, 2000)):
        if mean_ms < mean_limit and p95_ms < p95_limit:
            return letter
    return "D"


def rss_mb() -> float | None:
    """Resident memory of this process in MiB (Linux /proc), None elsewhere."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def monitor_report(monitor: Monitor, extras: dict[str, Any]) -> MonitorBody:
    """Overall and per-route figures of this worker, with the grade and slow requests."""
    snap = monitor.snapshot()
    samples: list[float] = []
    count = errors = client_errors = 0
    total_ms = 0.0
    for stats in monitor.routes.values():
        samples.extend(stats.samples)
        count += stats.count
        errors += stats.errors
        client_errors += stats.client_errors
        total_ms += stats.total_ms
    samples.sort()
    mean = total_ms / count if count else 0.0
    p95 = percentile(samples, 95)
    jobs = extras.get("jobs")
    pubsub = extras.get("pubsub")
    return MonitorBody(
        worker_pid=os.getpid(), uptime_seconds=snap["uptime_seconds"], total_requests=count,
        error_rate=round(errors / count, 4) if count else 0.0,
        client_error_rate=round(client_errors / count, 4) if count else 0.0,
        mean_ms=round(mean, 3), p50_ms=round(percentile(samples, 50), 3), p95_ms=round(p95, 3),
        p99_ms=round(percentile(samples, 99), 3), grade=grade(mean, p95), grade_rule=GRADE_RULE,
        routes=[RouteFigures(**r) for r in snap["routes"]],
        slow_requests=[SlowRequest(**s) for s in snap["slow_requests"]],
        slow_threshold_ms=monitor.SLOW_MS,
        jobs=jobs.describe() if jobs is not None else {},
        pubsub=pubsub.describe() if pubsub is not None else {},
        memory_rss_mb=rss_mb(),
    )


async def cache_stats(cache: Any) -> CacheStatsBody:
    """This worker's counters plus, with Redis, the server's keyspace figures."""
    stats = cache.stats
    info = cache.describe()
    server = None
    if cache.backend == "redis":
        import asyncio

        try:
            raw = await asyncio.wait_for(cache.client.info("stats"), timeout=0.5)
            hits, misses = int(raw.get("keyspace_hits", 0)), int(raw.get("keyspace_misses", 0))
            server = {"keyspace_hits": hits, "keyspace_misses": misses,
                      "hit_rate": round(hits / (hits + misses), 4) if hits + misses else 0.0,
                      "evicted_keys": int(raw.get("evicted_keys", 0))}
        except Exception:
            server = None
    families = [CacheFamily(family=f, hits=h, misses=m,
                            hit_rate=round(h / (h + m), 4) if h + m else 0.0)
                for f, (h, m) in sorted(stats.families.items())]
    return CacheStatsBody(
        backend=cache.backend, healthy=bool(info.get("healthy", True)), hits=stats.hits,
        misses=stats.misses, hit_rate=stats.hit_rate, sets=stats.sets, deletes=stats.deletes,
        evictions=stats.evictions, errors=stats.errors, entries=info.get("entries"),
        bytes=info.get("bytes"), max_bytes=info.get("max_bytes"), families=families,
        server=server, staleness_bound_seconds=INVALIDATION_REDELETE_S, worker_pid=os.getpid())


def recommendations(report: MonitorBody, cache: CacheStatsBody, db_ping_ms: float | None,
                    ) -> list[Recommendation]:
    """Advice derived from the live monitor and cache figures; nothing is canned."""
    out: list[Recommendation] = []
    lookups = cache.hits + cache.misses
    if lookups >= 50 and cache.hit_rate < 0.8:
        out.append(Recommendation(
            area="cache", severity="warning",
            finding=f"Cache hit rate is {cache.hit_rate:.0%} over {lookups} lookups",
            advice="Cache the hot reads (post cards, profile cards, trend lists) with "
                   "core.cache.cached and longer TTLs; invalidation is event-driven.",
            evidence={"hit_rate": cache.hit_rate, "lookups": lookups}))
    for fam in cache.families:
        if fam.hits + fam.misses >= 50 and fam.hit_rate < 0.5:
            out.append(Recommendation(
                area="cache", severity="info",
                finding=f"Keys '{fam.family}:*' hit only {fam.hit_rate:.0%}",
                advice="Their TTL may be shorter than the time between reads, or they are "
                       "invalidated on every write: check the producer and the events.",
                evidence=fam.model_dump()))
    if cache.evictions > 0 and cache.max_bytes:
        out.append(Recommendation(
            area="cache", severity="info",
            finding=f"{cache.evictions} entries were evicted for memory",
            advice="Raise the in-process cache bound or move to Redis (scale mode).",
            evidence={"evictions": cache.evictions, "max_bytes": cache.max_bytes}))
    if not cache.healthy:
        out.append(Recommendation(
            area="cache", severity="critical", finding="The Redis cache is unreachable",
            advice="Requests are served without the cache; restore Redis.",
            evidence={"errors": cache.errors}))
    for route in report.routes:
        if route.count >= 20 and route.p95_ms > 200:
            out.append(Recommendation(
                area="latency", severity="warning",
                finding=f"{route.route}: p95 {route.p95_ms:.0f} ms over {route.count} requests",
                advice="Profile its queries (indexes, SQLAlchemy Core for hot reads) or cache "
                       "its response.", evidence=route.model_dump()))
        if route.count >= 20 and route.error_rate > 0.01:
            out.append(Recommendation(
                area="reliability", severity="critical",
                finding=f"{route.route}: {route.error_rate:.1%} server errors",
                advice="Look up the request ids of the 5xx responses in the logs.",
                evidence=route.model_dump()))
    if report.total_requests >= 100 and report.error_rate > 0.005:
        out.append(Recommendation(
            area="reliability", severity="critical",
            finding=f"{report.error_rate:.2%} of all requests failed with a server error",
            advice="Investigate the failing routes listed by the monitor.",
            evidence={"error_rate": report.error_rate, "requests": report.total_requests}))
    if db_ping_ms is not None and db_ping_ms > 50:
        out.append(Recommendation(
            area="database", severity="warning",
            finding=f"A database round-trip takes {db_ping_ms:.0f} ms",
            advice="Check the database host's load and the connection pool size.",
            evidence={"ping_ms": round(db_ping_ms, 3)}))
    if report.memory_rss_mb is not None and report.memory_rss_mb > 300:
        out.append(Recommendation(
            area="memory", severity="warning",
            finding=f"This worker uses {report.memory_rss_mb:.0f} MB resident memory",
            advice="Lower the in-process cache bound or run more, smaller workers.",
            evidence={"rss_mb": report.memory_rss_mb}))
    for name, job in (report.jobs.get("jobs") or {}).items():
        if job.get("given_up"):
            out.append(Recommendation(
                area="jobs", severity="warning",
                finding=f"Job {name} failed for good {job['given_up']} time(s)",
                advice="Its last error: " + str(job.get("last_error")),
                evidence=job))
    if not out:
        out.append(Recommendation(
            area="overall", severity="info",
            finding=f"No problem found: grade {report.grade}, p95 {report.p95_ms:.1f} ms over "
                    f"{report.total_requests} requests, cache hit rate {cache.hit_rate:.0%}",
            advice="Nothing to change now; run `make bench` after large changes.",
            evidence={"grade": report.grade, "p95_ms": report.p95_ms}))
    return out


def results_dir(configured: Path | None) -> Path:
    if configured is not None:
        return configured
    env = os.environ.get("TANVI_BENCH_RESULTS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "bench" / "results"


def latest_benchmark(directory: Path) -> BenchmarkBody:
    """The newest stored result of `make bench` (by its recorded date); other benches' files in
    the same folder (`floor-*.json`) are not `make bench` runs."""
    best: tuple[str, dict[str, Any], Path] | None = None
    for path in sorted(directory.glob("bench-*.json")) if directory.is_dir() else []:
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(data, dict) or "date" not in data:
            continue
        if best is None or str(data["date"]) > best[0]:
            best = (str(data["date"]), data, path)
    if best is None:
        raise NotFound("No benchmark results stored yet: run `make bench`",
                       code="no_benchmarks")
    _, data, path = best
    return BenchmarkBody(date=str(data["date"]), machine=data.get("machine", {}),
                         command=str(data.get("command", "")), results=data.get("results", {}),
                         file=path.name)
