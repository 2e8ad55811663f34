"""Who is calling: our own access tokens, or WS1 tokens when their secret is configured.

A token that fails verification is always a 401, never an anonymous fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tanvi_social.accounts import service
from tanvi_social.accounts.models import Role
from tanvi_social.core.errors import Forbidden, Unauthorized
from tanvi_social.core.platform import Platform
from tanvi_social.core.security import AccessClaims, decode_access_token, decode_ws1_token
from tanvi_social.core.time import as_utc, utcnow

AUTH_STATE_TTL = 30.0  # seconds a cached role/suspension may lag behind the database at most
_bearer = HTTPBearer(
    auto_error=False, description="Access token from /api/auth/login, or a WS1 token"
)


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    suspended_until: datetime | None = None
    token_jti: str = ""
    token_exp: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.ADMIN.value, Role.MODERATOR.value)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and as_utc(self.suspended_until) > utcnow()


_UNREAD = b"\x00unread"


async def _cached_state(platform: Platform, user_id: int,
                        raw: bytes | None = _UNREAD) -> service.AuthState | None:
    """The user's auth state from the cache (`raw`: already fetched by the caller), else read."""
    key = f"auth:{user_id}"
    if raw is _UNREAD:
        raw = await platform.cache.get(key)
    if raw is not None:
        data = orjson.loads(raw)
        if data is None:
            return None
        if data.get("suspended_until"):
            data["suspended_until"] = datetime.fromisoformat(data["suspended_until"])
        return service.AuthState(**data)
    state = await platform.db.read(service.auth_state, user_id)
    payload = None if state is None else asdict(state)
    await platform.cache.set(key, orjson.dumps(payload), AUTH_STATE_TTL)
    return state


async def forget_auth_state(platform: Platform, user_id: int) -> None:
    await platform.cache.delete(f"auth:{user_id}")


async def resolve_principal(platform: Platform, token: str) -> Principal:
    """The caller of an access token (ours, or WS1's when configured); 401 when it is not valid.
    The revocation check and the auth state are read in one cache round trip."""
    principal, _ = await resolve_with_prefetch(platform, token, _no_keys)
    assert principal is not None
    return principal


def _no_keys(user_id: int | None) -> list[str]:
    return []


async def _ws1_principal(platform: Platform, token: str, own_error: Unauthorized) -> Principal:
    """A token that is not ours: WS1's, when its secret is configured; else our error."""
    settings = platform.settings
    if settings.ws1_jwt_secret is None:
        raise own_error
    try:
        ws1 = decode_ws1_token(settings.ws1_jwt_secret.get_secret_value(), token)
    except Unauthorized:
        raise own_error from None
    key = f"ws1:{ws1.ws1_user_id}"
    cached = await platform.cache.get(key)
    if cached is not None:
        state = await _cached_state(platform, int(cached))
    else:
        state = await platform.db.run(service.provision_ws1_user, ws1)
        await platform.cache.set(key, str(state.user_id).encode(), 3600)
    if state is None or not state.is_active:
        raise Unauthorized("Invalid token", code="invalid_token") from None
    return Principal(state.user_id, state.username, state.role, state.suspended_until)


async def _checked(platform: Platform, claims: AccessClaims,
                   state: service.AuthState | None) -> Principal:
    if state is None or not state.is_active or state.token_version != claims.token_version:
        raise Unauthorized("Invalid token", code="invalid_token")
    return Principal(state.user_id, state.username, state.role, state.suspended_until,
                     claims.jti, claims.expires_at)


async def resolve_with_prefetch(
        platform: Platform, token: str, prefetch: Callable[[int | None], list[str]],
) -> tuple[Principal | None, list[bytes | None]]:
    """`resolve_principal` whose cache reads (revocation, auth state) share one round trip
    (`get_many`: one MGET on Redis) with `prefetch(user_id)`'s keys; returns their values too.
    The same checks in the same order; a WS1 token takes `_ws1_principal`, then the keys."""
    try:
        claims = decode_access_token(platform.settings.signing_key(), token)
    except Unauthorized as own_error:
        principal = await _ws1_principal(platform, token, own_error)
        extra = prefetch(principal.user_id)
        return principal, await platform.cache.get_many(*extra) if extra else []
    extra = prefetch(claims.user_id)
    head = [f"revoked:{claims.jti}"] if claims.jti else []
    values = await platform.cache.get_many(*head, f"auth:{claims.user_id}", *extra)
    if head and values[0] is not None:
        raise Unauthorized("Token revoked", code="token_revoked")
    state = await _cached_state(platform, claims.user_id, values[len(head)])
    return await _checked(platform, claims, state), values[len(head) + 1:]


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None
                  ) -> Principal | None:
    """The signed-in caller or None; 401 for a malformed or invalid token. Resolved once per
    request (kept on `request.state`)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("Malformed Authorization header", code="invalid_token")
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = await resolve_principal(request.app.state.platform, credentials.credentials)
    request.state.principal = principal
    return principal


# Each guard below depends on the bearer scheme itself, not on another guard: FastAPI solves
# every dependency of a dependency again on each use (a cached one too), so a chain of guards
# cost one solve per link per use; this way a guard is two (docs/benchmarks.md → "Group
# commit for text posts").
async def optional_user(request: Request, credentials: Bearer) -> Principal | None:
    return await _caller(request, credentials)


async def request_principal(
        request: Request, prefetch: Callable[[int | None], list[str]],
) -> tuple[Principal | None, list[bytes | None]]:
    """`optional_user` without the dependency machinery, for a hot endpoint that takes only the
    request: the same answers (None without a header, 401 for a malformed or bad token), with
    `prefetch(user_id)`'s cache keys read in the same round trip (see resolve_with_prefetch)."""
    platform: Platform = request.app.state.platform
    header = request.headers.get("authorization")
    if header is None:
        return None, await platform.cache.get_many(*prefetch(None))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Malformed Authorization header", code="invalid_token")
    principal, values = await resolve_with_prefetch(platform, token, prefetch)
    request.state.principal = principal
    return principal, values


async def require_user(request: Request, credentials: Bearer) -> Principal:
    principal = await _caller(request, credentials)
    if principal is None:
        raise Unauthorized("Authentication required", code="not_authenticated")
    return principal


async def require_writer(request: Request, credentials: Bearer) -> Principal:
    """Suspended accounts may read but not write."""
    return _not_suspended(await require_user(request, credentials))


async def request_writer(request: Request) -> Principal:
    """`require_writer` from the request alone, for a hot write whose only dependency this is
    (FastAPI solves the bearer scheme, a dependency of the dependency, again on every request):
    the same answers (401 without a header, with a malformed or bad token; 403 when
    suspended). Such a route documents its security itself (`BEARER_SECURITY`)."""
    principal, _ = await request_principal(request, _no_keys)
    if principal is None:
        raise Unauthorized("Authentication required", code="not_authenticated")
    return _not_suspended(principal)


BEARER_SECURITY: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def _not_suspended(principal: Principal) -> Principal:
    if principal.is_suspended:
        assert principal.suspended_until is not None
        until = as_utc(principal.suspended_until).isoformat().replace("+00:00", "Z")
        raise Forbidden(f"Your account is suspended until {until}", code="account_suspended",
                        details=[{"suspended_until": until}])
    return principal


async def require_moderator(request: Request, credentials: Bearer) -> Principal:
    principal = await require_user(request, credentials)
    if not principal.is_moderator:
        raise Forbidden("Moderators only", code="moderator_required")
    return principal


async def require_admin(request: Request, credentials: Bearer) -> Principal:
    principal = await require_user(request, credentials)
    if not principal.is_admin:
        raise Forbidden("Admins only", code="admin_required")
    return principal


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(require_user)]
WriterUser = Annotated[Principal, Depends(require_writer)]
ModeratorUser = Annotated[Principal, Depends(require_moderator)]
AdminUser = Annotated[Principal, Depends(require_admin)]
