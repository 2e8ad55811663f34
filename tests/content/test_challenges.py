"""Challenges: who may create, join, entries, fair ordering, votes, closing and winners."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import update

from tanvi_social.content.models import Challenge
from tanvi_social.content.tasks import close_due_challenges
from tanvi_social.core.time import utcnow
from tests.content.helpers import make_post, notifications
from tests.factories import Factory

BASE = "/api/content/challenges"


async def new_challenge(client: AsyncClient, creator: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "Monochrome week", "hashtag": "#MonoWeek",
            "ends_at": (utcnow() + timedelta(days=7)).isoformat(), **fields}
    r = await client.post(BASE, json=body, headers=creator.headers)
    assert r.status_code == 201, r.text
    return r.json()["challenge"]


async def end_now(platform: Any, challenge_id: int) -> None:
    now = utcnow()
    await platform.db.run(lambda s: s.execute(update(Challenge).where(
        Challenge.id == challenge_id).values(starts_at=now - timedelta(days=2),
                                             ends_at=now - timedelta(seconds=1))))


class TestCreate:
    async def test_who_may_create(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user()
        verified = await factory.user(is_verified=True)
        mod = await factory.moderator()
        r = await client.post(BASE, json={"title": "Nope", "ends_at": (
            utcnow() + timedelta(days=1)).isoformat()}, headers=user.headers)
        assert r.status_code == 403
        assert (await new_challenge(client, verified))["hashtag"] == "monoweek"
        c = await new_challenge(client, mod, difficulty="hard")
        assert c["status"] == "open"
        assert c["viewer"] == {"joined": False, "entry_id": None, "votes_cast": 0}

    async def test_bad_dates(self, client: AsyncClient, factory: Factory) -> None:
        mod = await factory.moderator()
        for ends in (utcnow() - timedelta(days=1), utcnow() + timedelta(days=120)):
            r = await client.post(BASE, json={"title": "Dates", "ends_at": ends.isoformat()},
                                  headers=mod.headers)
            assert r.status_code == 422
        r = await client.post(BASE, json={"title": "  ", "ends_at": utcnow().isoformat()},
                              headers=mod.headers)
        assert r.status_code == 422

    async def test_list_and_filters(self, client: AsyncClient, factory: Factory,
                                    platform: Any) -> None:
        mod = await factory.moderator()
        a = await new_challenge(client, mod, title="Alpha", challenge_type="color")
        b = await new_challenge(client, mod, title="Beta")
        await end_now(platform, b["id"])
        r = await client.get(f"{BASE}?status=open")
        assert [c["id"] for c in r.json()["challenges"]] == [a["id"]]
        r = await client.get(f"{BASE}?status=closed")
        assert [c["id"] for c in r.json()["challenges"]] == [b["id"]]
        r = await client.get(f"{BASE}?type=color")
        assert [c["id"] for c in r.json()["challenges"]] == [a["id"]]
        assert (await client.get(f"{BASE}/999999")).status_code == 404


class TestPlay:
    async def test_full_cycle(self, client: AsyncClient, factory: Factory,
                              platform: Any) -> None:
        mod = await factory.moderator()
        alice, bob, cara, dan = await factory.users(4)
        challenge = await new_challenge(client, mod)
        cid = challenge["id"]
        r = await client.post(f"{BASE}/{cid}/join", headers=alice.headers)
        assert r.status_code == 201
        assert r.json()["challenge"]["participants_count"] == 1
        assert (await client.post(f"{BASE}/{cid}/join", headers=alice.headers)).status_code \
            == 409
        entries = {}
        for user in (alice, bob, cara):
            post = await make_post(client, user, f"entry by {user.username} #monoweek")
            r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": post["id"]},
                                  headers=user.headers)
            assert r.status_code == 201, r.text
            assert r.json()["entry"]["vote_count"] is None
            entries[user.username] = r.json()["entry"]["id"]
        # someone else's post, a second entry, a private post
        other = await make_post(client, dan, "dan's")
        r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": other["id"]},
                              headers=alice.headers)
        assert r.status_code == 403
        second = await make_post(client, alice, "second")
        r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": second["id"]},
                              headers=alice.headers)
        assert r.status_code == 409
        hidden = await make_post(client, dan, "hidden", visibility="private")
        r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": hidden["id"]},
                              headers=dan.headers)
        assert r.status_code == 400
        r = await client.get(f"/api/content/posts?challenge_id={cid}")
        assert r.json()["pagination"]["total"] == 3
        # votes: bob's entry gets 2, cara's 1, alice's 1 (cara's vote is earlier than alice's)
        async def vote(user: Any, name: str, status: int = 201) -> None:
            r = await client.post(f"{BASE}/{cid}/entries/{entries[name]}/vote",
                                  headers=user.headers)
            assert r.status_code == status, r.text

        await vote(alice, alice.username, 403)
        await vote(alice, bob.username)
        await vote(alice, bob.username, 409)
        await vote(dan, bob.username)
        await vote(dan, cara.username)
        await vote(bob, alice.username)
        await vote(cara, alice.username)
        r = await client.delete(f"{BASE}/{cid}/entries/{entries[alice.username]}/vote",
                                headers=cara.headers)
        assert r.status_code == 200
        r = await client.delete(f"{BASE}/{cid}/entries/{entries[alice.username]}/vote",
                                headers=cara.headers)
        assert r.status_code == 404
        # open: totals hidden, order shuffled per viewer and stable for that viewer
        first = (await client.get(f"{BASE}/{cid}/entries", headers=dan.headers)).json()
        again = (await client.get(f"{BASE}/{cid}/entries", headers=dan.headers)).json()
        assert first["ordering"] == "shuffled"
        assert [e["id"] for e in first["entries"]] == [e["id"] for e in again["entries"]]
        assert {e["vote_count"] for e in first["entries"]} == {None}
        assert {e["id"] for e in first["entries"] if e["voted"]} == {
            entries[bob.username], entries[cara.username]}
        orders = set()
        for viewer in await factory.users(8):
            listing = (await client.get(f"{BASE}/{cid}/entries", headers=viewer.headers)).json()
            orders.add(tuple(e["id"] for e in listing["entries"]))
        assert len(orders) > 1
        # close
        await end_now(platform, cid)
        r = await client.post(f"{BASE}/{cid}/entries/{entries[bob.username]}/vote",
                              headers=cara.headers)
        assert r.status_code == 400
        assert r.json()["code"] == "challenge_closed"
        late = await make_post(client, dan, "late")
        r = await client.post(f"{BASE}/{cid}/entries", json={"post_id": late["id"]},
                              headers=dan.headers)
        assert r.status_code == 400
        board = (await client.get(f"{BASE}/{cid}/entries")).json()
        assert board["ordering"] == "leaderboard"
        ranked = [(e["id"], e["vote_count"], e["rank"]) for e in board["entries"]]
        assert ranked == [(entries[bob.username], 2, 1), (entries[cara.username], 1, 2),
                          (entries[alice.username], 1, 3)]
        detail = (await client.get(f"{BASE}/{cid}")).json()["challenge"]
        assert detail["status"] == "closed"
        assert detail["winners_recorded"] is False
        assert detail["winners"] == [entries[bob.username], entries[cara.username],
                                     entries[alice.username]]
        closed = await platform.db.run(close_due_challenges)
        assert closed == 1
        assert await platform.db.run(close_due_challenges) == 0
        detail = (await client.get(f"{BASE}/{cid}")).json()["challenge"]
        assert detail["winners_recorded"] is True
        assert detail["winners"][0] == entries[bob.username]
        assert "challenge_won" in {n["type"] for n in await notifications(client, bob)}
        assert "challenge_entry" in {n["type"] for n in await notifications(client, mod)}

    async def test_deleting_an_entry_post_withdraws_it(self, client: AsyncClient,
                                                       factory: Factory) -> None:
        mod = await factory.moderator()
        alice = await factory.user()
        c = await new_challenge(client, mod)
        post = await make_post(client, alice, "entry")
        r = await client.post(f"{BASE}/{c['id']}/entries", json={"post_id": post["id"]},
                              headers=alice.headers)
        assert r.status_code == 201
        await client.delete(f"/api/content/posts/{post['id']}", headers=alice.headers)
        detail = (await client.get(f"{BASE}/{c['id']}")).json()["challenge"]
        assert detail["entries_count"] == 0
        assert (await client.get(f"{BASE}/{c['id']}/entries")).json()["entries"] == []

    async def test_upcoming_refuses_entries(self, client: AsyncClient, factory: Factory) -> None:
        mod = await factory.moderator()
        alice = await factory.user()
        c = await new_challenge(client, mod, starts_at=(utcnow() + timedelta(days=1)).isoformat())
        assert c["status"] == "upcoming"
        post = await make_post(client, alice, "early")
        r = await client.post(f"{BASE}/{c['id']}/entries", json={"post_id": post["id"]},
                              headers=alice.headers)
        assert r.status_code == 400
        assert r.json()["code"] == "challenge_not_started"
        assert (await client.post(f"{BASE}/{c['id']}/join", headers=alice.headers)).status_code \
            == 201
