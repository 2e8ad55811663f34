"""The success envelope of api.md and the documented error responses for OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tanvi_social.core.errors import AppError
from tanvi_social.core.time import utcnow


class Envelope(BaseModel):
    """`{"success": true, "<resource>": ..., "message": "...", "timestamp": "..."}`."""

    success: bool = True
    message: str | None = None
    timestamp: datetime = Field(default_factory=utcnow)


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "example": {"success": False, "error": "Post not found", "code": "not_found",
                    "details": []}})

    success: bool = False
    error: str
    code: str
    details: list[dict[str, Any]] = Field(default_factory=list)
    request_id: str | None = None


def error_responses(*errors: type[AppError] | int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each listed error status documented with the error shape.

    400/413/422 (body and parameter validation) and 401 (token) are added to every operation that
    can produce them by `app._document_common_errors`; list only the route's own errors here."""
    statuses = {e if isinstance(e, int) else e.status_code for e in errors}
    return {status: {"model": ErrorResponse} for status in sorted(statuses)}


class MessageResponse(Envelope):
    pass
