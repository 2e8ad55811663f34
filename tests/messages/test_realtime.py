"""Two real-time clients: a message and "typing" reach the other participant within a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import websockets

from tests.factories import Factory
from tests.realtime.conftest import LiveServer, serve, sse
from tests.social_helpers import follow


@pytest.fixture
async def live(harness: Any) -> AsyncIterator[LiveServer]:
    rt = harness.platform.extras["realtime"]
    rt.hub.close_all()
    rt.hub.buffers.clear()
    server = await serve(harness.app)
    yield server
    await server.stop()


async def test_message_and_typing_delivered_within_a_second(factory: Factory,
                                                            live: LiveServer,
                                                            platform: Any) -> None:
    a, b, outsider = await factory.user(), await factory.user(), await factory.user()
    await follow(platform, a.id, b.id)
    await follow(platform, b.id, a.id)
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http, \
            sse(live.url, headers=a.headers) as a_stream, \
            sse(live.url, headers=b.headers) as b_stream, \
            sse(live.url, headers=outsider.headers) as outsider_stream:
        conv = (await http.post("/api/messages/conversations", json={"participant_ids": [b.id]},
                                headers=a.headers)).json()["conversation"]
        r = await http.post(f"/api/messages/conversations/{conv['id']}/typing",
                            headers=a.headers)
        assert r.status_code == 200
        typing = await b_stream.next(timeout=1.0)
        assert typing.event == "message.typing"
        assert typing.data["conversation_id"] == conv["id"]
        assert typing.data["user_id"] == a.id

        started = time.perf_counter()  # from the request, not from its response
        r = await http.post(f"/api/messages/conversations/{conv['id']}/messages",
                            json={"body": "see you at 7"}, headers=a.headers)
        assert r.status_code == 201
        sent = await b_stream.next(timeout=1.0)
        latency = time.perf_counter() - started
        assert latency < 1.0, f"the message reached B after {latency:.3f} s"
        assert sent.event == "message.sent"
        assert sent.data["message"]["body"] == "see you at 7"
        assert sent.data["message"]["sender_id"] == a.id
        # The sender's other devices get the message too, never their own typing.
        own = await a_stream.next(timeout=1.0)
        assert own.event == "message.sent"
        # Nobody outside the conversation hears anything.
        with pytest.raises(TimeoutError):
            await outsider_stream.next(timeout=0.3)


async def test_membership_change_reaches_members_and_the_removed(factory: Factory,
                                                                 live: LiveServer,
                                                                 platform: Any) -> None:
    mia, zoe, lina, outsider = (await factory.user(), await factory.user(),
                                await factory.user(), await factory.user())
    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http:
        conv = (await http.post("/api/messages/conversations",
                                json={"participant_ids": [zoe.id, lina.id]},
                                headers=mia.headers)).json()["conversation"]
        async with sse(live.url, headers=zoe.headers) as zoe_stream, \
                sse(live.url, headers=lina.headers) as lina_stream, \
                sse(live.url, headers=outsider.headers) as outsider_stream:
            r = await http.delete(
                f"/api/messages/conversations/{conv['id']}/participants/{lina.id}",
                headers=mia.headers)
            assert r.status_code == 200
            for stream in (zoe_stream, lina_stream):
                frame = await stream.next(timeout=1.0)
                assert frame.event == "conversation.updated"
                assert frame.data["change"] == "removed"
                assert frame.data["user_ids"] == [lina.id]
                assert frame.data["message"]["kind"] == "system"
            # Once removed, lina hears nothing more of the group.
            r = await http.post(f"/api/messages/conversations/{conv['id']}/messages",
                                json={"body": "just us"}, headers=mia.headers)
            assert r.status_code == 201
            assert (await zoe_stream.next(timeout=1.0)).event == "message.sent"
            with pytest.raises(TimeoutError):
                await lina_stream.next(timeout=0.3)
            with pytest.raises(TimeoutError):
                await outsider_stream.next(timeout=0.3)


async def test_message_over_websockets_within_a_second_and_not_to_outsiders(
        factory: Factory, live: LiveServer, platform: Any) -> None:
    a, b, outsider = await factory.user(), await factory.user(), await factory.user()
    await follow(platform, a.id, b.id)
    await follow(platform, b.id, a.id)
    url = f"ws://127.0.0.1:{live.port}/api/stream"

    async def frame(ws: Any, timeout: float = 1.0) -> dict[str, Any]:
        message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), timeout))
        return message

    async with httpx.AsyncClient(base_url=live.url, timeout=10) as http, \
            websockets.connect(url, additional_headers=b.headers) as b_ws, \
            websockets.connect(url, additional_headers=outsider.headers) as outsider_ws:
        assert (await frame(b_ws, 3))["event"] == "stream.ready"
        assert (await frame(outsider_ws, 3))["event"] == "stream.ready"
        conv = (await http.post("/api/messages/conversations", json={"participant_ids": [b.id]},
                                headers=a.headers)).json()["conversation"]
        started = time.perf_counter()
        r = await http.post(f"/api/messages/conversations/{conv['id']}/messages",
                            json={"body": "linen or silk tonight?"}, headers=a.headers)
        assert r.status_code == 201, r.text
        got = await frame(b_ws)
        latency = time.perf_counter() - started
        assert latency < 1.0, f"the message reached B after {latency:.3f} s"
        assert got["event"] == "message.sent"
        assert got["data"]["message"]["body"] == "linen or silk tonight?"
        assert got["data"]["message"]["id"] == r.json()["dm"]["id"]
        assert isinstance(got["id"], int)
        # B has it, so the one dispatch of this event is done: anything for the outsider would
        # already be queued ahead of the answer to a ping.
        await outsider_ws.send(orjson.dumps({"action": "ping"}).decode())
        assert (await frame(outsider_ws))["event"] == "pong"
