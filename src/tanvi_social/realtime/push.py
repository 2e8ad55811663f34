"""Web Push: VAPID keys, subscriptions, and sending a push for each enabled notification.

* Keys: `TANVI_VAPID_PRIVATE_KEY` (PEM or raw base64url), else a P-256 key generated once and kept
  in `<var_dir>/vapid_private.pem` (mode 0600), so every worker and restart shares it.
* A `notification.created` event (after commit) schedules one background send per subscription of
  the recipient whose `types` include the notification's type (no `types` = every type). Sends
  never block the request that produced the notification.
* A push service answering 404 or 410 means the subscription is gone: it is deleted. Other
  failures count up `failure_count`; a success resets it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import orjson
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pydantic import BaseModel
from pywebpush import WebPushException, webpush_async
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import NotFound, ValidationFailed
from tanvi_social.core.platform import Platform
from tanvi_social.core.time import utcnow
from tanvi_social.realtime.models import PushSubscription
from tanvi_social.realtime.schemas import PushSubscriptionIn, PushSubscriptionRead
from tanvi_social.settings import Settings

log = logging.getLogger(__name__)

TYPE_RE = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")
MAX_SUBSCRIPTIONS_PER_USER = 20
TITLES = {"like": "New like", "reaction": "New reaction", "comment": "New comment",
          "reply": "New reply", "follow": "New follower", "follow_request": "Follow request",
          "mention": "You were mentioned", "message": "New message",
          "share": "Your post was shared", "saved_filter_match": "A new look for your filter"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_vapid(settings: Settings) -> Vapid02:
    """The configured VAPID key, or the one generated once under `var_dir`."""
    if settings.vapid_private_key is not None:
        raw = settings.vapid_private_key.get_secret_value().strip()
        if raw.startswith("-----BEGIN"):
            return Vapid02.from_pem(raw.encode())
        return Vapid02.from_string(raw)
    path = Path(settings.var_dir) / "vapid_private.pem"
    if path.exists():
        return Vapid02.from_file(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid02()
    vapid.generate_keys()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.touch(mode=0o600)
    tmp.write_bytes(vapid.private_pem())
    try:
        os.link(tmp, path)  # atomic: the first worker to get here wins
    except FileExistsError:
        tmp.unlink()
        return Vapid02.from_file(str(path))
    tmp.unlink()
    return vapid


def application_server_key(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return _b64url(raw)


# -- service functions (sync, one unit of work) ----------------------------------------------
def _read(sub: PushSubscription) -> PushSubscriptionRead:
    return PushSubscriptionRead(id=sub.id, endpoint=sub.endpoint, types=sub.types,
                                created_at=sub.created_at)


def validate_endpoint(endpoint: str, *, allow_http: bool) -> None:
    parsed = urlparse(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parsed.scheme not in schemes or not parsed.hostname:
        raise ValidationFailed("The push endpoint must be an https URL", code="invalid_endpoint")


def subscribe(session: Session, user_id: int, data: PushSubscriptionIn) -> PushSubscriptionRead:
    """Store (or take over) the browser's subscription for this user."""
    types = None
    if data.types is not None:
        bad = [t for t in data.types if not TYPE_RE.match(t)]
        if bad:
            raise ValidationFailed("Unknown notification type format", code="invalid_types",
                                   details=[{"loc": ["types"], "msg": t[:40]} for t in bad[:5]])
        types = sorted(set(data.types))
    existing = session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == data.endpoint))
    if existing is None:
        count = len(session.scalars(select(PushSubscription.id).where(
            PushSubscription.user_id == user_id)).all())
        if count >= MAX_SUBSCRIPTIONS_PER_USER:
            oldest = session.scalar(select(PushSubscription).where(
                PushSubscription.user_id == user_id).order_by(PushSubscription.id).limit(1))
            if oldest is not None:
                session.delete(oldest)
        sub = PushSubscription(user_id=user_id, endpoint=data.endpoint, p256dh=data.keys.p256dh,
                               auth=data.keys.auth, types=types)
        try:
            with session.begin_nested():
                session.add(sub)
                session.flush()
        except IntegrityError:  # the same browser subscribed twice at once
            existing = session.scalar(select(PushSubscription).where(
                PushSubscription.endpoint == data.endpoint))
            if existing is None:
                raise
    if existing is not None:
        existing.user_id = user_id
        existing.p256dh = data.keys.p256dh
        existing.auth = data.keys.auth
        existing.types = types
        existing.failure_count = 0
        sub = existing
        session.flush()
    return _read(sub)


def unsubscribe(session: Session, user_id: int, endpoint: str) -> None:
    result = session.execute(delete(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Subscription not found", code="subscription_not_found")


def targets_for(session: Session, user_id: int, type_: str,
                actor_id: int | None) -> tuple[list[dict[str, Any]], str | None]:
    """Subscriptions of the user that want this type, and the actor's username."""
    subs = session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id))
    out = [{"id": s.id, "endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}}
           for s in subs if s.types is None or type_ in s.types]
    actor = session.scalar(select(User.username).where(User.id == actor_id)) if (
        out and actor_id) else None
    return out, actor


def record_results(session: Session, ok: list[int], failed: list[int], gone: list[int]) -> None:
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    if ok:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(ok)).values(
            last_success_at=utcnow(), failure_count=0))
    if failed:
        session.execute(update(PushSubscription).where(PushSubscription.id.in_(failed)).values(
            failure_count=PushSubscription.failure_count + 1))


class PushReport(BaseModel):
    sent: int = 0
    failed: int = 0
    pruned: int = 0


# -- the sender --------------------------------------------------------------------------------
class PushSender:
    """Sends Web Push messages for new notifications (background tasks, bounded concurrency)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.vapid = load_vapid(platform.settings)
        self.public_key = application_server_key(self.vapid)
        self.allow_http = platform.settings.env in ("dev", "test")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._limit = asyncio.Semaphore(20)
        self._session: aiohttp.ClientSession | None = None

    async def on_event(self, event: Any) -> None:
        if getattr(event, "name", None) != "notification.created":
            return
        task = asyncio.create_task(self.send_for(event.to_dict()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the sends in flight (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def close(self) -> None:
        await self.drain(5.0)
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def send_for(self, fields: dict[str, Any]) -> PushReport:
        recipient, type_ = fields.get("recipient_id"), str(fields.get("type") or "")
        payload = fields.get("payload") or {}
        if not isinstance(recipient, int):
            return PushReport()
        targets, actor = await self.platform.db.read(targets_for, recipient, type_,
                                                     payload.get("actor_id"))
        if not targets:
            return PushReport()
        title = TITLES.get(type_, "Tanvi")
        body = f"@{actor}" if actor else ""
        message = orjson.dumps({
            "title": title, "body": body, "type": type_,
            "notification_id": fields.get("notification_id"),
            "target_type": payload.get("target_type"), "target_id": payload.get("target_id"),
        }).decode()
        results = await asyncio.gather(*(self._send_one(t, message) for t in targets))
        ok = [t["id"] for t, r in zip(targets, results, strict=True) if r == "ok"]
        gone = [t["id"] for t, r in zip(targets, results, strict=True) if r == "gone"]
        failed = [t["id"] for t, r in zip(targets, results, strict=True) if r == "failed"]
        await self.platform.db.run(record_results, ok, failed, gone)
        return PushReport(sent=len(ok), failed=len(failed), pruned=len(gone))

    async def _send_one(self, target: dict[str, Any], message: str) -> str:
        try:
            validate_endpoint(target["endpoint"], allow_http=self.allow_http)
        except ValidationFailed:
            return "gone"
        claims: dict[str, str | int] = {"sub": self.platform.settings.vapid_subject}
        async with self._limit:
            try:
                await webpush_async(
                    {"endpoint": target["endpoint"], "keys": target["keys"]}, data=message,
                    vapid_private_key=self.vapid, vapid_claims=claims, ttl=3600,
                    timeout=aiohttp.ClientTimeout(total=10),
                    aiohttp_session=self._http())
                return "ok"
            except WebPushException as exc:
                status = exc.status_code
                if status in (404, 410):
                    return "gone"
                log.info("web push failed", extra={"status": status})
                return "failed"
            except (aiohttp.ClientError, TimeoutError, OSError):
                return "failed"
            except Exception:
                log.exception("web push error")
                return "failed"

