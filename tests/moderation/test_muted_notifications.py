"""Muted words and notifications: a comment, reply or mention containing one of the recipient's
muted words notifies nobody who muted it (and everybody else as before)."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tanvi_social.moderation.muted import matcher, matchers_for
from tests.content.helpers import make_post
from tests.factories import Factory, TestUser

MUTED = "/api/social/muted-words"


async def mute_word(client: AsyncClient, user: TestUser, phrase: str) -> None:
    r = await client.post(MUTED, json={"phrase": phrase}, headers=user.headers)
    assert r.status_code == 201, r.text


async def notes(client: AsyncClient, user: TestUser) -> list[dict[str, Any]]:
    r = await client.get("/api/social/notifications", headers=user.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["notifications"])


async def comment(client: AsyncClient, user: TestUser, post_id: int, text: str,
                  parent: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"content": text}
    if parent is not None:
        body["parent_comment_id"] = parent
    r = await client.post(f"/api/content/posts/{post_id}/comments", json=body,
                          headers=user.headers)
    assert r.status_code == 201, r.text
    return dict(r.json()["comment"])


async def test_comment_with_a_muted_word_does_not_notify(client: AsyncClient,
                                                         factory: Factory) -> None:
    author, fan = await factory.user(), await factory.user()
    post = await make_post(client, author, "Sunday look")
    await mute_word(client, author, "Crocs")
    await comment(client, fan, post["id"], "Wear CRÔCS with it!")
    assert await notes(client, author) == []
    # The comment itself is there for everyone; only the notification is left out.
    r = await client.get(f"/api/content/posts/{post['id']}/comments", headers=author.headers)
    assert [c["content"] for c in r.json()["comments"]] == ["Wear CRÔCS with it!"]
    await comment(client, fan, post["id"], "Love the crocodile bag")
    found = await notes(client, author)
    assert [(n["type"], n["data"]["excerpt"]) for n in found] == [
        ("comment", "Love the crocodile bag")]


async def test_replies_and_mentions_respect_each_recipients_muted_words(
        client: AsyncClient, factory: Factory) -> None:
    author, replier, muter, other = await factory.users(4)
    await mute_word(client, muter, "spoiler")
    post = await make_post(client, author, "Runway recap")
    first = await comment(client, muter, post["id"], "What a show")
    # A reply with the word: the muter (whose comment it answers) is not told.
    await comment(client, replier, post["id"], "Spoiler: it gets better", parent=first["id"])
    assert [n["type"] for n in await notes(client, muter)] == []
    # Mentions in a comment: the muter is not told, another mentioned person is.
    await comment(client, replier, post["id"],
                  f"@{muter.username} @{other.username} no spoiler please")
    assert [n["type"] for n in await notes(client, muter)] == []
    assert [n["type"] for n in await notes(client, other)] == ["mention"]
    # A post whose caption mentions them with the word: same.
    await make_post(client, replier, f"Spoiler-free zone, right @{muter.username} "
                                     f"@{other.username}?")
    assert [n["type"] for n in await notes(client, muter)] == []
    assert [n["type"] for n in await notes(client, other)] == ["mention", "mention"]
    # Without the word, the muter is notified as usual.
    await make_post(client, replier, f"New look, @{muter.username}")
    assert [n["type"] for n in await notes(client, muter)] == ["mention"]


async def test_matchers_load_many_users_in_one_go(factory: Factory, platform: Any,
                                                  client: AsyncClient) -> None:
    a, b, c = await factory.users(3)
    await mute_word(client, a, "crocs")
    await mute_word(client, b, "fast fashion")
    found = await platform.db.read(matchers_for, [a.id, b.id, c.id])
    assert set(found) == {a.id, b.id}
    assert found[a.id].matches(None, "Crôcs!")
    assert not found[a.id].matches("fast fashion")
    assert found[b.id].matches("so much FAST-fashion")
    # Each text on its own: a phrase never spans two of them.
    assert not matcher(["fast fashion"]).matches("fast", "fashion")
    assert not matcher([])
