"""The two transports: a server-sent-events ASGI response and the WebSocket session loop."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from tanvi_social.realtime.hub import Connection, Frame, Hub

SSE_HEADERS = {"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no",
               "Connection": "keep-alive"}
RETRY_MS = 3000


def sse_preamble(conn: Connection, replay: list[Frame] | None, resumed: bool,
                 last_event_id: int) -> bytes:
    """`retry:`, the replayed frames (or `stream.reset` when the gap cannot be filled), `ready`."""
    parts = [b"retry: %d\n\n" % RETRY_MS]
    if resumed:
        if replay is None:
            parts.append(b"event: stream.reset\ndata: %s\n\n" % orjson.dumps(
                {"reason": "gap", "last_event_id": last_event_id}))
        else:
            parts.extend(f.sse for f in replay)
    parts.append(b"event: stream.ready\ndata: %s\n\n" % orjson.dumps(
        {"connection_id": conn.id, "user_id": conn.user_id, "topics": sorted(conn.topics)}))
    return b"".join(parts)


class EventStreamResponse(Response):
    """`text/event-stream` fed from a hub connection, with heartbeats and a bounded outbox."""

    media_type = "text/event-stream"

    def __init__(self, hub: Hub | None = None, conn: Connection | None = None,
                 preamble: bytes = b"", heartbeat: float = 15.0) -> None:
        super().__init__(content=None, status_code=200, headers=SSE_HEADERS,
                         media_type=self.media_type)
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.hub = hub
        self.conn = conn
        self.preamble = preamble
        self.heartbeat = heartbeat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub, conn = self.hub, self.conn
        assert hub is not None
        assert conn is not None
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})
        conn.bind_writer()
        listener = asyncio.create_task(_watch_disconnect(receive, conn))
        try:
            await self._send(send, self.preamble)
            while not conn.closed:
                frames = await conn.next_frames(self.heartbeat)
                if conn.closed:
                    break
                body = b"".join(f.sse for f in frames) if frames else b": ping\n\n"
                await self._send(send, body)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if conn.drop_reason is None or task is None:
                raise
            task.uncancel()  # our own drop of a slow client, not a shutdown
        finally:
            listener.cancel()
            conn.close("ended")
            hub.unregister(conn)
        if conn.drop_reason in ("shutdown", "too_many_connections"):
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send(self, send: Send, body: bytes) -> None:
        assert self.conn is not None
        self.conn.sending(True)
        try:
            await send({"type": "http.response.body", "body": body, "more_body": True})
        finally:
            self.conn.sending(False)


async def _watch_disconnect(receive: Receive, conn: Connection) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            conn.close("disconnect")
            return


async def websocket_session(ws: WebSocket, hub: Hub, conn: Connection, heartbeat: float,
                            on_message: Any) -> None:
    """Writer loop in this task; client messages handled by `on_message` in a reader task."""
    conn.bind_writer()
    reader = asyncio.create_task(_ws_reader(ws, conn, on_message))
    try:
        while not conn.closed:
            frames = await conn.next_frames(heartbeat)
            if conn.closed:
                break
            texts = [f.ws for f in frames] or ['{"event":"ping"}']
            conn.sending(True)
            try:
                for text in texts:
                    await ws.send_text(text)
            finally:
                conn.sending(False)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if conn.drop_reason is None or task is None:
            raise
        task.uncancel()
    except (WebSocketDisconnect, RuntimeError, OSError):
        conn.close("disconnect")
    finally:
        reader.cancel()
        reason = conn.drop_reason
        conn.close("ended")
        hub.unregister(conn)
    if ws.application_state == WebSocketState.CONNECTED and reason != "disconnect":
        code = 1013 if reason == "slow_consumer" else 1001
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(code=code, reason=reason or ""), timeout=1)


async def _ws_reader(ws: WebSocket, conn: Connection, on_message: Any) -> None:
    try:
        while not conn.closed:
            text = await ws.receive_text()
            if len(text) > 4096:
                conn.close("message_too_large")
                return
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                message = None
            reply = await on_message(conn, message)
            if reply is not None:
                conn.offer(reply)  # through the outbox: one writer per socket
    except (WebSocketDisconnect, RuntimeError, OSError):
        conn.close("disconnect")
    except asyncio.CancelledError:
        raise
