"""Group membership through the HTTP API: add, remove, leave, rename; who may not; what the
removed lose; system messages in the history; the `conversation.updated` event."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tanvi_social.messages.events import ConversationUpdated
from tests.factories import PASSWORD, Factory, TestUser
from tests.messages.test_conversations import API, send, start
from tests.social_helpers import block, follow


@pytest.fixture
async def trio(factory: Factory, platform: Any) -> tuple[TestUser, TestUser, TestUser]:
    """mia (the creator), zoe and lina, all following each other."""
    people = [await factory.user(name) for name in ("mia", "zoe", "lina")]
    for a in people:
        for b in people:
            if a is not b:
                await follow(platform, a.id, b.id)
    return people[0], people[1], people[2]


def members(conversation: dict[str, Any]) -> dict[int, str]:
    return {p["user"]["id"]: p["status"] for p in conversation["participants"]}


async def history(client: httpx.AsyncClient, user: TestUser, conv_id: int) -> list[dict]:
    r = await client.get(f"{API}/conversations/{conv_id}/messages", headers=user.headers)
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["dms"]))  # oldest first


async def add(client: httpx.AsyncClient, user: TestUser, conv_id: int,
              *people: TestUser) -> httpx.Response:
    return await client.post(f"{API}/conversations/{conv_id}/participants",
                             json={"user_ids": [p.id for p in people]}, headers=user.headers)


async def test_add_participant_sees_only_new_messages_and_system_message(
        client: httpx.AsyncClient, factory: Factory, platform: Any,
        trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    conv = await start(client, mia, zoe, lina, title="Brunch")
    assert conv["admin_id"] == mia.id
    assert (await send(client, mia, conv["id"], "before ava")).status_code == 201
    ava, stranger = await factory.user("ava"), await factory.user("stranger")
    await follow(platform, ava.id, zoe.id)

    # Any active participant may add: zoe adds ava (who follows zoe) and a stranger.
    r = await add(client, zoe, conv["id"], ava, stranger)
    assert r.status_code == 200, r.text
    after = members(r.json()["conversation"])
    assert after[ava.id] == "active"
    assert after[stranger.id] == "request"  # does not follow zoe: a message request
    assert len(after) == 5

    # The newcomer sees the conversation, the system message and what follows, not the past.
    assert (await client.get(f"{API}/conversations/{conv['id']}",
                             headers=ava.headers)).status_code == 200
    assert (await send(client, lina, conv["id"], "welcome")).status_code == 201
    seen = await history(client, ava, conv["id"])
    assert [m["kind"] for m in seen] == ["system", "user"]
    assert seen[0]["body"] == "Zoe added you and stranger"
    assert seen[0]["event"] == {"action": "added", "actor_id": zoe.id,
                                "user_ids": sorted([ava.id, stranger.id]), "title": None}
    assert seen[0]["sender_id"] is None
    assert seen[1]["body"] == "welcome"
    # The others keep the whole history and read the change in their words.
    old = await history(client, mia, conv["id"])
    assert [m["body"] for m in old] == ["before ava", "Zoe added ava and stranger", "welcome"]
    # The stranger got it as a request (with the system message as its last message).
    requests = (await client.get(f"{API}/requests", headers=stranger.headers)).json()
    assert [c["id"] for c in requests["conversations"]] == [conv["id"]]
    # A system message is no unread message.
    assert (await client.get(f"{API}/unread-count",
                             headers=ava.headers)).json()["unread"]["messages"] == 1


async def test_add_forbidden_paths(client: httpx.AsyncClient, factory: Factory, platform: Any,
                                   trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    conv = await start(client, mia, zoe, lina)
    outsider, blocked, blocker, newcomer = await factory.users(4)
    # Not a participant: 404, as for everything in a conversation one does not see.
    r = await add(client, outsider, conv["id"], newcomer)
    assert r.status_code == 404
    # Nobody can be added across a block, in either direction.
    await block(platform, mia.id, blocked.id)
    await block(platform, blocker.id, mia.id)
    for person in (blocked, blocker):
        r = await add(client, mia, conv["id"], person)
        assert r.status_code == 403
        assert r.json()["code"] == "blocked"
    # A block is between the adder and the added: zoe has no block with them.
    assert (await add(client, zoe, conv["id"], blocked)).status_code == 200
    # Already there: 409; unknown people: 404; an empty list: 422.
    r = await add(client, mia, conv["id"], zoe)
    assert r.status_code == 409
    assert r.json()["code"] == "already_participant"
    r = await client.post(f"{API}/conversations/{conv['id']}/participants",
                          json={"user_ids": [987654]}, headers=mia.headers)
    assert r.status_code == 404
    r = await client.post(f"{API}/conversations/{conv['id']}/participants",
                          json={"user_ids": []}, headers=mia.headers)
    assert r.status_code == 422
    # One-to-one conversations have no members to change.
    direct = await start(client, mia, zoe)
    r = await add(client, mia, direct["id"], newcomer)
    assert r.status_code == 400
    assert r.json()["code"] == "not_a_group"
    # Unauthenticated: 401.
    r = await client.post(f"{API}/conversations/{conv['id']}/participants",
                          json={"user_ids": [newcomer.id]})
    assert r.status_code == 401


async def test_pending_member_cannot_add_or_rename(client: httpx.AsyncClient, factory: Factory,
                                                  platform: Any) -> None:
    mia, follower, stranger, other = await factory.users(4)
    await follow(platform, follower.id, mia.id)
    conv = await start(client, mia, follower, stranger)
    assert members(conv)[stranger.id] == "request"
    r = await add(client, stranger, conv["id"], other)
    assert r.status_code == 403
    assert r.json()["code"] == "not_active_participant"
    r = await client.patch(f"{API}/conversations/{conv['id']}", json={"title": "mine"},
                           headers=stranger.headers)
    assert r.status_code == 403
    # Accepting the request makes them a full member.
    assert (await client.post(f"{API}/requests/{conv['id']}/accept",
                              headers=stranger.headers)).status_code == 200
    assert (await add(client, stranger, conv["id"], other)).status_code == 200


async def test_group_cap_is_enforced(client: httpx.AsyncClient, factory: Factory) -> None:
    mia = await factory.user()
    others = await factory.users(18)
    conv = await start(client, mia, *others)
    assert len(conv["participants"]) == 19
    two = await factory.users(2)
    r = await add(client, mia, conv["id"], *two)
    assert r.status_code == 409
    assert r.json()["code"] == "group_full"
    r = await add(client, mia, conv["id"], two[0])
    assert r.status_code == 200
    assert len(r.json()["conversation"]["participants"]) == 20
    r = await add(client, mia, conv["id"], two[1])
    assert r.status_code == 409
    assert r.json()["code"] == "group_full"
    # More than 19 people in one request is refused by validation.
    many = await factory.users(20)
    r = await client.post(f"{API}/conversations/{conv['id']}/participants",
                          json={"user_ids": [u.id for u in many]}, headers=mia.headers)
    assert r.status_code == 422


async def test_remove_is_for_the_admin_and_the_removed_lose_access(
        client: httpx.AsyncClient, factory: Factory, platform: Any,
        trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    outsider = await factory.user()
    conv = await start(client, mia, zoe, lina)
    await send(client, lina, conv["id"], "hi all")
    url = f"{API}/conversations/{conv['id']}/participants"
    # Not the creator: 403; not a participant: 404; no such member: 404; oneself: use /leave.
    r = await client.delete(f"{url}/{lina.id}", headers=zoe.headers)
    assert r.status_code == 403
    assert r.json()["code"] == "not_group_admin"
    assert (await client.delete(f"{url}/{lina.id}", headers=outsider.headers)).status_code == 404
    r = await client.delete(f"{url}/{outsider.id}", headers=mia.headers)
    assert r.status_code == 404
    r = await client.delete(f"{url}/{mia.id}", headers=mia.headers)
    assert r.status_code == 400
    assert r.json()["code"] == "use_leave"

    r = await client.delete(f"{url}/{lina.id}", headers=mia.headers)
    assert r.status_code == 200, r.text
    assert set(members(r.json()["conversation"])) == {mia.id, zoe.id}
    # Lina can no longer read, send, type, mark read, or see it listed.
    assert (await client.get(f"{API}/conversations/{conv['id']}",
                             headers=lina.headers)).status_code == 404
    assert (await client.get(f"{API}/conversations/{conv['id']}/messages",
                             headers=lina.headers)).status_code == 404
    assert (await send(client, lina, conv["id"], "still here?")).status_code == 404
    assert (await client.post(f"{API}/conversations/{conv['id']}/read",
                              headers=lina.headers)).status_code == 404
    listed = (await client.get(f"{API}/conversations", headers=lina.headers)).json()
    assert conv["id"] not in [c["id"] for c in listed["conversations"]]
    assert (await add(client, lina, conv["id"], outsider)).status_code == 404
    # The others see who removed whom; a removed person can be added back later.
    seen = await history(client, zoe, conv["id"])
    assert seen[-1]["body"] == f"{mia.username.capitalize()} removed lina"
    assert (await add(client, zoe, conv["id"], lina)).status_code == 200
    assert (await client.get(f"{API}/conversations/{conv['id']}",
                             headers=lina.headers)).status_code == 200


async def test_leave_passes_the_admin_role_and_the_last_one_ends_the_group(
        client: httpx.AsyncClient, factory: Factory,
        trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    outsider = await factory.user()
    conv = await start(client, mia, zoe, lina)
    leave = f"{API}/conversations/{conv['id']}/leave"
    assert (await client.post(leave, headers=outsider.headers)).status_code == 404
    r = await client.post(leave, headers=mia.headers)
    assert r.status_code == 200
    assert (await client.get(f"{API}/conversations/{conv['id']}",
                             headers=mia.headers)).status_code == 404
    now = (await client.get(f"{API}/conversations/{conv['id']}", headers=zoe.headers)).json()
    assert now["conversation"]["admin_id"] == zoe.id  # the longest-standing member
    assert now["conversation"]["created_by"] == zoe.id
    assert now["conversation"]["last_message"]["body"] == "Mia left"
    # The new admin may remove people.
    r = await client.delete(f"{API}/conversations/{conv['id']}/participants/{lina.id}",
                            headers=zoe.headers)
    assert r.status_code == 200
    assert (await client.post(leave, headers=zoe.headers)).status_code == 200
    # Nobody left: the group is gone.
    assert (await client.get(f"{API}/conversations/{conv['id']}",
                             headers=zoe.headers)).status_code == 404
    assert (await client.post(leave, headers=zoe.headers)).status_code == 404
    direct = await start(client, mia, zoe)
    r = await client.post(f"{API}/conversations/{direct['id']}/leave", headers=mia.headers)
    assert r.status_code == 400


async def test_rename(client: httpx.AsyncClient, factory: Factory,
                      trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    outsider = await factory.user()
    conv = await start(client, mia, zoe, lina)
    url = f"{API}/conversations/{conv['id']}"
    r = await client.patch(url, json={"title": "  Linen   lovers "}, headers=zoe.headers)
    assert r.status_code == 200
    assert r.json()["conversation"]["title"] == "Linen lovers"
    assert (await client.patch(url, json={"title": "x"},
                               headers=outsider.headers)).status_code == 404
    assert (await client.patch(url, json={"title": "x" * 101},
                               headers=mia.headers)).status_code == 422
    assert (await client.patch(url, json={"title": "x"})).status_code == 401
    # Renaming to the same name records nothing; clearing it does.
    await client.patch(url, json={"title": "Linen lovers"}, headers=mia.headers)
    r = await client.patch(url, json={"title": None}, headers=lina.headers)
    assert r.json()["conversation"]["title"] is None
    bodies = [m["body"] for m in await history(client, mia, conv["id"])]
    assert bodies == ["Zoe named the group “Linen lovers”", "Lina removed the group name"]
    direct = await start(client, mia, zoe)
    r = await client.patch(f"{API}/conversations/{direct['id']}", json={"title": "us"},
                           headers=mia.headers)
    assert r.status_code == 400
    assert r.json()["code"] == "not_a_group"


async def test_system_messages_cannot_be_unsent(client: httpx.AsyncClient, factory: Factory,
                                                trio: tuple[TestUser, TestUser, TestUser]
                                                ) -> None:
    mia, zoe, lina = trio
    conv = await start(client, mia, zoe, lina)
    await client.patch(f"{API}/conversations/{conv['id']}", json={"title": "Hi"},
                       headers=mia.headers)
    system = (await history(client, mia, conv["id"]))[-1]
    r = await client.delete(f"{API}/messages/{system['id']}?for=everyone", headers=mia.headers)
    assert r.status_code == 403
    # Nobody's words: it cannot be reported either.
    r = await client.post("/api/moderation/reports", json={
        "target_type": "message", "target_id": system["id"], "reason": "spam"},
        headers=zoe.headers)
    assert r.status_code == 404
    r = await client.delete(f"{API}/messages/{system['id']}?for=me", headers=mia.headers)
    assert r.status_code == 200
    assert await history(client, mia, conv["id"]) == []


async def test_membership_events(client: httpx.AsyncClient, factory: Factory, platform: Any,
                                 trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    ava, kim = await factory.user(), await factory.user()
    conv = await start(client, mia, zoe, lina)
    seen: list[Any] = []

    async def capture(event: Any) -> None:
        seen.append(event)

    platform.bus.subscribe(ConversationUpdated, capture)
    try:
        assert (await add(client, mia, conv["id"], kim, ava)).status_code == 200
        assert (await client.delete(f"{API}/conversations/{conv['id']}/participants/{ava.id}",
                                    headers=mia.headers)).status_code == 200
        assert (await client.post(f"{API}/conversations/{conv['id']}/leave",
                                  headers=zoe.headers)).status_code == 200
    finally:
        platform.bus._handlers[ConversationUpdated].remove(capture)
    added, removed, left = seen
    assert (added.change, added.actor_id) == ("added", mia.id)
    assert sorted(added.user_ids) == sorted([kim.id, ava.id])
    assert sorted(added.participant_ids) == sorted([mia.id, zoe.id, lina.id, kim.id, ava.id])
    assert added.message["kind"] == "system"
    assert added.message["body"].startswith(f"{mia.username.capitalize()} added ")
    # The removed person and the leaver hear about it too, then nothing more.
    assert sorted(removed.participant_ids) == sorted([mia.id, zoe.id, lina.id, kim.id, ava.id])
    assert sorted(left.participant_ids) == sorted([mia.id, zoe.id, lina.id, kim.id])


async def test_erasure_unnames_people_in_system_messages(
        client: httpx.AsyncClient, factory: Factory,
        trio: tuple[TestUser, TestUser, TestUser]) -> None:
    mia, zoe, lina = trio
    ava = await factory.user("ava2")
    conv = await start(client, mia, zoe, lina)
    await add(client, zoe, conv["id"], ava)
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=mia.headers)
    assert r.status_code == 200
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=ava.headers)
    assert r.status_code == 200
    seen = await history(client, lina, conv["id"])
    assert seen[-1]["event"]["user_ids"] == []
    assert seen[-1]["body"] == "Zoe added someone"
    # The creator erased their account: the longest-standing member is the admin now.
    now = (await client.get(f"{API}/conversations/{conv['id']}", headers=lina.headers)).json()
    assert now["conversation"]["admin_id"] == zoe.id
