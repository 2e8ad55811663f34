"""Passwords (argon2id) and tokens (HS256 JWTs for access, opaque rotating refresh tokens)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tanvi_social.core.errors import Unauthorized
from tanvi_social.core.time import utcnow

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
ISSUER = "tanvi-social"
AUDIENCE = "tanvi-social"
ALGORITHM = "HS256"
CLOCK_SKEW_SECONDS = 30


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Verified against when a login names no account, so both failures take the same time.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    role: str
    token_version: int
    jti: str
    expires_at: int


def issue_access_token(key: str, *, user_id: int, role: str, token_version: int,
                       minutes: int) -> tuple[str, int]:
    now = utcnow()
    exp = now + timedelta(minutes=minutes)
    payload = {
        "sub": str(user_id), "role": role, "ver": token_version, "typ": "access",
        "iss": ISSUER, "aud": AUDIENCE, "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()), "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), int(minutes * 60)


# Tokens already verified (signature, issuer, audience, claims), by (key, token): a client sends
# the same access token with every request for its lifetime, and checking it again costs more
# than the rest of a cached read. Only the expiry can change its verdict, and it is checked on
# every hit. Revocation (jti, token_version) is checked by the caller as before.
VERIFIED_CACHE_SIZE = 4096
_verified: dict[tuple[str, str], AccessClaims] = {}


def decode_access_token(key: str, token: str) -> AccessClaims:
    cached = _verified.get((key, token))
    if cached is not None:
        if cached.expires_at <= time.time() - CLOCK_SKEW_SECONDS:  # PyJWT's own test
            _verified.pop((key, token), None)
            raise Unauthorized("Token expired", code="token_expired")
        return cached
    claims = _decode_access_token(key, token)
    if len(_verified) >= VERIFIED_CACHE_SIZE:
        _verified.pop(next(iter(_verified)))  # the oldest entry
    _verified[(key, token)] = claims
    return claims


def _decode_access_token(key: str, token: str) -> AccessClaims:
    payload = _decode(key, token, audience=AUDIENCE, issuer=ISSUER,
                      required=["exp", "iat", "sub", "aud", "iss"])
    if payload.get("typ") != "access":
        raise Unauthorized("Invalid token", code="invalid_token")
    try:
        return AccessClaims(int(payload["sub"]), str(payload.get("role", "user")),
                            int(payload.get("ver", 0)), str(payload.get("jti", "")),
                            int(payload["exp"]))
    except (TypeError, ValueError) as exc:
        raise Unauthorized("Invalid token", code="invalid_token") from exc


@dataclass(frozen=True)
class WS1Claims:
    ws1_user_id: int
    username: str


def decode_ws1_token(key: str, token: str) -> WS1Claims:
    """WS1 user-service tokens: HS256, `{user_id: int, username, exp, iat}`."""
    payload = _decode(key, token, audience=None, issuer=None, required=["exp", "iat"])
    user_id = payload.get("user_id")
    username = payload.get("username")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise Unauthorized("Invalid token", code="invalid_token")
    if not isinstance(username, str) or not username.strip():
        raise Unauthorized("Invalid token", code="invalid_token")
    return WS1Claims(user_id, username.strip())


def _decode(key: str, token: str, *, audience: str | None, issuer: str | None,
            required: list[str]) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid token", code="invalid_token") from exc
    if header.get("alg") != ALGORITHM:  # no `none`, no RS/HS confusion
        raise Unauthorized("Invalid token", code="invalid_token")
    options: Any = {"require": required, "verify_aud": audience is not None}
    try:
        payload: dict[str, Any] = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=audience, issuer=issuer,
            options=options, leeway=CLOCK_SKEW_SECONDS,
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid token", code="invalid_token") from exc
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or iat > utcnow().timestamp() + CLOCK_SKEW_SECONDS:
        raise Unauthorized("Invalid token", code="invalid_token")
    return payload


def new_refresh_token() -> str:
    return secrets.token_urlsafe(48)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
