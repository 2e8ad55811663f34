"""Serves the web client: `/`, its static assets under `/static/` (long-cached, versioned) and the
service worker at `/sw.js` (at the root, so its scope is the whole site; never long-cached)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from tanvi_social import __version__
from tanvi_social.core.errors import NotFound

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")


@router.get("/")
async def index() -> Response:
    html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{version}}", __version__)
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
async def service_worker() -> FileResponse:
    """The Web Push service worker. Served from the root so it controls `/` (a worker's scope is
    at most the folder it is served from); `no-cache` so a new version is picked up at once."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@router.get("/static/{path:path}")
async def static(path: str) -> FileResponse:
    target = (STATIC / path).resolve()
    if not target.is_file() or STATIC.resolve() not in target.parents:
        raise NotFound("Not found")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=3600"})
