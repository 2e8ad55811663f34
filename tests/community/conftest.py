"""Community test helpers: the tip library is reference data, so reset what tests change in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, update

from tanvi_social.community.models import StyleTip
from tests.conftest import _cleaner_engine


@pytest.fixture(autouse=True)
def reset_tip_library(database_url: str) -> Iterator[None]:
    engine = _cleaner_engine(database_url)
    with engine.begin() as conn:
        conn.execute(delete(StyleTip).where(StyleTip.origin != "library"))
        conn.execute(update(StyleTip).values(like_count=0, save_count=0))
    return


@pytest.fixture(autouse=True)
async def drain_background_sends(request: pytest.FixtureRequest) -> Any:
    """Let Web Push sends started by this test's notifications finish before the next test's
    table cleanup: on PostgreSQL a send caught mid-transaction would block the TRUNCATE, and the
    blocking TRUNCATE would stop the event loop the send needs to finish."""
    yield
    if "harness" in request.fixturenames:
        push = request.getfixturevalue("harness").platform.extras.get("push")
        if push is not None:
            await push.drain()


def future(hours: float = 48) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


async def make_community(client: AsyncClient, owner: Any, **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", "Minimalist Wardrobe Club"),
            "description": "Capsule wardrobes", **fields}
    r = await client.post("/api/community/communities", json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    return r.json()["community"]


async def join(client: AsyncClient, community_id: int, user: Any, expect: int = 200
               ) -> dict[str, Any]:
    r = await client.post(f"/api/community/communities/{community_id}/join", headers=user.headers)
    assert r.status_code == expect, r.text
    return r.json()


async def make_event(client: AsyncClient, owner: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "Capsule wardrobe swap", "event_type": "online",
            "start_at": future(48), "end_at": future(50), "timezone": "Europe/Paris",
            "meeting_url": "https://meet.example.com/abc", "meeting_password": "s3cret-pass",
            "meeting_id": "123 456", **fields}
    r = await client.post("/api/community/events", json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    return r.json()["event"]


async def rsvp(client: AsyncClient, event_id: int, user: Any, response: str = "yes",
               guests: int = 0, expect: int = 200) -> dict[str, Any]:
    r = await client.post(f"/api/community/events/{event_id}/rsvp",
                          json={"response": response, "guest_count": guests},
                          headers=user.headers)
    assert r.status_code == expect, r.text
    return r.json()
