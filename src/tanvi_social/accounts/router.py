"""`/api/auth`: register, login, refresh, logout, me, password, GDPR export and erasure."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request, Response

from tanvi_social.accounts import service
from tanvi_social.accounts.deps import CurrentUser, forget_auth_state
from tanvi_social.accounts.events import UserAuthChanged
from tanvi_social.accounts.passwords import check_password_policy
from tanvi_social.accounts.schemas import (
    AuthResponse,
    DeleteAccountRequest,
    ExportResponse,
    LoginRequest,
    LogoutRequest,
    PasswordChangeRequest,
    RefreshRequest,
    RegisterRequest,
    TokensResponse,
    UserResponse,
)
from tanvi_social.core.deps import PlatformDep, enforce_rate_limit
from tanvi_social.core.errors import Conflict, RateLimited, Unauthorized
from tanvi_social.core.middleware import client_ip
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.core.security import DUMMY_HASH, hash_password, verify_password

router = APIRouter(prefix="/api/auth", tags=["accounts"])

LOGIN_WINDOW = 60
SIGNUP_WINDOW = 3600


def token_config(platform: Platform) -> service.TokenConfig:
    s = platform.settings
    return service.TokenConfig(s.signing_key(), s.access_token_minutes, s.refresh_token_days)


@router.post("/register", status_code=201, responses=error_responses(Conflict, 429))
async def register(body: RegisterRequest, request: Request, response: Response,
                   platform: PlatformDep) -> AuthResponse:
    """Create an account and sign it in. Sign-up attempts are limited per client address
    (`TANVI_RATE_LIMIT_SIGNUPS_PER_HOUR`, 20 by default) → 429 with `Retry-After`."""
    await enforce_rate_limit(platform, response, f"register:ip:{client_ip(request)}",
                             platform.settings.rate_limit_signups_per_hour, SIGNUP_WINDOW,
                             "Too many sign-ups from this address; try again later")
    check_password_policy(body.password, username=body.username, email=body.email)
    password_hash = await asyncio.to_thread(hash_password, body.password)  # ~50 ms of CPU
    user, tokens = await platform.db.run(service.register, body, password_hash,
                                         token_config(platform))
    return AuthResponse(user=user, tokens=tokens, message="Welcome to Tanvi")


@router.post("/login", responses=error_responses(Unauthorized, 429))
async def login(body: LoginRequest, request: Request, platform: PlatformDep) -> AuthResponse:
    """Sign in with username or e-mail. 10 failures a minute per account or IP → 429."""
    limit = platform.settings.rate_limit_login_per_minute
    keys = [f"login:acct:{body.login.strip().lower()}", f"login:ip:{client_ip(request)}"]
    if platform.settings.rate_limits_enabled:
        for key in keys:
            decision = await platform.limiter.peek(key, limit, LOGIN_WINDOW)
            if not decision.allowed:
                raise RateLimited("Too many failed sign-ins; try again later",
                                  retry_after=decision.reset_after, headers=decision.headers())
    candidate = await platform.db.read(service.find_login_candidate, body.login)
    # argon2 verification costs ~50 ms of CPU: off the event loop. An unknown user is checked
    # against a dummy hash so both failures take the same time and give the same answer.
    verified = await asyncio.to_thread(
        verify_password, candidate.password_hash if candidate else DUMMY_HASH, body.password)
    if candidate is None or not verified:
        if platform.settings.rate_limits_enabled:
            for key in keys:
                await platform.limiter.hit(key, limit, LOGIN_WINDOW)
        raise Unauthorized("Invalid username or password", code="invalid_credentials")
    user, tokens = await platform.db.run(service.complete_login, candidate.user_id,
                                         token_config(platform))
    return AuthResponse(user=user, tokens=tokens, message="Signed in")


@router.post("/refresh", responses=error_responses(Unauthorized))
async def refresh(body: RefreshRequest, platform: PlatformDep) -> TokensResponse:
    """Rotate a refresh token. Reusing a rotated token revokes every token of its family."""
    tokens = await platform.db.run(service.refresh, body.refresh_token, token_config(platform))
    if tokens is None:
        raise Unauthorized("Refresh token reuse detected; please sign in again",
                           code="refresh_token_reused")
    return TokensResponse(tokens=tokens, message="Tokens refreshed")


@router.post("/logout", responses=error_responses(Unauthorized))
async def logout(user: CurrentUser, platform: PlatformDep,
                 body: LogoutRequest | None = None) -> MessageResponse:
    """Revoke the given refresh token's family (or all sessions) and this access token."""
    await platform.db.run(service.logout, user.user_id, body.refresh_token if body else None)
    if user.token_jti:
        ttl = max(1.0, user.token_exp - time.time())
        await platform.cache.set(f"revoked:{user.token_jti}", b"1", ttl)
    return MessageResponse(message="Signed out")


@router.get("/me", responses=error_responses(Unauthorized))
async def me(user: CurrentUser, platform: PlatformDep) -> UserResponse:
    """The signed-in account."""
    return UserResponse(user=await platform.db.read(service.get_me, user.user_id))


@router.post("/password", responses=error_responses(Unauthorized))
async def change_password(body: PasswordChangeRequest, user: CurrentUser,
                          platform: PlatformDep) -> MessageResponse:
    """Change the password; every other session is signed out."""
    await platform.db.run(service.change_password, user.user_id, body.current_password,
                          body.new_password)
    return MessageResponse(message="Password changed; please sign in again")


@router.get("/me/export", responses=error_responses(Unauthorized))
async def export_me(user: CurrentUser, platform: PlatformDep) -> ExportResponse:
    """Everything the service holds about the caller (GDPR art. 15/20)."""
    data = await platform.db.run_in_thread(service.export_user, user.user_id)
    return ExportResponse(export=data, message="Your data")


@router.delete("/me", responses=error_responses(Unauthorized))
async def delete_me(body: DeleteAccountRequest, user: CurrentUser,
                    platform: PlatformDep) -> MessageResponse:
    """Erase the account (GDPR art. 17); counters of everyone it touched stay correct."""
    await platform.db.run(service.delete_user, user.user_id, body.password)
    await forget_auth_state(platform, user.user_id)
    return MessageResponse(message="Account deleted")


async def on_auth_changed(platform: Platform, event: UserAuthChanged) -> None:
    await forget_auth_state(platform, event.user_id)
