"""Real-time streams: `GET /api/social/notifications/stream` (SSE), `WS /api/stream`, tickets.

Both transports carry the same events (`notification.created`, `post.created`,
`post.engagement`, `event.rsvp`, `message.sent`, `message.typing`, `conversation.updated`); see
docs/realtime.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, WebSocket

from tanvi_social.accounts.deps import AdminUser, CurrentUser
from tanvi_social.core.deps import PlatformDep
from tanvi_social.core.errors import AppError, NotFound, Unauthorized, ValidationFailed
from tanvi_social.core.platform import Platform
from tanvi_social.core.responses import error_responses
from tanvi_social.realtime import service
from tanvi_social.realtime.compat import router as compat_router
from tanvi_social.realtime.engine import Realtime
from tanvi_social.realtime.hub import Connection, Frame
from tanvi_social.realtime.push_router import router as push_router
from tanvi_social.realtime.schemas import (
    StreamStats,
    StreamStatsResponse,
    StreamTicket,
    StreamTicketResponse,
)
from tanvi_social.realtime.streams import EventStreamResponse, sse_preamble, websocket_session
from tanvi_social.realtime.tickets import authenticate, issue_ticket

router = APIRouter(tags=["realtime"])
MAX_TOPICS = 50


def engine(platform: Platform) -> Realtime:
    rt: Realtime = platform.extras["realtime"]
    return rt


def _id_list(raw: str | None, what: str) -> list[int]:
    if not raw:
        return []
    out: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or len(part) > 18:
            raise ValidationFailed(f"{what} must be a comma-separated list of ids",
                                   code="invalid_topics")
        out.append(int(part))
    if len(out) > MAX_TOPICS:
        raise ValidationFailed(f"At most {MAX_TOPICS} {what} per stream", code="too_many_topics")
    return sorted(set(out))


def _last_event_id(header: str | None, query: str | None) -> int | None:
    raw = header if header is not None else query
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 20 else -1


SSE_EVENT_SCHEMA = {
    "type": "object", "title": "ServerSentEvent",
    "description": "One event of the stream (`event:`, `data:`, `id:`, `retry:` lines)",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "description": "e.g. notification.created, stream.ready"},
        "data": {"type": "string", "description": "The event's payload, a JSON document"},
        "id": {"type": "string", "description": "Resume point for Last-Event-ID"},
        "retry": {"type": "integer", "description": "Reconnect delay in milliseconds"},
    },
}

STREAM_DOC = """Server-sent events for the caller: `notification.created`, `post.created` (someone
you follow posted), `message.sent`, `message.typing`, `conversation.updated` (a group's members
or name changed), and for the watched topics
`post.engagement` (`posts=1,2`) and `event.rsvp` (`events=3`). Every event has an `id:`; send
`Last-Event-ID` on reconnect to receive what was missed (`stream.reset` when the gap is no longer
held: refetch). `: ping` comments every ~15 s. Auth: the Bearer header, or `?ticket=` from
`POST /api/stream/ticket`. A client that does not keep up is disconnected."""


@router.get(
    "/api/social/notifications/stream", response_class=EventStreamResponse, status_code=200,
    responses={200: {"description": "An endless text/event-stream",
                     "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}},
               **error_responses(Unauthorized, NotFound)},
    description=STREAM_DOC, summary="Live events (server-sent events)",
)
async def notification_stream(
    request: Request, platform: PlatformDep,
    ticket: Annotated[str | None, Query(max_length=2000,
                                        description="Single-use stream ticket")] = None,
    posts: Annotated[str | None, Query(max_length=1000, description="Post ids to watch")] = None,
    events: Annotated[str | None, Query(max_length=1000, description="Event ids to watch")] = None,
    last_event_id: Annotated[str | None, Query(max_length=20, description="Resume after this id "
                                               "(same as the Last-Event-ID header)")] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID",
                                                       max_length=40)] = None,
) -> EventStreamResponse:
    rt = engine(platform)
    user_id = await authenticate(platform, rt.tickets, request.headers.get("authorization"),
                                 ticket)
    post_ids, event_ids = _id_list(posts, "posts"), _id_list(events, "events")
    if post_ids or event_ids:
        await platform.db.read(service.check_topics, user_id, post_ids, event_ids)
    resume = _last_event_id(last_event_id_header, last_event_id)
    conn = rt.hub.open(user_id, kind="sse")
    for post_id in post_ids:
        rt.hub.subscribe(conn, f"post:{post_id}")
    for event_id in event_ids:
        rt.hub.subscribe(conn, f"event:{event_id}")
    replay = rt.hub.replay(user_id, resume) if resume is not None and resume >= 0 else None
    preamble = sse_preamble(conn, replay, resume is not None, resume or 0)
    return EventStreamResponse(rt.hub, conn, preamble, rt.heartbeat_seconds)


@router.post("/api/stream/ticket", status_code=201, responses=error_responses(Unauthorized))
async def stream_ticket(user: CurrentUser, platform: PlatformDep) -> StreamTicketResponse:
    """A single-use ticket (60 s) for `?ticket=` on the SSE and WebSocket streams."""
    token, ttl = issue_ticket(platform.settings.signing_key(), user.user_id)
    return StreamTicketResponse(ticket=StreamTicket(ticket=token, expires_in=ttl))


@router.get("/api/stream/stats", responses=error_responses(Unauthorized, 403))
async def stream_stats(_: AdminUser, platform: PlatformDep) -> StreamStatsResponse:
    """This worker's live connection counts and delivery counters (admin)."""
    rt = engine(platform)
    d = rt.hub.describe()
    backend = getattr(rt.pubsub, "backend", "bus")
    return StreamStatsResponse(stats=StreamStats(**d, pubsub_backend=backend,
                                                 events_received=rt.received))


async def _ws_message(platform: Platform, conn: Connection, message: Any) -> Frame | None:
    """Client → server: subscribe/unsubscribe to `post:<id>` / `event:<id>`, or ping."""
    rt = engine(platform)
    if not isinstance(message, dict):
        return Frame(0, "error", {"code": "bad_message"})
    action = message.get("action")
    if action == "ping":
        return Frame(0, "pong", {})
    topic = message.get("topic")
    if action not in ("subscribe", "unsubscribe") or not isinstance(topic, str):
        return Frame(0, "error", {"code": "bad_message"})
    kind, _, raw_id = topic.partition(":")
    if kind not in ("post", "event") or not raw_id.isdigit() or len(raw_id) > 18:
        return Frame(0, "error", {"code": "bad_topic", "topic": topic[:50]})
    if action == "unsubscribe":
        rt.hub.unsubscribe(conn, topic)
        return Frame(0, "unsubscribed", {"topic": topic})
    if len(conn.topics) >= MAX_TOPICS:
        return Frame(0, "error", {"code": "too_many_topics", "topic": topic})
    ids = [int(raw_id)]
    try:
        await platform.db.read(service.check_topics, conn.user_id,
                               ids if kind == "post" else [], ids if kind == "event" else [])
    except NotFound:
        return Frame(0, "error", {"code": "not_found", "topic": topic})
    rt.hub.subscribe(conn, topic)
    return Frame(0, "subscribed", {"topic": topic})


@router.websocket("/api/stream")
async def websocket_stream(ws: WebSocket, ticket: str | None = None) -> None:
    """The same events over a WebSocket; send `{"action": "subscribe", "topic": "post:1"}`."""
    platform: Platform = ws.app.state.platform
    rt = engine(platform)
    try:
        user_id = await authenticate(platform, rt.tickets, ws.headers.get("authorization"),
                                     ticket)
    except AppError as exc:
        await ws.accept()
        await ws.close(code=4401, reason=exc.code)
        return
    await ws.accept()
    conn = rt.hub.open(user_id, kind="ws")
    conn.offer(Frame(0, "stream.ready", {"connection_id": conn.id, "user_id": user_id}))

    async def handle(c: Connection, message: Any) -> Frame | None:
        return await _ws_message(platform, c, message)

    await websocket_session(ws, rt.hub, conn, rt.heartbeat_seconds, handle)


extra_routers = [compat_router, push_router]
