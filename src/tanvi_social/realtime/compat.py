"""The WS6 mobile app's calls (api.md "Mobile client compatibility"), on content's services.

The app sends `Authorization: Bearer <WS1 token>` and `Content-Type: application/json` on every
request, body-less POSTs included; these routes take no body where the app sends none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from tanvi_social.accounts.deps import OptionalUser, WriterUser
from tanvi_social.core.deps import PlatformDep, enforce_rate_limit
from tanvi_social.core.errors import Forbidden, InvalidState, NotFound, Unauthorized
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import error_responses
from tanvi_social.realtime import ws6

router = APIRouter(prefix="/api/social", tags=["mobile (WS6)"])


async def _write_limit(user: WriterUser, request: Request, response: Response) -> None:
    platform: Platform = request.app.state.platform
    await enforce_rate_limit(platform, response, f"content_write:u{user.user_id}",
                             platform.settings.rate_limit_writes_per_minute, 60,
                             "Too many writes; slow down")


@router.get("/feed", responses=error_responses(Unauthorized))
async def ws6_feed(
    user: OptionalUser, platform: PlatformDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ws6.WS6FeedResponse:
    """The app's community feed: `{"posts": [...], "hasMore": bool}`, newest first."""
    return await platform.db.read(ws6.feed, user.user_id if user else None, page, limit,
                                  platform.settings.public_base_url)


@router.post("/posts/{post_id}/like", dependencies=[Depends(_write_limit)],
             responses=error_responses(Unauthorized, Forbidden, NotFound, 429))
async def ws6_like(post_id: Annotated[int, Path(ge=1, le=2_147_483_647)], user: WriterUser,
                   platform: PlatformDep) -> ws6.WS6LikeResponse:
    """Toggle the caller's like (no body) → `{"success": true, "liked", "likes"}`."""
    return await platform.db.run(ws6.toggle_like, user.user_id, post_id)


@router.post("/share", dependencies=[Depends(_write_limit)],
             responses=error_responses(Unauthorized, Forbidden, NotFound, InvalidState, 429))
async def ws6_share(body: ws6.WS6ShareRequest, user: WriterUser,
                    platform: PlatformDep) -> ws6.WS6ShareResponse:
    """Share the outfit's post to the named platforms → `{"success": true, "shareUrl"}`."""
    return await platform.db.run(ws6.share, user.user_id, body, platform.settings.public_base_url)
