"""`/api/push`: the VAPID public key and the caller's Web Push subscriptions."""

from __future__ import annotations

from fastapi import APIRouter

from tanvi_social.accounts.deps import WriterUser
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import NotFound, Unauthorized, ValidationFailed
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import MessageResponse, error_responses
from tanvi_social.realtime import push
from tanvi_social.realtime.schemas import (
    PushSubscriptionIn,
    PushSubscriptionResponse,
    PushUnsubscribeIn,
    VapidKey,
    VapidKeyResponse,
)

router = APIRouter(prefix="/api/push", tags=["push"])


def sender(platform: Platform) -> push.PushSender:
    s: push.PushSender = platform.extras["push"]
    return s


@router.get("/vapid-public-key")
async def vapid_public_key(platform: PlatformDep) -> VapidKeyResponse:
    """The applicationServerKey for `PushManager.subscribe()`."""
    return VapidKeyResponse(vapid=VapidKey(public_key=sender(platform).public_key))


@router.post("/subscriptions", status_code=201,
             responses=error_responses(Unauthorized, ValidationFailed))
async def create_subscription(body: PushSubscriptionIn, user: WriterUser,
                              platform: PlatformDep) -> PushSubscriptionResponse:
    """Register this browser's push subscription (`types` limits which notifications push)."""
    push.validate_endpoint(body.endpoint, allow_http=sender(platform).allow_http)
    sub = await platform.db.run(push.subscribe, user.user_id, body)
    return PushSubscriptionResponse(subscription=sub, message="Push notifications enabled")


@router.delete("/subscriptions", responses=error_responses(Unauthorized, NotFound))
async def delete_subscription(body: PushUnsubscribeIn, user: WriterUser,
                              platform: PlatformDep) -> MessageResponse:
    """Remove one of the caller's subscriptions by its endpoint."""
    await platform.db.run(push.unsubscribe, user.user_id, body.endpoint)
    return MessageResponse(message="Push notifications disabled")
