"""The SSE stream's bytes, parsed the way schemathesis parses them, match the documented schema."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jsonschema_rs
import orjson
from schemathesis.core.deserialization import _parse_sse_events

from tests.factories import Factory
from tests.realtime.conftest import LiveServer


async def test_stream_events_match_the_documented_schema(factory: Factory, live: LiveServer,
                                                         harness: Any) -> None:
    mia = await factory.user()
    op = harness.app.openapi()["paths"]["/api/social/notifications/stream"]["get"]
    schema = op["responses"]["200"]["content"]["text/event-stream"]["schema"]
    validator = jsonschema_rs.validator_for(schema)
    raw = b""
    async with httpx.AsyncClient(base_url=live.url, timeout=httpx.Timeout(10.0, read=None)) as c, \
            c.stream("GET", "/api/social/notifications/stream", headers=mia.headers,
                     params={"last_event_id": "0"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")

        async def until_ready() -> None:
            nonlocal raw
            async for chunk in response.aiter_bytes():
                raw += chunk
                if b"event: stream.ready" in raw and raw.endswith(b"\n\n"):
                    return

        await asyncio.wait_for(until_ready(), 5)
    events = _parse_sse_events(raw)
    assert [e["event"] for e in events][-1] == "stream.ready"
    for event in events:
        assert validator.is_valid(event), event
        orjson.loads(event["data"])  # every payload is JSON
    assert not validator.is_valid("a plain string")  # the old, wrong documentation
