"""FastAPI dependencies that know no domain: the platform, the database runner, rate limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from tanvi_social.core.db import Database
from tanvi_social.core.errors import RateLimited
from tanvi_social.core.middleware import client_ip
from tanvi_social.core.platform import Platform


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request
async def get_platform(request: Request) -> Platform:
    return request.app.state.platform


async def get_db(request: Request) -> Database:
    return request.app.state.platform.db


PlatformDep = Annotated[Platform, Depends(get_platform)]
DbDep = Annotated[Database, Depends(get_db)]


async def enforce_rate_limit(platform: Platform, response: Response | None, key: str, limit: int,
                             window: int, message: str = "Too many requests") -> None:
    """Count one hit; raise 429 with `Retry-After` past the limit; set `X-RateLimit-*`."""
    if not platform.settings.rate_limits_enabled:
        return
    decision = await platform.limiter.hit(key, limit, window)
    if response is not None:
        for name, value in decision.headers().items():
            response.headers[name] = value
    if not decision.allowed:
        raise RateLimited(message, retry_after=decision.reset_after, headers=decision.headers())


def rate_limit(scope: str, limit_setting: str, window: int) -> Callable[..., Awaitable[None]]:
    """A route dependency limiting writes per caller (user id if signed in, else IP)."""

    async def dependency(request: Request, response: Response) -> None:
        platform: Platform = request.app.state.platform
        limit = int(getattr(platform.settings, limit_setting))
        principal = getattr(request.state, "principal", None)
        who = f"u{principal.user_id}" if principal is not None else f"ip{client_ip(request)}"
        await enforce_rate_limit(platform, response, f"{scope}:{who}", limit, window)

    return dependency
