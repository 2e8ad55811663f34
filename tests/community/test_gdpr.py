from __future__ import annotations

from httpx import AsyncClient

from tanvi_social.community.models import Community, Event, Mentor, StyleTip
from tests.community.conftest import join, make_community, make_event, rsvp
from tests.community.test_mentorship import become, request
from tests.factories import PASSWORD, Factory

API = "/api/community"


class TestGDPR:
    async def test_export_and_erase_keep_counts_exact(self, client: AsyncClient,
                                                      factory: Factory, platform) -> None:
        leaver, owner, heir, waiting, mentor_user = [await factory.user() for _ in range(5)]
        # leaver created a community with a moderator (the heir), and joined another
        own = await make_community(client, leaver, name="Leaver's club")
        await join(client, own["id"], heir)
        await client.post(f"{API}/communities/{own['id']}/members/{heir.id}/role",
                          json={"role": "admin"}, headers=leaver.headers)
        other = await make_community(client, owner)
        await join(client, other["id"], leaver)
        # leaver holds the only place of an event; someone waits behind
        ev = await make_event(client, owner, max_attendees=1)
        await rsvp(client, ev["id"], leaver)
        await rsvp(client, ev["id"], waiting)
        # leaver is an active, reviewing mentee and liked a tip
        m = await become(client, mentor_user)
        done = (await request(client, m["id"], leaver))["mentorship"]["id"]
        await client.post(f"{API}/mentorships/{done}/accept", headers=mentor_user.headers)
        await client.post(f"{API}/mentorships/{done}/complete", headers=mentor_user.headers)
        await client.post(f"{API}/mentorships/{done}/review", json={"rating": 2},
                          headers=leaver.headers)
        active = (await request(client, m["id"], leaver))["mentorship"]["id"]
        await client.post(f"{API}/mentorships/{active}/accept", headers=mentor_user.headers)
        await client.post(f"{API}/tips/5/like", headers=leaver.headers)
        await client.post(f"{API}/tips/5/like", headers=owner.headers)

        r = await client.get("/api/auth/me/export", headers=leaver.headers)
        data = r.json()["export"]["community"]
        assert {x["community_id"] for x in data["memberships"]} == {own["id"], other["id"]}
        assert data["rsvps"][0]["status"] == "confirmed"
        assert [s["rating"] for s in data["mentorships"] if s["rating"]] == [2]
        assert data["tip_reactions"] == [{"tip_id": 5, "kind": "like",
                                          "at": data["tip_reactions"][0]["at"]}]
        # someone else's export never carries the leaver's event credentials
        r = await client.get("/api/auth/me/export", headers=waiting.headers)
        assert "s3cret-pass" not in r.text

        r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                                 headers=leaver.headers)
        assert r.status_code == 200, r.text

        def state(s):
            c_own, c_other = s.get(Community, own["id"]), s.get(Community, other["id"])
            e = s.get(Event, ev["id"])
            mentor = s.get(Mentor, m["id"])
            return {"own": (c_own.members_count, c_own.creator_id, c_own.deleted_at is None),
                    "other": c_other.members_count,
                    "event": (e.going_count, e.yes_count, e.waitlist_count),
                    "mentor": (mentor.active_mentees, mentor.reviews_count, mentor.rating_sum),
                    "tip": s.get(StyleTip, 5).like_count}
        assert await platform.db.read(state) == {
            "own": (1, heir.id, True), "other": 1, "event": (1, 1, 0), "mentor": (0, 0, 0),
            "tip": 1}
        r = await client.get(f"{API}/communities/{own['id']}", headers=heir.headers)
        assert r.json()["community"]["viewer"]["role"] == "creator"
        r = await client.get(f"{API}/events/{ev['id']}", headers=waiting.headers)
        assert r.json()["event"]["viewer_rsvp"]["status"] == "confirmed"
