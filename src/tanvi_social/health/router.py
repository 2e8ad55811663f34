"""Health, liveness and information endpoints (real checks, never constants)."""

from __future__ import annotations

import platform as pyplatform
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from tanvi_social import __version__
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import ServiceUnavailable
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import Envelope, error_responses

router = APIRouter(tags=["platform"])


class Check(BaseModel):
    status: str
    latency_ms: float | None = None
    backend: str | None = None
    detail: str | None = None


class HealthReport(BaseModel):
    status: str
    service: str
    version: str
    uptime_seconds: float
    checks: dict[str, Check]


class HealthResponse(Envelope):
    health: HealthReport


class LiveResponse(BaseModel):
    status: str


async def _report(platform: Platform, service: str) -> HealthReport:
    checks: dict[str, Check] = {}
    try:
        latency = await platform.db.ping()
        checks["database"] = Check(status="ok", latency_ms=round(latency, 3),
                                   backend=platform.db.dialect_name)
    except ServiceUnavailable as exc:
        checks["database"] = Check(status="down", backend=platform.db.dialect_name,
                                   detail=exc.message)
    start = time.perf_counter()
    cache_ok = await platform.cache.ping()
    checks["cache"] = Check(status="ok" if cache_ok else "degraded",
                            latency_ms=round((time.perf_counter() - start) * 1000, 3),
                            backend=platform.cache.backend)
    for name, probe in platform.extras.get("health_checks", {}).items():
        checks[name] = Check(**(await probe()))
    if checks["database"].status != "ok":
        status = "down"
    elif any(c.status != "ok" for c in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return HealthReport(status=status, service=service, version=__version__,
                        uptime_seconds=round(time.time() - platform.started_at, 1), checks=checks)


async def _health(platform: Platform, response: Response, service: str) -> HealthResponse:
    report = await _report(platform, service)
    if report.status == "down":
        response.status_code = 503
    return HealthResponse(health=report, message=f"{service} is {report.status}")


@router.get("/api/health", responses=error_responses(503))
async def health(platform: PlatformDep, response: Response) -> HealthResponse:
    """Database round-trip (with latency), cache, version, uptime. 503 when the database is down."""
    return await _health(platform, response, "tanvi-social")


@router.get("/api/health/live")
async def live() -> LiveResponse:
    """Liveness: the process answers (no dependencies touched)."""
    return LiveResponse(status="ok")


def _area_health(area: str) -> Any:
    async def area_health(platform: PlatformDep, response: Response) -> HealthResponse:
        return await _health(platform, response, f"{area}")

    area_health.__doc__ = f"Health of the {area} area (same real checks as /api/health)."
    return area_health


for _area in ("social", "content", "community", "inspiration", "performance"):
    router.add_api_route(f"/api/{_area}/health", _area_health(_area), methods=["GET"],
                         responses=error_responses(503), name=f"{_area}_health")


class InfoReport(BaseModel):
    name: str
    version: str
    python: str
    database: str
    cache: str
    mode: str
    docs: str


class InfoResponse(Envelope):
    info: InfoReport


@router.get("/api/info")
async def info(platform: PlatformDep) -> InfoResponse:
    """What is running: version, database and cache backends, mode."""
    return InfoResponse(info=InfoReport(
        name="Tanvi Social", version=__version__, python=pyplatform.python_version(),
        database=platform.db.dialect_name, cache=platform.cache.backend,
        mode="scale" if platform.settings.redis_url else "embedded", docs="/docs"))


class Feature(BaseModel):
    area: str
    endpoints: int
    paths: list[str]


class FeaturesResponse(Envelope):
    features: list[Feature]


@router.get("/api/features")
async def features(request: Request) -> FeaturesResponse:
    """The feature areas and their endpoints, generated from the live app's OpenAPI schema."""
    areas: dict[str, set[str]] = {}
    for path, operations in request.app.openapi().get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        area = path.split("/")[2]
        for method in operations:
            areas.setdefault(area, set()).add(f"{method.upper()} {path}")
    return FeaturesResponse(features=[
        Feature(area=a, endpoints=len(p), paths=sorted(p)) for a, p in sorted(areas.items())])
