"""JSON columns decode with orjson and fall back to `json.loads` for what orjson refuses."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.content.models import Post
from tanvi_social.core.db import json_loads
from tests.factories import Factory


def test_decoder_reads_everything_json_loads_reads() -> None:
    assert json_loads('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert json_loads(b"[]") == []
    assert math.isnan(json_loads('{"v": NaN}')["v"])  # orjson refuses NaN: json.loads reads it
    assert json_loads("[123456789012345678901234567890]") == [123456789012345678901234567890]


async def test_json_columns_round_trip(platform: Any, factory: Factory) -> None:
    user = await factory.user()
    value = {"style": ["boho", "linen"], "score": 0.25, "nested": {"k": [1, {"x": None}]}}

    def write(session: Session) -> int:
        post = Post(author_id=user.id, caption="x", ai_analysis=value, hashtags=["a", "b"])
        session.add(post)
        session.flush()
        session.execute(update(Post).where(Post.id == post.id).values(outfit_items=[]))
        return post.id

    pid = await platform.db.run(write)
    row = await platform.db.read(lambda s: s.execute(select(
        Post.ai_analysis, Post.hashtags, Post.outfit_items).where(Post.id == pid)).one())
    assert tuple(row) == (value, ["a", "b"], [])
