from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.community.models import Mentor, Mentorship
from tanvi_social.social.models import Notification, Profile
from tests.factories import Factory

API = "/api/community"


async def become(client: AsyncClient, user, **fields) -> dict:
    body = {"headline": "Stylist", "expertise": ["minimalist", "workwear"],
            "experience_years": 5, "max_mentees": 2,
            "availability": [{"weekday": "mon", "start": "18:00", "end": "20:00",
                              "timezone": "Europe/London"}], **fields}
    r = await client.post(f"{API}/mentors", json=body, headers=user.headers)
    assert r.status_code == 201, r.text
    return r.json()["mentor"]


async def request(client: AsyncClient, mentor_id: int, user, expect: int = 201) -> dict:
    r = await client.post(f"{API}/mentors/{mentor_id}/request",
                          json={"goals": ["minimalist"], "message": "Help me build a capsule"},
                          headers=user.headers)
    assert r.status_code == expect, r.text
    return r.json()


async def set_style_tags(platform, user_id: int, tags: list[str]) -> None:
    def write(s):
        p = s.get(Profile, user_id)
        if p is None:
            s.add(Profile(user_id=user_id, style_tags=tags))
        else:
            p.style_tags = tags
    await platform.db.run(write)


def at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


class TestMentors:
    async def test_become_mentor_once(self, client: AsyncClient, factory: Factory) -> None:
        u = await factory.user()
        m = await become(client, u)
        assert m["places_left"] == 2
        assert m["average_rating"] is None
        assert m["availability"][0]["timezone"] == "Europe/London"
        r = await client.post(f"{API}/mentors", json={"expertise": ["x"]}, headers=u.headers)
        assert r.status_code == 409
        r = await client.put(f"{API}/mentors/me", json={"max_mentees": 4, "headline": "Coach"},
                             headers=u.headers)
        assert r.status_code == 200
        assert r.json()["mentor"]["max_mentees"] == 4
        r = await client.post(f"{API}/mentors", json={"expertise": []},
                              headers=(await factory.user()).headers)
        assert r.status_code == 422

    async def test_ranked_by_match_with_reasons(self, client: AsyncClient, factory: Factory,
                                                platform) -> None:
        a, b, c, mentee = [await factory.user() for _ in range(4)]
        ma = await become(client, a, expertise=["streetwear"], experience_years=10)
        mb = await become(client, b, expertise=["minimalist", "classic"], experience_years=2)
        mc = await become(client, c, expertise=["minimalist"], experience_years=8)
        await set_style_tags(platform, mentee.id, ["minimalist", "classic"])
        r = await client.get(f"{API}/mentors", headers=mentee.headers)
        mentors = r.json()["mentors"]
        assert [m["id"] for m in mentors] == [mb["id"], mc["id"], ma["id"]]
        assert mentors[0]["match"]["shared_tags"] == ["minimalist", "classic"]
        assert mentors[0]["match"]["reasons"][0].startswith("Shares 2 of your 2 style goals")
        assert mentors[0]["match"]["score"] > mentors[1]["match"]["score"]
        # explicit goals override the profile
        r = await client.get(f"{API}/mentors", params={"goals": "streetwear"},
                             headers=mentee.headers)
        assert r.json()["mentors"][0]["id"] == ma["id"]
        r = await client.get(f"{API}/mentors", params={"expertise": "classic"})
        assert [m["id"] for m in r.json()["mentors"]] == [mb["id"]]
        assert (await client.get(f"{API}/mentors/{mc['id']}")).status_code == 200
        assert (await client.get(f"{API}/mentors/999999")).status_code == 404


class TestMentorshipFlow:
    async def test_request_accept_session_complete_review(self, client: AsyncClient,
                                                          factory: Factory, platform) -> None:
        mentor_user, mentee, other = [await factory.user() for _ in range(3)]
        m = await become(client, mentor_user)
        await request(client, m["id"], mentor_user, expect=400)  # not oneself
        ship = (await request(client, m["id"], mentee))["mentorship"]
        assert ship["status"] == "pending"
        await request(client, m["id"], mentee, expect=409)  # one open request per pair
        n = await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(
            Notification).where(Notification.recipient_id == mentor_user.id,
                                Notification.type == "mentorship_request")))
        assert n == 1
        sid = ship["id"]
        # strangers see nothing; the mentee cannot accept their own request
        assert (await client.get(f"{API}/mentorships/{sid}", headers=other.headers)
                ).status_code == 404
        assert (await client.post(f"{API}/mentorships/{sid}/accept", headers=other.headers)
                ).status_code == 404
        assert (await client.post(f"{API}/mentorships/{sid}/accept", headers=mentee.headers)
                ).status_code == 403
        r = await client.post(f"{API}/mentorships/{sid}/accept", headers=mentor_user.headers)
        assert r.status_code == 200
        assert r.json()["mentorship"]["status"] == "active"
        mentor = (await client.get(f"{API}/mentors/{m['id']}")).json()["mentor"]
        assert mentor["active_mentees"] == 1
        # sessions: no double booking of the mentor
        r = await client.post(f"{API}/mentorships/{sid}/sessions",
                              json={"starts_at": at(30), "duration_minutes": 60,
                                    "topic": "Wardrobe audit"}, headers=mentee.headers)
        assert r.status_code == 201, r.text
        r = await client.post(f"{API}/mentorships/{sid}/sessions",
                              json={"starts_at": at(30.5), "duration_minutes": 60},
                              headers=mentor_user.headers)
        assert r.status_code == 409
        assert r.json()["code"] == "mentor_double_booked"
        r = await client.post(f"{API}/mentorships/{sid}/sessions",
                              json={"starts_at": at(31), "duration_minutes": 30},
                              headers=mentor_user.headers)
        assert r.status_code == 201  # back to back is fine
        r = await client.post(f"{API}/mentorships/{sid}/sessions",
                              json={"starts_at": at(-1)}, headers=mentee.headers)
        assert r.status_code == 422
        # review only after completion, by the mentee, once
        r = await client.post(f"{API}/mentorships/{sid}/review", json={"rating": 5},
                              headers=mentee.headers)
        assert r.status_code == 400
        r = await client.post(f"{API}/mentorships/{sid}/complete", headers=mentee.headers)
        assert r.status_code == 200
        assert r.json()["mentorship"]["status"] == "completed"
        assert len(r.json()["mentorship"]["sessions"]) == 2
        r = await client.post(f"{API}/mentorships/{sid}/review", json={"rating": 6},
                              headers=mentee.headers)
        assert r.status_code == 422
        r = await client.post(f"{API}/mentorships/{sid}/review", json={"rating": 4},
                              headers=mentor_user.headers)
        assert r.status_code == 403
        r = await client.post(f"{API}/mentorships/{sid}/review",
                              json={"rating": 4, "review": "Great eye"}, headers=mentee.headers)
        assert r.status_code == 200
        r = await client.post(f"{API}/mentorships/{sid}/review", json={"rating": 1},
                              headers=mentee.headers)
        assert r.status_code == 409
        # a second mentee rates 5 → exact average 4.5
        second = await factory.user()
        s2 = (await request(client, m["id"], second))["mentorship"]["id"]
        await client.post(f"{API}/mentorships/{s2}/accept", headers=mentor_user.headers)
        await client.post(f"{API}/mentorships/{s2}/complete", headers=mentor_user.headers)
        await client.post(f"{API}/mentorships/{s2}/review", json={"rating": 5},
                          headers=second.headers)
        mentor = (await client.get(f"{API}/mentors/{m['id']}")).json()["mentor"]
        assert mentor["average_rating"] == 4.5
        assert mentor["reviews_count"] == 2
        assert mentor["active_mentees"] == 0
        r = await client.get(f"{API}/mentorships", params={"role": "mentor"},
                             headers=mentor_user.headers)
        assert r.json()["pagination"]["total"] == 2
        r = await client.get(f"{API}/mentorships", headers=mentee.headers)
        assert [x["id"] for x in r.json()["mentorships"]] == [sid]

    async def test_decline_and_cancel(self, client: AsyncClient, factory: Factory,
                                      platform) -> None:
        mentor_user, mentee = await factory.user(), await factory.user()
        m = await become(client, mentor_user)
        sid = (await request(client, m["id"], mentee))["mentorship"]["id"]
        r = await client.post(f"{API}/mentorships/{sid}/decline", json={"note": "Full month"},
                              headers=mentor_user.headers)
        assert r.json()["mentorship"]["status"] == "declined"
        assert (await client.post(f"{API}/mentorships/{sid}/accept",
                                  headers=mentor_user.headers)).status_code == 400
        sid = (await request(client, m["id"], mentee))["mentorship"]["id"]  # may ask again
        await client.post(f"{API}/mentorships/{sid}/accept", headers=mentor_user.headers)
        r = await client.post(f"{API}/mentorships/{sid}/cancel", headers=mentee.headers)
        assert r.json()["mentorship"]["status"] == "cancelled"
        active = await platform.db.read(lambda s: s.get(Mentor, m["id"]).active_mentees)
        assert active == 0


class TestCapacity:
    async def test_max_mentees_exact_under_concurrency(self, client: AsyncClient,
                                                       factory: Factory, platform) -> None:
        mentor_user = await factory.user()
        m = await become(client, mentor_user, max_mentees=2)
        mentees = await factory.users(6, prefix="mentee")
        ids = [(await request(client, m["id"], u))["mentorship"]["id"] for u in mentees]
        results = await asyncio.gather(*(client.post(f"{API}/mentorships/{i}/accept",
                                                     headers=mentor_user.headers) for i in ids))
        assert sorted(r.status_code for r in results) == [200, 200, 409, 409, 409, 409]
        state = await platform.db.read(lambda s: (
            s.get(Mentor, m["id"]).active_mentees,
            s.scalar(select(func.count()).select_from(Mentorship).where(
                Mentorship.status == "active"))))
        assert state == (2, 2)
        # full: new requests are refused and the mentor leaves the default listing
        late = await factory.user()
        await request(client, m["id"], late, expect=409)
        r = await client.get(f"{API}/mentors")
        assert r.json()["mentors"] == []

    async def test_concurrent_bookings_never_overlap(self, client: AsyncClient,
                                                     factory: Factory) -> None:
        mentor_user = await factory.user()
        m = await become(client, mentor_user, max_mentees=3)
        mentees = await factory.users(3, prefix="booker")
        ships = []
        for u in mentees:
            sid = (await request(client, m["id"], u))["mentorship"]["id"]
            await client.post(f"{API}/mentorships/{sid}/accept", headers=mentor_user.headers)
            ships.append((sid, u))
        slot = at(50)
        results = await asyncio.gather(*(client.post(
            f"{API}/mentorships/{sid}/sessions", json={"starts_at": slot}, headers=u.headers)
            for sid, u in ships))
        assert sorted(r.status_code for r in results) == [201, 409, 409]
