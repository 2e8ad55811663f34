"""Short-lived, single-use stream tickets for clients that cannot set an Authorization header.

A ticket is a signed JWT (`typ: stream`, 60 s) naming the user; any worker can verify it. It is
used once: the first use claims its `jti` atomically (Redis `SET NX` in scale mode, a local
set otherwise) and later uses are refused.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt

from tanvi_social.accounts import service as accounts
from tanvi_social.accounts.deps import resolve_principal
from tanvi_social.core.errors import Unauthorized
from tanvi_social.core.platform import Platform
from tanvi_social.core.time import utcnow

TICKET_SECONDS = 60
_AUDIENCE = "tanvi-social-stream"


def issue_ticket(key: str, user_id: int) -> tuple[str, int]:
    """A signed ticket for `user_id`, valid TICKET_SECONDS."""
    now = utcnow()
    payload = {"sub": str(user_id), "typ": "stream", "aud": _AUDIENCE, "jti": uuid.uuid4().hex,
               "iat": int(now.timestamp()),
               "exp": int((now + timedelta(seconds=TICKET_SECONDS)).timestamp())}
    return jwt.encode(payload, key, algorithm="HS256"), TICKET_SECONDS


class TicketLedger:
    """Remembers used ticket ids until they expire."""

    def __init__(self, redis: object | None = None) -> None:
        self.redis = redis
        self._used: dict[str, float] = {}

    async def claim(self, jti: str, expires_at: int) -> bool:
        ttl = max(1, expires_at - int(time.time()) + 5)
        if self.redis is not None:
            ok = await self.redis.set(f"tanvi:stream-ticket:{jti}", b"1", nx=True, ex=ttl)  # type: ignore[attr-defined]
            return bool(ok)
        now = time.time()
        if len(self._used) > 10_000:
            self._used = {k: v for k, v in self._used.items() if v > now}
        if jti in self._used:
            return False
        self._used[jti] = now + ttl
        return True


async def user_from_ticket(platform: Platform, ledger: TicketLedger, ticket: str) -> int:
    """Verify and spend a ticket; the user must still be active."""
    try:
        payload = jwt.decode(ticket, platform.settings.signing_key(), algorithms=["HS256"],
                             audience=_AUDIENCE, options={"require": ["exp", "sub", "jti"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Stream ticket expired", code="ticket_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("Invalid stream ticket", code="invalid_ticket") from exc
    if payload.get("typ") != "stream":
        raise Unauthorized("Invalid stream ticket", code="invalid_ticket")
    try:
        user_id = int(payload["sub"])
    except (TypeError, ValueError) as exc:
        raise Unauthorized("Invalid stream ticket", code="invalid_ticket") from exc
    if not await ledger.claim(str(payload["jti"]), int(payload["exp"])):
        raise Unauthorized("Stream ticket already used", code="ticket_used")
    state = await platform.db.read(accounts.auth_state, user_id)
    if state is None or not state.is_active:
        raise Unauthorized("Invalid stream ticket", code="invalid_ticket")
    return user_id


async def authenticate(platform: Platform, ledger: TicketLedger, authorization: str | None,
                       ticket: str | None) -> int:
    """The user id of a stream request: Bearer header first, else a ticket; else 401."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Malformed Authorization header", code="invalid_token")
        principal = await resolve_principal(platform, token.strip())
        return principal.user_id
    if ticket:
        return await user_from_ticket(platform, ledger, ticket)
    raise Unauthorized("Authentication required", code="not_authenticated")
