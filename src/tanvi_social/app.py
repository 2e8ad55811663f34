"""`create_app(settings)`: routers, middleware, error handlers and the lifespan.

Each domain package plugs itself in: `<domain>/router.py` exposes `router` (and optionally
`extra_routers`), `<domain>/wiring.py` exposes `setup(platform)` to subscribe to events and
register jobs. Adding a domain means adding its name to DOMAINS.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from tanvi_social import __version__
from tanvi_social.core.errors import AppError, error_body
from tanvi_social.core.idempotency import IdempotencyMiddleware
from tanvi_social.core.middleware import BodyTooLarge, PlatformMiddleware
from tanvi_social.core.observability import Monitor, configure_logging
from tanvi_social.core.platform import Platform
from tanvi_social.core.routing import guard_included_routers
from tanvi_social.settings import Settings, get_settings

log = logging.getLogger("tanvi_social.app")
NO_OTEL: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                            "operation_spans": False}

DOMAINS = [
    "accounts", "social", "media", "content", "community", "inspiration", "messages",
    "moderation", "analytics", "realtime", "health", "web",
]


def _module(name: str) -> Any | None:
    full = f"tanvi_social.{name}"
    if importlib.util.find_spec(full.rsplit(".", 1)[0]) is None:
        return None
    try:
        if importlib.util.find_spec(full) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(full)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers=headers)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None) or request.scope.get("state", {}).get(
        "request_id")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _json(exc.status_code, error_body(exc.message, exc.code, exc.details,
                                                 _request_id(request)), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _json(400, error_body("Malformed JSON body", "malformed_json",
                                         _clean_errors(errors), _request_id(request)))
        return _json(422, error_body("Validation failed", "validation_error",
                                     _clean_errors(errors), _request_id(request)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, BodyTooLarge):
            return _json(413, error_body("Request body too large", "payload_too_large",
                                         request_id=_request_id(request)))
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request",
                 401: "unauthorized", 403: "forbidden", 413: "payload_too_large"}
        message = {404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, str(exc.detail))
        return _json(exc.status_code,
                     error_body(message, codes.get(exc.status_code, "http_error"),
                                request_id=_request_id(request)),
                     dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def unhandled(request: Request, exc: Exception) -> Response:
        rid = _request_id(request)
        log.error("unhandled error", exc_info=exc, extra={"request_id": rid,
                                                           "path": request.url.path})
        return _json(500, error_body("Internal server error", "internal_error", request_id=rid))


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for err in errors:
        item = {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
                "type": str(err.get("type", ""))}
        cleaned.append(item)
    return cleaned[:50]


def build_platform(settings: Settings, monitor: Monitor | None = None) -> Platform:
    """The platform with every domain wired in (event consumers, jobs, health checks)."""
    platform = Platform.build(settings, monitor)
    for name in DOMAINS:
        wiring = _module(f"{name}.wiring")
        if wiring is not None:
            wiring.setup(platform)
    return platform


def _document_common_errors(app: FastAPI) -> None:
    """Add the errors the platform itself can answer to every operation of the OpenAPI schema:
    400/413 where a body is read, 401 where a token is read, 422 where input is validated."""
    from fastapi.openapi.utils import get_openapi

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorResponse" not in components:
            from tanvi_social.core.responses import ErrorResponse

            components["ErrorResponse"] = ErrorResponse.model_json_schema()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                extra: list[tuple[str, str]] = []
                if "requestBody" in operation:
                    extra += [("400", "Malformed body"), ("413", "Body too large"),
                              ("422", "Validation error")]
                if operation.get("parameters"):
                    extra.append(("422", "Validation error"))
                if operation.get("security"):
                    extra.append(("401", "Missing, invalid or expired token"))
                for status, description in extra:
                    responses.setdefault(status, {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}}})
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(json_logs=settings.json_logs)
    monitor = Monitor()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform = build_platform(settings, monitor)
        app.state.platform = platform
        for start in platform.extras.get("on_startup", []):
            await start()
        try:
            yield
        finally:
            for stop in reversed(platform.extras.get("on_shutdown", [])):
                try:
                    await stop()
                except Exception:
                    log.exception("shutdown hook failed")
            await platform.close()

    app = FastAPI(
        title="Tanvi Social API", version=__version__, lifespan=lifespan, debug=False,
        description="The social backbone of Tanvi Vanity AI. Errors use the api.md error shape.",
        docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
        # the service's metrics are its own (/metrics, core/observability.py); FastAPI's
        # OpenTelemetry support, on by default, asks for the global providers on every request
        telemetry=NO_OTEL,
    )
    app.state.settings = settings
    app.state.monitor = monitor
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID",
                       "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "X-RateLimit-Limit",
                        "X-RateLimit-Remaining", "X-RateLimit-Reset"],
    )
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(PlatformMiddleware, monitor=monitor,
                       max_json_bytes=settings.max_json_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes)
    _document_common_errors(app)
    for name in DOMAINS:
        module = _module(f"{name}.router")
        if module is None:
            continue
        app.include_router(module.router)
        for extra in getattr(module, "extra_routers", []):
            app.include_router(extra)
    guard_included_routers(app)
    return app
