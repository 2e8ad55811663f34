"""One tree of domain errors; `app.py` renders each as the api.md error envelope."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or []
        self.headers = headers or {}


class InvalidState(AppError):
    status_code = 400
    default_code = "invalid_state"


class Unauthorized(AppError):
    status_code = 401
    default_code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    default_code = "forbidden"


class NotFound(AppError):
    status_code = 404
    default_code = "not_found"


class Conflict(AppError):
    status_code = 409
    default_code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    default_code = "unsupported_media_type"


class ValidationFailed(AppError):
    status_code = 422
    default_code = "validation_error"


class RateLimited(AppError):
    status_code = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        merged = {"Retry-After": str(max(1, retry_after)), **(headers or {})}
        super().__init__(message, code=code, headers=merged)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    default_code = "service_unavailable"


def error_body(message: str, code: str, details: list[dict[str, Any]] | None = None,
               request_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": False, "error": message, "code": code,
                            "details": details or []}
    if request_id:
        body["request_id"] = request_id
    return body
