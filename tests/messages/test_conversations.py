"""Direct messages through the HTTP API: conversations, requests, history, receipts, unsend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tanvi_social.content.models import Post
from tanvi_social.core.time import utcnow
from tanvi_social.messages.events import MessageSent, MessageTyping
from tanvi_social.messages.models import Message
from tests.factories import PASSWORD, Factory, TestUser
from tests.social_helpers import block, follow

API = "/api/messages"


async def start(client: httpx.AsyncClient, user: TestUser, *others: TestUser,
                title: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"participant_ids": [o.id for o in others]}
    if title:
        body["title"] = title
    r = await client.post(f"{API}/conversations", json=body, headers=user.headers)
    assert r.status_code in (200, 201), r.text
    return r.json()["conversation"]


async def send(client: httpx.AsyncClient, user: TestUser, conversation_id: int,
               body: str = "hi") -> httpx.Response:
    return await client.post(f"{API}/conversations/{conversation_id}/messages",
                             json={"body": body}, headers=user.headers)


@pytest.fixture
async def pair(factory: Factory, platform: Any) -> tuple[TestUser, TestUser]:
    """Two users who follow each other (no message requests between them)."""
    a, b = await factory.user(), await factory.user()
    await follow(platform, a.id, b.id)
    await follow(platform, b.id, a.id)
    return a, b


async def test_one_to_one_is_reused_and_group_created(
        client: httpx.AsyncClient, factory: Factory, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    r = await client.post(f"{API}/conversations", json={"participant_ids": [b.id]},
                          headers=a.headers)
    assert r.status_code == 201
    conv = r.json()["conversation"]
    assert conv["kind"] == "direct"
    assert {p["user"]["id"] for p in conv["participants"]} == {a.id, b.id}
    assert all(p["status"] == "active" for p in conv["participants"])
    again = await client.post(f"{API}/conversations", json={"participant_ids": [a.id]},
                              headers=b.headers)
    assert again.status_code == 200
    assert again.json()["conversation"]["id"] == conv["id"]

    c = await factory.user()
    group = await start(client, a, b, c, title="Stylists")
    assert group["kind"] == "group"
    assert group["title"] == "Stylists"
    assert len(group["participants"]) == 3


async def test_conversation_validation(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.user()
    many = await factory.users(20)
    r = await client.post(f"{API}/conversations",
                          json={"participant_ids": [u.id for u in many]}, headers=a.headers)
    assert r.status_code == 422
    r = await client.post(f"{API}/conversations",
                          json={"participant_ids": [u.id for u in many[:19]]}, headers=a.headers)
    assert r.status_code == 201
    assert len(r.json()["conversation"]["participants"]) == 20
    r = await client.post(f"{API}/conversations", json={"participant_ids": [a.id]},
                          headers=a.headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/conversations", json={"participant_ids": [999999]},
                          headers=a.headers)
    assert r.status_code == 404
    r = await client.post(f"{API}/conversations", json={"participant_ids": [many[0].id]})
    assert r.status_code == 401
    r = await client.post(f"{API}/conversations",
                          json={"participant_ids": [many[0].id], "kind": "x"},
                          headers=a.headers)
    assert r.status_code == 422


async def test_history_is_cursor_paged_and_private(
        client: httpx.AsyncClient, factory: Factory, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    for i in range(5):
        assert (await send(client, a if i % 2 == 0 else b, conv["id"], f"m{i}")).status_code == 201
    page1 = await client.get(f"{API}/conversations/{conv['id']}/messages?limit=2",
                             headers=b.headers)
    assert page1.status_code == 200
    data = page1.json()
    assert [m["body"] for m in data["dms"]] == ["m4", "m3"]
    assert data["dms"][0]["sender"]["id"] == a.id
    page2 = await client.get(f"{API}/conversations/{conv['id']}/messages",
                             params={"limit": 2, "cursor": data["next_cursor"]}, headers=b.headers)
    assert [m["body"] for m in page2.json()["dms"]] == ["m2", "m1"]
    page3 = await client.get(f"{API}/conversations/{conv['id']}/messages",
                             params={"limit": 2, "cursor": page2.json()["next_cursor"]},
                             headers=b.headers)
    assert [m["body"] for m in page3.json()["dms"]] == ["m0"]
    assert page3.json()["next_cursor"] is None
    bad = await client.get(f"{API}/conversations/{conv['id']}/messages?cursor=%%%",
                           headers=b.headers)
    assert bad.status_code == 422

    third, admin = await factory.user(), await factory.admin()
    for outsider in (third, admin):
        assert (await client.get(f"{API}/conversations/{conv['id']}",
                                 headers=outsider.headers)).status_code == 404
        assert (await client.get(f"{API}/conversations/{conv['id']}/messages",
                                 headers=outsider.headers)).status_code == 404
    assert (await send(client, third, conv["id"])).status_code == 404
    assert (await client.post(f"{API}/conversations/{conv['id']}/read",
                              headers=third.headers)).status_code == 404
    assert (await client.get(f"{API}/conversations/{conv['id']}")).status_code == 401
    assert (await client.get(f"{API}/conversations/424242", headers=a.headers)).status_code == 404


async def test_blocked_user_cannot_start_or_continue(
        client: httpx.AsyncClient, platform: Any, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    assert (await send(client, a, conv["id"])).status_code == 201
    await block(platform, b.id, a.id)
    r = await send(client, a, conv["id"])
    assert r.status_code == 403
    assert r.json()["code"] == "blocked"
    assert (await send(client, b, conv["id"])).status_code == 403
    r = await client.post(f"{API}/conversations/{conv['id']}/typing", headers=a.headers)
    assert r.status_code == 403
    c = await pair_new_conversation_attempt(client, a, b)
    assert c.status_code == 403


async def pair_new_conversation_attempt(client: httpx.AsyncClient, a: TestUser,
                                        b: TestUser) -> httpx.Response:
    return await client.post(f"{API}/conversations", json={"participant_ids": [b.id]},
                             headers=a.headers)


async def test_block_prevents_starting(client: httpx.AsyncClient, factory: Factory,
                                       platform: Any) -> None:
    a, b = await factory.user(), await factory.user()
    await block(platform, a.id, b.id)
    r = await pair_new_conversation_attempt(client, b, a)
    assert r.status_code == 403
    group = await client.post(f"{API}/conversations",
                              json={"participant_ids": [a.id, (await factory.user()).id]},
                              headers=b.headers)
    assert group.status_code == 403


async def test_message_requests_accept_and_decline(client: httpx.AsyncClient,
                                                   factory: Factory, platform: Any) -> None:
    stranger, recipient, friend = await factory.user(), await factory.user(), await factory.user()
    await follow(platform, recipient.id, friend.id)
    friendly = await start(client, friend, recipient)
    assert {p["user"]["id"]: p["status"] for p in friendly["participants"]}[recipient.id] == \
        "active"
    conv = await start(client, stranger, recipient)
    statuses = {p["user"]["id"]: p["status"] for p in conv["participants"]}
    assert statuses == {stranger.id: "active", recipient.id: "request"}
    # An empty request is not shown yet.
    r = await client.get(f"{API}/requests", headers=recipient.headers)
    assert r.json()["conversations"] == []
    assert (await send(client, stranger, conv["id"], "hello!")).status_code == 201
    r = await client.get(f"{API}/requests", headers=recipient.headers)
    assert [c["id"] for c in r.json()["conversations"]] == [conv["id"]]
    assert r.json()["conversations"][0]["my_status"] == "request"
    counts = (await client.get(f"{API}/unread-count", headers=recipient.headers)).json()["unread"]
    assert counts == {"messages": 0, "conversations": 0, "requests": 1}
    listed = await client.get(f"{API}/conversations", headers=recipient.headers)
    assert conv["id"] not in [c["id"] for c in listed.json()["conversations"]]
    # The requester cannot answer their own request; a stranger cannot see it.
    assert (await client.post(f"{API}/requests/{conv['id']}/accept",
                              headers=stranger.headers)).status_code == 400
    assert (await client.post(f"{API}/requests/{conv['id']}/accept",
                              headers=friend.headers)).status_code == 404
    r = await client.post(f"{API}/requests/{conv['id']}/accept", headers=recipient.headers)
    assert r.status_code == 200
    assert r.json()["conversation"]["my_status"] == "active"
    counts = (await client.get(f"{API}/unread-count", headers=recipient.headers)).json()["unread"]
    assert counts == {"messages": 1, "conversations": 1, "requests": 0}

    other = await factory.user()
    conv2 = await start(client, other, recipient)
    await send(client, other, conv2["id"], "hey")
    r = await client.post(f"{API}/requests/{conv2['id']}/decline", headers=recipient.headers)
    assert r.status_code == 200
    assert r.json()["conversation"]["my_status"] == "declined"
    r = await send(client, other, conv2["id"], "hello??")
    assert r.status_code == 403
    assert r.json()["code"] == "request_declined"
    assert (await client.post(f"{API}/requests/{conv2['id']}/decline",
                              headers=recipient.headers)).status_code == 400


async def test_read_receipts_and_unread_counts(
        client: httpx.AsyncClient, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    first = (await send(client, a, conv["id"], "one")).json()["dm"]
    await send(client, a, conv["id"], "two")
    counts = (await client.get(f"{API}/unread-count", headers=b.headers)).json()["unread"]
    assert counts == {"messages": 2, "conversations": 1, "requests": 0}
    listed = (await client.get(f"{API}/conversations", headers=b.headers)).json()
    assert listed["conversations"][0]["unread_count"] == 2
    assert listed["conversations"][0]["last_message"]["body"] == "two"
    assert listed["pagination"]["total"] == 1
    history = (await client.get(f"{API}/conversations/{conv['id']}/messages",
                                headers=a.headers)).json()["dms"]
    assert all(m["read_by"] == [] for m in history)
    r = await client.post(f"{API}/conversations/{conv['id']}/read", headers=b.headers)
    assert r.status_code == 200
    assert r.json()["receipt"]["unread_count"] == 0
    counts = (await client.get(f"{API}/unread-count", headers=b.headers)).json()["unread"]
    assert counts == {"messages": 0, "conversations": 0, "requests": 0}
    history = (await client.get(f"{API}/conversations/{conv['id']}/messages",
                                headers=a.headers)).json()["dms"]
    assert all(m["read_by"] == [b.id] for m in history)
    assert history[-1]["id"] == first["id"]
    # A reply is unread for the other side only.
    await send(client, b, conv["id"], "three")
    assert (await client.get(f"{API}/unread-count", headers=a.headers)).json()["unread"][
        "messages"] == 1
    assert (await client.get(f"{API}/unread-count", headers=b.headers)).json()["unread"][
        "messages"] == 0


async def test_delete_for_me_and_unsend(client: httpx.AsyncClient, factory: Factory,
                                        platform: Any, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    m1 = (await send(client, a, conv["id"], "keep me")).json()["dm"]
    m2 = (await send(client, a, conv["id"], "oops")).json()["dm"]
    url = f"{API}/conversations/{conv['id']}/messages"
    # Delete for me: only B stops seeing it; B's unread count drops.
    r = await client.delete(f"{API}/messages/{m1['id']}?for=me", headers=b.headers)
    assert r.status_code == 200
    assert [m["id"] for m in (await client.get(url, headers=b.headers)).json()["dms"]] == \
        [m2["id"]]
    assert len((await client.get(url, headers=a.headers)).json()["dms"]) == 2
    assert (await client.get(f"{API}/unread-count", headers=b.headers)).json()["unread"][
        "messages"] == 1
    # Only the sender unsends; then it shows as unsent to everyone and the unread count drops.
    r = await client.delete(f"{API}/messages/{m2['id']}?for=everyone", headers=b.headers)
    assert r.status_code == 403
    r = await client.delete(f"{API}/messages/{m2['id']}?for=everyone", headers=a.headers)
    assert r.status_code == 200
    shown = (await client.get(url, headers=b.headers)).json()["dms"][0]
    assert shown["is_unsent"] is True
    assert shown["body"] is None
    assert (await client.get(f"{API}/unread-count", headers=b.headers)).json()["unread"][
        "messages"] == 0
    r = await client.delete(f"{API}/messages/{m2['id']}?for=everyone", headers=a.headers)
    assert r.status_code == 409
    # Past the window.
    m3 = (await send(client, a, conv["id"], "old")).json()["dm"]

    def age(session: Session) -> None:
        session.execute(update(Message).where(Message.id == m3["id"])
                        .values(created_at=utcnow() - timedelta(minutes=16)))

    await platform.db.run(age)
    r = await client.delete(f"{API}/messages/{m3['id']}?for=everyone", headers=a.headers)
    assert r.status_code == 403
    assert r.json()["code"] == "unsend_window_passed"
    outsider = await factory.user()
    assert (await client.delete(f"{API}/messages/{m3['id']}",
                                headers=outsider.headers)).status_code == 404
    assert (await client.delete(f"{API}/messages/{m3['id']}?for=all",
                                headers=a.headers)).status_code == 422
    assert (await client.delete(f"{API}/messages/999999", headers=a.headers)).status_code == 404


async def test_events_for_realtime(client: httpx.AsyncClient, platform: Any,
                                   pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    seen: list[Any] = []

    async def capture(event: Any) -> None:
        seen.append(event)

    platform.bus.subscribe(MessageSent, capture)
    platform.bus.subscribe(MessageTyping, capture)
    try:
        conv = await start(client, a, b)
        r = await client.post(f"{API}/conversations/{conv['id']}/typing", headers=a.headers)
        assert r.status_code == 200
        assert (await send(client, a, conv["id"], "hello")).status_code == 201
    finally:
        platform.bus._handlers[MessageSent].remove(capture)
        platform.bus._handlers[MessageTyping].remove(capture)
    typing, sent = seen
    assert typing.name == "message.typing"
    assert typing.participant_ids == [b.id]
    assert typing.user_id == a.id
    assert sent.name == "message.sent"
    assert sorted(sent.participant_ids) == sorted([a.id, b.id])
    assert sent.message["body"] == "hello"
    assert sent.message["conversation_id"] == conv["id"]


async def test_empty_message_and_filtered_words(client: httpx.AsyncClient, factory: Factory,
                                                pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    for empty in ({"body": "   "}, {}, {"body": None, "post_id": None}):
        r = await client.post(f"{API}/conversations/{conv['id']}/messages", json=empty,
                              headers=a.headers)
        assert r.status_code == 422, empty
    mod = await factory.moderator()
    r = await client.post("/api/moderation/filters", json={"pattern": "scam", "action": "reject"},
                          headers=mod.headers)
    assert r.status_code == 201
    r = await send(client, a, conv["id"], "this is a SC4M")
    assert r.status_code == 422
    assert r.json()["code"] == "filtered_text"


async def test_sharing_posts_respects_visibility(client: httpx.AsyncClient, factory: Factory,
                                                 platform: Any,
                                                 pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    other = await factory.user()

    def make_posts(session: Session) -> tuple[int, int]:
        public = Post(author_id=other.id, caption="linen look", visibility="public")
        private = Post(author_id=other.id, caption="secret", visibility="private")
        session.add_all([public, private])
        session.flush()
        return public.id, private.id

    public_id, private_id = await platform.db.run(make_posts)
    conv = await start(client, a, b)
    r = await client.post(f"{API}/conversations/{conv['id']}/messages",
                          json={"post_id": public_id}, headers=a.headers)
    assert r.status_code == 201
    assert r.json()["dm"]["post_id"] == public_id
    assert r.json()["dm"]["post_available"] is True
    r = await client.post(f"{API}/conversations/{conv['id']}/messages",
                          json={"post_id": private_id, "body": "look"}, headers=a.headers)
    assert r.status_code == 404
    r = await client.post(f"{API}/conversations/{conv['id']}/messages",
                          json={"media_id": 987654}, headers=a.headers)
    assert r.status_code == 404
    # The post later turns private: the recipient sees it is no longer available.

    def hide(session: Session) -> None:
        session.execute(update(Post).where(Post.id == public_id).values(visibility="private"))

    await platform.db.run(hide)
    dms = (await client.get(f"{API}/conversations/{conv['id']}/messages",
                            headers=b.headers)).json()["dms"]
    assert dms[0]["post_available"] is False


async def test_suspended_user_cannot_send(client: httpx.AsyncClient, platform: Any,
                                          pair: tuple[TestUser, TestUser]) -> None:
    from tanvi_social.accounts.service import suspend_user

    a, b = pair
    conv = await start(client, a, b)
    until = utcnow() + timedelta(days=2)
    await platform.db.run(suspend_user, a.id, until)
    await platform.cache.clear()
    r = await send(client, a, conv["id"])
    assert r.status_code == 403
    assert r.json()["code"] == "account_suspended"
    assert until.date().isoformat() in r.json()["error"]
    assert (await client.get(f"{API}/conversations/{conv['id']}/messages",
                             headers=a.headers)).status_code == 200


async def test_erasure_keeps_copies_as_from_deleted_user(
        client: httpx.AsyncClient, pair: tuple[TestUser, TestUser]) -> None:
    a, b = pair
    conv = await start(client, a, b)
    await send(client, a, conv["id"], "remember this")
    await send(client, b, conv["id"], "sure")
    export = await client.get("/api/auth/me/export", headers=a.headers)
    assert export.status_code == 200
    exported = export.json()["export"]["messages"]
    assert [m["body"] for m in exported["messages_sent"]] == ["remember this"]
    assert [c["id"] for c in exported["conversations"]] == [conv["id"]]
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=a.headers)
    assert r.status_code == 200
    dms = (await client.get(f"{API}/conversations/{conv['id']}/messages",
                            headers=b.headers)).json()["dms"]
    mine, theirs = dms
    assert mine["body"] == "sure"
    assert theirs["body"] == "remember this"
    assert theirs["sender_id"] is None
    assert theirs["sender_deleted"] is True
    assert theirs["sender"] is None
    r = await send(client, b, conv["id"], "hello?")
    assert r.status_code == 400
    assert r.json()["code"] == "conversation_closed"
