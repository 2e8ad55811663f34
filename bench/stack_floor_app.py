"""The service's own request path around the floor's create: what our stack costs before the
create does anything of its own (`bench/bench_write_floor.py` measures it beside the floor).

The whole service as `tanvi-social serve` runs it (`tanvi_social.asgi:app`: every router, the
middleware stack, the route guard, the error handlers, the serving process's GC settings) plus
one route, `POST /api/bench/posts`, declared like `POST /api/content/posts`: the same
dependency (`PostingWriter`: the writer with its cached auth state and revocation check, and
the write rate limit) and the same `PostCreate` body. Its body is
`bench/floor_app.py`'s: ONE raw `sqlite3` INSERT and a commit on the event loop, and 201 with the
new id as orjson bytes. Everything the real create does beyond that is absent.

    FLOOR_DB=/tmp/floor.db TANVI_DATABASE_URL=... uvicorn bench.stack_floor_app:app
"""

from __future__ import annotations

from bench.floor_db import insert_post
from fastapi import APIRouter, Request, Response

from tanvi_social.asgi import app
from tanvi_social.content.router import PostingWriter
from tanvi_social.content.schemas import PostCreate

router = APIRouter(prefix="/api/bench")


@router.post("/posts", status_code=201)
async def create(body: PostCreate, user: PostingWriter, request: Request) -> Response:
    return insert_post(user.user_id, body)


app.include_router(router)
