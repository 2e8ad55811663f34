"""The least a text-post create can do in this stack: the floor `bench/bench_write_floor.py`
measures the service's create against.

A bare FastAPI app, served by uvicorn like the service (one worker, same event loop and HTTP
parser): `POST /posts` verifies the bearer token (the service's own `decode_access_token`),
validates the body with the service's own `PostCreate` model, runs ONE raw `sqlite3` INSERT
and a commit on the event loop (WAL, `synchronous=NORMAL`, as the service's SQLite) and
answers 201 with the new id as orjson bytes. No moderation, spam check, hashtags, trend count,
counters, activity, author card, caches or events: every one of those is work the real create
does on top. `GET /live` is this app's own ceiling.

    FLOOR_DB=/tmp/floor.db FLOOR_SECRET=... uvicorn bench.floor_app:app
"""

from __future__ import annotations

import os

from bench.floor_db import insert_post
from fastapi import FastAPI, Header, HTTPException, Response

from tanvi_social.content.schemas import PostCreate
from tanvi_social.core.security import decode_access_token

SECRET = os.environ["FLOOR_SECRET"]

app = FastAPI()


@app.get("/live")
async def live() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.post("/posts", status_code=201)
async def create(body: PostCreate, authorization: str = Header()) -> Response:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401)
    return insert_post(decode_access_token(SECRET, token).user_id, body)
