"""The route pre-check skips only routers that cannot match: same answers, same order."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI
from httpx import ASGITransport, AsyncClient
from starlette.routing import Match

from tanvi_social.core.routing import _Guard, guard_included_routers

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def _scope(app: Any, method: str, path: str, kind: str = "http") -> dict[str, Any]:
    return {"type": kind, "method": method, "path": path, "root_path": "", "headers": [],
            "query_string": b"", "app": app}


async def test_every_route_resolves_as_without_the_check(harness: Any) -> None:
    app = harness.app
    candidates = [r for r in app.router.routes if isinstance(r.__dict__.get("matches"), _Guard)]
    assert len(candidates) >= 15  # every domain router is guarded
    paths = {_concrete(ctx.path_format) for c in candidates
             for ctx in c.effective_route_contexts()}
    paths |= {"/nowhere", "/api", "/api/content", "/api/health/live/", "/api/unknown/1", ""}
    assert len(paths) > 150
    tries = [(method, "http") for method in METHODS] + [("GET", "websocket")]
    for path in sorted(paths):
        for method, kind in tries:
            for candidate in app.router.routes:
                guarded = candidate.matches(_scope(app, method, path, kind))
                plain = type(candidate).matches(candidate, _scope(app, method, path, kind))
                assert guarded[0] == plain[0], (method, path, candidate)
                if plain[0] != Match.NONE:
                    assert guarded[1].keys() == plain[1].keys()


async def test_requests_still_route(client: AsyncClient) -> None:
    assert (await client.get("/api/health/live")).status_code == 200
    assert (await client.get("/api/nowhere")).status_code == 404
    assert (await client.delete("/api/health/live")).status_code == 405
    assert (await client.get("/api/content/posts/999999")).status_code in (401, 404)


async def test_routes_added_after_the_guard_are_found() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/a")

    @router.get("/x")
    async def x() -> dict[str, str]:
        return {"at": "x"}

    app.include_router(router)
    assert guard_included_routers(app) == 1
    assert guard_included_routers(app) == 0  # installed once

    @router.get("/late")  # a path with a new prefix, added after the guard
    async def late() -> dict[str, str]:
        return {"at": "late"}

    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/a/x")).json() == {"at": "x"}
        assert (await c.get("/a/late")).json() == {"at": "late"}
        assert (await c.get("/b/x")).status_code == 404
