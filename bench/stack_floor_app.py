"""The service's own request path around the floor's create: what our stack costs before the
create does anything of its own (`bench/bench_write_floor.py` measures it beside the floor).

The whole service as `tanvi-social serve` runs it (`tanvi_social.asgi:app`: every router, the
middleware stack, the route guard, the error handlers, the serving process's GC settings) plus
one route, `POST /api/bench/posts`, declared like `POST /api/content/posts`: the same
dependency (`PostingWriter`: the writer with its cached auth state and revocation check, and
the write rate limit) and the same `PostCreate` body. Its body is
`bench/floor_app.py`'s: ONE raw `sqlite3` INSERT and a commit on the event loop, and 201 with the
new id as orjson bytes. Everything the real create does beyond that is absent. `GET
/api/bench/batches` counts the real creates' group commits (the mean batch of a run).

    FLOOR_DB=/tmp/floor.db TANVI_DATABASE_URL=... uvicorn bench.stack_floor_app:app
"""

from __future__ import annotations

from typing import Any

from bench.floor_db import insert_post
from fastapi import APIRouter, Request, Response

from tanvi_social.asgi import app
from tanvi_social.content.create_batch import CreateBatcher
from tanvi_social.content.router import PostingWriter
from tanvi_social.content.schemas import PostCreate

router = APIRouter(prefix="/api/bench")
# how many group commits the real creates took, and how many creates they held
# (`GET /api/bench/batches`: the floor bench reports the mean batch of each text-post run)
_batches = {"batches": 0, "creates": 0}
_unit = CreateBatcher._unit


async def _counted_unit(self: CreateBatcher, batch: list[Any]) -> Any:
    _batches["batches"] += 1
    _batches["creates"] += len(batch)
    return await _unit(self, batch)


CreateBatcher._unit = _counted_unit  # type: ignore[method-assign]


@router.post("/posts", status_code=201)
async def create(body: PostCreate, user: PostingWriter, request: Request) -> Response:
    return insert_post(user.user_id, body)


@router.get("/batches")
async def batches() -> dict[str, int]:
    return dict(_batches)


app.include_router(router)
