"""`/api/performance`: cache, monitor, metrics, analytics, benchmarks, load test, advice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response

from tanvi_social.accounts.deps import AdminUser, CurrentUser, OptionalUser
from tanvi_social.analytics import loadtest, metrics, performance, service
from tanvi_social.analytics.schemas import (
    BenchmarkResponse,
    CacheClearRequest,
    CacheClearResponse,
    CacheStatsResponse,
    ContentAnalyticsResponse,
    LoadTestRequest,
    LoadTestResponse,
    MonitorResponse,
    PlatformAnalytics,
    PlatformAnalyticsResponse,
    RecommendationsResponse,
    UserAnalyticsResponse,
)
from tanvi_social.core.cache import cached
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from tanvi_social.core.middleware import client_ip
from tanvi_social.core.responses import error_responses

router = APIRouter(prefix="/api/performance", tags=["performance"])
metrics_router = APIRouter(tags=["performance"])
extra_routers = [metrics_router]

ADMIN_ERRORS = error_responses(Unauthorized, Forbidden)
PLATFORM_TTL = 30.0  # seconds the platform analytics may be served from the cache


@router.get("/cache/stats", responses=ADMIN_ERRORS)
async def cache_stats(platform: PlatformDep, _admin: AdminUser) -> CacheStatsResponse:
    """Cache hits, misses, evictions and hit rate (this worker; Redis server-wide too)."""
    return CacheStatsResponse(cache=await performance.cache_stats(platform.cache))


@router.post("/cache/clear", responses=ADMIN_ERRORS)
async def cache_clear(platform: PlatformDep, _admin: AdminUser,
                      body: Annotated[CacheClearRequest | None, Body()] = None,
                      ) -> CacheClearResponse:
    """Drop cached entries (all, or those whose key starts with `prefix`)."""
    prefix = body.prefix if body is not None else ""
    cleared = await platform.cache.clear(prefix)
    return CacheClearResponse(cleared=cleared, prefix=prefix,
                              message=f"Cleared {cleared} cache entries")


@router.get("/analytics/user/{user_id}", responses=error_responses(Unauthorized, Forbidden,
                                                                    NotFound))
async def user_analytics(platform: PlatformDep, principal: CurrentUser,
                         user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                         days: Annotated[int, Query(ge=1, le=365)] = 30,
                         ) -> UserAnalyticsResponse:
    """Engagement score, activity mix, reach, follower growth, best posting hours (self/admin)."""
    result = await platform.db.read(service.user_analytics, principal.user_id,
                                    principal.is_admin, user_id, days)
    return UserAnalyticsResponse(analytics=result)


@router.get("/analytics/content/{post_id}", responses=error_responses(Unauthorized, Forbidden,
                                                                       NotFound))
async def content_analytics(platform: PlatformDep, principal: CurrentUser,
                            post_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                            ) -> ContentAnalyticsResponse:
    """Viral score, engagement mix, reach and timeline of a post (its author or an admin)."""
    result = await platform.db.read(service.content_analytics, principal.user_id,
                                    principal.is_admin, post_id)
    return ContentAnalyticsResponse(analytics=result)


@router.get("/analytics/platform", responses=ADMIN_ERRORS)
async def platform_analytics(platform: PlatformDep, _admin: AdminUser,
                             days: Annotated[int, Query(ge=1, le=365)] = 30,
                             ) -> PlatformAnalyticsResponse:
    """Platform totals, daily series, last-24-hour activity, average scores (admin)."""

    async def produce() -> PlatformAnalytics:
        return await platform.db.run_in_thread(service.platform_analytics, days)

    raw = await cached(platform, f"analytics:platform:{days}", PLATFORM_TTL, produce)
    return PlatformAnalyticsResponse(analytics=PlatformAnalytics.model_validate_json(raw))


@router.post("/analytics/rollup", responses=ADMIN_ERRORS)
async def run_rollup(platform: PlatformDep, _admin: AdminUser) -> PlatformAnalyticsResponse:
    """Roll up every complete day now (the job does it hourly), then report the platform."""
    await platform.db.run_in_thread(service.rollup, commit=True)
    await platform.cache.clear("analytics:")
    result = await platform.db.run_in_thread(service.platform_analytics, 30)
    return PlatformAnalyticsResponse(analytics=result, message="Roll-up done")


async def _monitor(platform: PlatformDep, _admin: AdminUser) -> MonitorResponse:
    return MonitorResponse(monitor=performance.monitor_report(platform.monitor, platform.extras))


router.add_api_route("/monitor", _monitor, methods=["GET"], responses=ADMIN_ERRORS,
                     summary="Request monitor",
                     description="Per-route counts, p50/p95/p99 latency, error rates, grade and "
                                 "slow requests of this worker, from real requests (admin).")
router.add_api_route("/performance/monitor", _monitor, methods=["GET"], responses=ADMIN_ERRORS,
                     summary="Request monitor (alias)", name="monitor_alias",
                     description="Alias of /api/performance/monitor.")


@router.get("/benchmarks", responses=error_responses(Unauthorized, Forbidden, NotFound))
async def benchmarks(platform: PlatformDep, _admin: AdminUser) -> BenchmarkResponse:
    """The latest stored result of `make bench`: date, machine, command and figures."""
    directory = performance.results_dir(platform.settings.bench_results_dir)
    return BenchmarkResponse(benchmarks=performance.latest_benchmark(directory))


@router.post("/load-test", responses=error_responses(Unauthorized, Forbidden, Conflict,
                                                      ValidationFailed))
async def load_test(request: Request, platform: PlatformDep, _admin: AdminUser,
                    body: Annotated[LoadTestRequest | None, Body()] = None) -> LoadTestResponse:
    """A bounded load (≤ 30 s, ≤ 200 virtual users) on this service's read endpoints."""
    body = body or LoadTestRequest()
    available = loadtest.read_paths(request.app)
    if body.endpoints:
        unknown = [p for p in body.endpoints if p not in available]
        if unknown:
            raise ValidationFailed("Only this service's parameterless GET endpoints can be "
                                   "loaded", details=[{"loc": ["body", "endpoints"],
                                                       "msg": f"not allowed: {p}",
                                                       "type": "value_error"}
                                                      for p in unknown])
        paths = list(dict.fromkeys(body.endpoints))
    else:
        paths = [p for p in loadtest.DEFAULT_CANDIDATES if p in available]
    if loadtest._lock.locked():
        raise Conflict("A load test is already running", code="load_test_running")
    result = await loadtest.run(request.app, request.scope, paths, body.duration_seconds,
                                body.virtual_users)
    return LoadTestResponse(load_test=result, message=f"{result.requests} requests measured")


@router.get("/optimization/recommendations", responses=ADMIN_ERRORS)
async def optimization_recommendations(platform: PlatformDep,
                                       _admin: AdminUser) -> RecommendationsResponse:
    """Advice derived from the live monitor and cache figures of this worker."""
    report = performance.monitor_report(platform.monitor, platform.extras)
    cache = await performance.cache_stats(platform.cache)
    try:
        ping: float | None = await platform.db.ping()
    except ServiceUnavailable:
        ping = None
    return RecommendationsResponse(
        recommendations=performance.recommendations(report, cache, ping),
        based_on={"requests": report.total_requests, "cache_lookups": cache.hits + cache.misses,
                  "grade": report.grade, "db_ping_ms": round(ping, 3) if ping else None,
                  "worker_pid": report.worker_pid})


@metrics_router.get("/metrics", responses={200: {"content": {"text/plain": {}}},
                                           **error_responses(Unauthorized, Forbidden)})
async def prometheus_metrics(request: Request, principal: OptionalUser) -> Response:
    """Prometheus exposition (all workers in multiprocess mode): loopback clients or admins."""
    if client_ip(request) not in ("127.0.0.1", "::1") and \
            (principal is None or not principal.is_admin):
        if principal is None:
            raise Unauthorized("Sign in as an admin or scrape from the machine itself")
        raise Forbidden("Admins only")
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
