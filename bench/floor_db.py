"""The floor's whole create (`bench/floor_app.py`, `bench/stack_floor_app.py`): ONE raw `sqlite3`
INSERT and a commit on the event loop (WAL, `synchronous=NORMAL`, as the service's SQLite), and
201 with the new id as orjson bytes."""

from __future__ import annotations

import os
import sqlite3
import time

import orjson
from fastapi import Response

from tanvi_social.content.schemas import PostCreate

db = sqlite3.connect(os.environ["FLOOR_DB"], isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL,"
           " caption TEXT NOT NULL, visibility TEXT NOT NULL, created_at REAL NOT NULL)")


def insert_post(user_id: int, body: PostCreate) -> Response:
    db.execute("BEGIN")
    cur = db.execute("INSERT INTO posts (user_id, caption, visibility, created_at) "
                     "VALUES (?, ?, ?, ?)",
                     (user_id, body.caption or "", body.visibility, time.time()))
    db.execute("COMMIT")
    return Response(orjson.dumps({"post": {"id": cur.lastrowid, "caption": body.caption}}),
                    status_code=201, media_type="application/json")
