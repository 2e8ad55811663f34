"""Hostile input: unicode edge cases and injection payloads in every user text field, NUL bytes,
huge page numbers, negative ids, a 10 MB body and deeply nested JSON.

Each payload is either refused with a clear 4xx and nothing stored, or stored and returned
byte-for-byte as JSON (never rendered as HTML: the web client escapes it).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from tanvi_social.community.models import Community
from tanvi_social.content.models import Comment, Post
from tanvi_social.messages.models import Message
from tanvi_social.social.models import Profile
from tests.content.helpers import make_post
from tests.factories import Factory, TestUser

PAYLOADS = {
    "rtl_override": "photo\u202egnp.exe",
    "zero_width": "lin\u200ben\u200d day\ufeff",
    "emoji_zwj": "family \U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
                 "\U0001f3f3\ufe0f\u200d\U0001f308",
    "sql": "x'); DROP TABLE posts; -- \" OR 1=1",
    "script": "<script>alert(1)</script><img src=x onerror=alert(1)>",
}

Writer = Callable[[AsyncClient, TestUser, TestUser, str], Awaitable[tuple[Response, Any]]]


async def _caption(client: AsyncClient, me: TestUser, _: TestUser, text: str) -> tuple[
        Response, Any]:
    r = await client.post("/api/content/posts", json={"caption": text}, headers=me.headers)
    return r, r.status_code == 201 and r.json()["post"]["caption"]


async def _comment(client: AsyncClient, me: TestUser, other: TestUser, text: str) -> tuple[
        Response, Any]:
    post = await make_post(client, other, "a post to comment on")
    r = await client.post(f"/api/content/posts/{post['id']}/comments", json={"content": text},
                          headers=me.headers)
    return r, r.status_code == 201 and r.json()["comment"]["content"]


async def _bio(client: AsyncClient, me: TestUser, _: TestUser, text: str) -> tuple[
        Response, Any]:
    r = await client.put("/api/social/profiles/me", json={"bio": text}, headers=me.headers)
    return r, r.status_code == 200 and r.json()["profile"]["bio"]


async def _display_name(client: AsyncClient, me: TestUser, _: TestUser, text: str) -> tuple[
        Response, Any]:
    r = await client.put("/api/social/profiles/me", json={"display_name": text},
                         headers=me.headers)
    return r, r.status_code == 200 and r.json()["profile"]["display_name"]


async def _dm(client: AsyncClient, me: TestUser, other: TestUser, text: str) -> tuple[
        Response, Any]:
    r = await client.post("/api/messages/conversations", json={"participant_ids": [other.id]},
                          headers=me.headers)
    assert r.status_code in (200, 201), r.text
    cid = r.json()["conversation"]["id"]
    r = await client.post(f"/api/messages/conversations/{cid}/messages", json={"body": text},
                          headers=me.headers)
    return r, r.status_code == 201 and r.json()["dm"]["body"]


async def _community(client: AsyncClient, me: TestUser, _: TestUser, text: str) -> tuple[
        Response, Any]:
    r = await client.post("/api/community/communities", json={"name": text},
                          headers=me.headers)
    return r, r.status_code == 201 and r.json()["community"]["name"]


FIELDS: dict[str, tuple[Writer, Any]] = {
    "caption": (_caption, Post), "comment": (_comment, Comment), "bio": (_bio, Profile),
    "display_name": (_display_name, Profile), "dm_body": (_dm, Message),
    "community_name": (_community, Community),
}


async def _count(platform: Any, model: Any) -> int:
    return await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
async def test_payload_is_stored_and_returned_byte_for_byte(
        client: AsyncClient, factory: Factory, field: str, payload: str) -> None:
    me, other = await factory.user(), await factory.user()
    text = PAYLOADS[payload]
    r, stored = await FIELDS[field][0](client, me, other, text)
    assert r.status_code in (200, 201), r.text
    assert r.headers["content-type"].startswith("application/json")
    assert stored == text
    assert text.encode() in r.content or json.dumps(text).encode() in r.content


@pytest.mark.parametrize("field", sorted(FIELDS))
async def test_nul_byte_is_refused_and_nothing_is_stored(
        client: AsyncClient, factory: Factory, platform: Any, field: str) -> None:
    me, other = await factory.user(), await factory.user()
    writer, model = FIELDS[field]
    if field == "comment":
        await make_post(client, other, "warm-up")  # the writer creates its post first
    before = await _count(platform, model)
    r, _ = await writer(client, me, other, "bad\x00byte")
    assert r.status_code == 422, r.text
    assert r.json()["success"] is False
    extra = 1 if field == "comment" else 0  # the post the comment writer made, not a comment
    assert await _count(platform, model) == before + (extra if model is Post else 0)


def test_nul_escape_pattern_ignores_an_escaped_backslash() -> None:
    from tanvi_social.core.middleware import NUL_ESCAPE

    assert NUL_ESCAPE.search(json.dumps({"t": "a\x00b"}).encode())
    assert not NUL_ESCAPE.search(json.dumps({"t": "a\\u0000b"}).encode())  # literal text
    assert NUL_ESCAPE.search(json.dumps({"t": "a\\\x00b"}).encode())


class TestHostileRequests:
    async def test_huge_page_numbers_and_negative_ids(self, client: AsyncClient,
                                                      factory: Factory) -> None:
        me = await factory.user()
        for url in ("/api/content/posts?page=999999999999999999999",
                    "/api/content/posts?page=-1", "/api/content/posts?per_page=100000",
                    "/api/content/posts/-5", "/api/content/posts/99999999999999999999",
                    "/api/social/profiles/-1", "/api/community/communities/-3",
                    "/api/messages/conversations/-1"):
            r = await client.get(url, headers=me.headers)
            assert r.status_code in (404, 422), (url, r.status_code, r.text)
            assert r.json()["success"] is False
        # a page far past the end is an empty page, not an error or a scan
        r = await client.get("/api/content/posts?page=1000000", headers=me.headers)
        assert r.status_code in (200, 422), r.text

    async def test_ten_megabyte_json_is_413_and_nothing_stored(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        me = await factory.user()
        before = await _count(platform, Post)
        body = json.dumps({"caption": "x" * (10 * 1024 * 1024)})
        r = await client.post("/api/content/posts", content=body,
                              headers={**me.headers, "content-type": "application/json"})
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"
        assert await _count(platform, Post) == before

    async def test_deeply_nested_json_is_4xx_and_nothing_stored(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        me = await factory.user()
        before = await _count(platform, Post)
        for depth in (1000, 100_000):
            body = '{"caption": "nest", "outfit_items": ' + "[" * depth + "]" * depth + "}"
            r = await client.post("/api/content/posts", content=body,
                                  headers={**me.headers, "content-type": "application/json"})
            assert 400 <= r.status_code < 500, (depth, r.status_code)
            assert r.json()["success"] is False
        assert await _count(platform, Post) == before

    async def test_mass_of_unicode_in_a_hashtag_is_not_half_stored(
            self, client: AsyncClient, factory: Factory, platform: Any) -> None:
        me = await factory.user()
        before = await _count(platform, Post)
        r = await client.post("/api/content/posts", json={"caption": "x" * 2201},
                              headers=me.headers)
        assert r.status_code == 422
        assert await _count(platform, Post) == before
