"""JSON columns decode with orjson and fall back to `json.loads` for what orjson refuses."""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from tanvi_social.content.models import Post
from tanvi_social.core.db import json_dumps, json_loads, json_text_contains
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


def test_encoder_is_compact_utf8_and_falls_back_for_what_orjson_refuses() -> None:
    assert json_dumps({"tags": ["café", "a"], "n": 1.5}) == '{"tags":["café","a"],"n":1.5}'
    assert json_dumps({1: "x"}) == '{"1":"x"}'  # as json.dumps: keys become strings
    assert json_dumps([2**70]) == "[1180591620717411303424]"  # beyond 64 bits: json.dumps
    assert json_dumps({"v": math.nan}) == '{"v":null}'  # JSON, which PostgreSQL accepts


async def test_text_search_in_json_matches_both_encodings(platform: Any, factory: Factory) -> None:
    """Rows written before the compact encoder (json.dumps: spaces, \\u-escapes) and after it
    are found alike; LIKE's wildcards in the value are literal."""
    user = await factory.user()
    old_text = json.dumps(["café", "street_style"])  # '["caf\\u00e9", "street_style"]'

    def write(session: Session) -> list[int]:
        posts = [Post(author_id=user.id, caption="x", hashtags=tags) for tags in (
            ["café", "street_style"], ["cafe"], ["street-style"], [])]
        session.add_all(posts)
        session.flush()
        session.execute(text("UPDATE posts SET hashtags = :t WHERE id = :i"),
                        {"t": old_text, "i": posts[3].id})
        return [p.id for p in posts]

    new, plain, dashed, old = await platform.db.run(write)

    async def found(tag: str) -> set[int]:
        return set(await platform.db.read(lambda s: s.scalars(select(Post.id).where(
            Post.author_id == user.id, json_text_contains(Post.hashtags, tag))).all()))

    assert await found("café") == {new, old}
    assert await found("cafe") == {plain}
    assert await found("street_style") == {new, old}  # "_" is not a wildcard
    assert await found("street-style") == {dashed}
    assert await found("caf") == set()  # a whole string, not a part of one
