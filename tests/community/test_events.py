from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import icalendar
from httpx import AsyncClient
from sqlalchemy import func, select

from tanvi_social.community.models import RSVP, Event
from tanvi_social.community.tasks import send_event_reminders
from tanvi_social.social.models import Notification
from tests.community.conftest import future, join, make_community, make_event, rsvp
from tests.factories import Factory

API = "/api/community/events"
SECRETS = ("s3cret-pass", "meet.example.com/abc", "123 456")


async def db_counts(platform, event_id: int) -> dict[str, int]:
    """The stored counters next to the values recomputed from the RSVP rows."""
    def read(s):
        e = s.get(Event, event_id)
        rows = s.scalars(select(RSVP).where(RSVP.event_id == event_id)).all()
        confirmed = [r for r in rows if r.status == "confirmed"]
        return {
            "going": e.going_count, "yes": e.yes_count, "waitlist": e.waitlist_count,
            "real_going": sum(1 + r.guest_count for r in confirmed),
            "real_yes": len(confirmed),
            "real_waitlist": sum(1 for r in rows if r.status == "waitlisted"),
        }
    return await platform.db.read(read)


async def notes(platform, user_id: int, type_: str) -> int:
    return await platform.db.read(lambda s: s.scalar(select(func.count()).select_from(
        Notification).where(Notification.recipient_id == user_id, Notification.type == type_)))


class TestCreateAndRead:
    async def test_times_stored_utc_shown_in_event_zone(self, client: AsyncClient,
                                                        factory: Factory, platform) -> None:
        owner = await factory.user()
        start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=18, minute=30, second=0,
                                                                  microsecond=0, tzinfo=None)
        ev = await make_event(client, owner, start_at=start.isoformat(),
                              end_at=(start + timedelta(hours=2)).isoformat(),
                              timezone="America/New_York", event_type="hybrid",
                              location_name="Soho loft")
        from zoneinfo import ZoneInfo
        local = start.replace(tzinfo=ZoneInfo("America/New_York"))
        assert ev["timing"]["start_at"] == local.astimezone(UTC).isoformat().replace(
            "+00:00", "Z")
        assert ev["timing"]["start_local"].startswith(start.isoformat())
        assert ev["timing"]["duration_minutes"] == 120
        stored = await platform.db.read(lambda s: s.get(Event, ev["id"]).start_at)
        assert stored == local.astimezone(UTC)
        assert ev["meeting"]["password"] == "s3cret-pass"  # organiser sees it

    async def test_validation(self, client: AsyncClient, factory: Factory) -> None:
        owner = await factory.user()
        base = {"title": "Swap", "start_at": future(10), "end_at": future(12)}
        r = await client.post(API, json={**base, "event_type": "online"}, headers=owner.headers)
        assert r.status_code == 422  # online without a meeting url
        r = await client.post(API, json={**base, "event_type": "in_person",
                                         "timezone": "Mars/Olympus"}, headers=owner.headers)
        assert r.status_code == 422
        r = await client.post(API, json={**base, "event_type": "in_person", "location_name": "x",
                                         "end_at": future(9)}, headers=owner.headers)
        assert r.status_code == 422
        r = await client.post(API, json={**base, "event_type": "in_person", "location_name": "x",
                                         "start_at": future(-5)}, headers=owner.headers)
        assert r.status_code == 422
        assert (await client.post(API, json=base)).status_code in (401, 422)

    async def test_update_and_list(self, client: AsyncClient, factory: Factory) -> None:
        owner, other = await factory.user(), await factory.user()
        ev = await make_event(client, owner)
        later = await make_event(client, owner, title="Later one", start_at=future(100),
                                 end_at=future(101))
        r = await client.put(f"{API}/{ev['id']}", json={"title": "Renamed"},
                             headers=other.headers)
        assert r.status_code == 403
        r = await client.put(f"{API}/{ev['id']}", json={"title": "Renamed", "max_attendees": 5},
                             headers=owner.headers)
        assert r.status_code == 200
        assert r.json()["event"]["title"] == "Renamed"
        r = await client.get(API)
        assert [e["id"] for e in r.json()["events"]] == [ev["id"], later["id"]]
        r = await client.get(API, params={"search": "later"})
        assert [e["id"] for e in r.json()["events"]] == [later["id"]]


class TestCredentials:
    async def test_stranger_never_sees_meeting_credentials(self, client: AsyncClient,
                                                           factory: Factory) -> None:
        owner, stranger, attendee, maybe = [await factory.user() for _ in range(4)]
        ev = await make_event(client, owner, max_attendees=1)
        await rsvp(client, ev["id"], attendee)
        await rsvp(client, ev["id"], maybe, "maybe")
        waiting = await factory.user()
        await rsvp(client, ev["id"], waiting)  # waitlisted: not confirmed
        for who in (None, stranger, maybe, waiting):
            headers = who.headers if who else {}
            for path in (f"{API}/{ev['id']}", API, f"{API}/{ev['id']}.ics",
                         f"{API}?search=swap"):
                r = await client.get(path, headers=headers)
                assert r.status_code == 200
                for secret in SECRETS:
                    assert secret not in r.text, (path, secret)
        r = await client.get(f"{API}/{ev['id']}", headers=attendee.headers)
        assert r.json()["event"]["meeting"]["password"] == "s3cret-pass"
        r = await client.get(f"{API}/{ev['id']}.ics", headers=attendee.headers)
        assert "s3cret-pass" in r.text
        # the RSVP response itself never leaks them either
        r = await client.post(f"{API}/{ev['id']}/rsvp", json={"response": "interested"},
                              headers=stranger.headers)
        for secret in SECRETS:
            assert secret not in r.text


class TestCapacityAndWaitlist:
    async def test_guests_take_places_and_waitlist_promotes_in_order(
            self, client: AsyncClient, factory: Factory, platform) -> None:
        owner = await factory.user()
        ev = await make_event(client, owner, max_attendees=4, allow_guests=True)
        a, b, c, d = [await factory.user() for _ in range(4)]
        r = await rsvp(client, ev["id"], a, guests=2)
        assert r["rsvp"]["status"] == "confirmed"
        assert r["counts"]["going"] == 3
        r = await rsvp(client, ev["id"], b, guests=1)  # needs 2, 1 left
        assert r["rsvp"]["status"] == "waitlisted"
        assert r["rsvp"]["waitlist_position"] == 1
        r = await rsvp(client, ev["id"], c)  # fits, but b waits first: strict order
        assert r["rsvp"]["status"] == "waitlisted"
        assert r["rsvp"]["waitlist_position"] == 2
        r = await rsvp(client, ev["id"], d)
        assert r["rsvp"]["waitlist_position"] == 3
        # a drops a guest: 2 places free → b (needs 2) is promoted, c still waits
        r = await rsvp(client, ev["id"], a, guests=1)
        assert r["counts"]["going"] == 4
        assert r["counts"]["waitlist"] == 2
        assert await notes(platform, b.id, "event_waitlist_promoted") == 1
        # a leaves: 2 places → c then d promoted, in order
        r = await rsvp(client, ev["id"], a, "no")
        assert r["counts"] == {"going": 4, "yes": 3, "maybe": 0, "interested": 0, "no": 1,
                               "waitlist": 0, "places_left": 0}
        assert await notes(platform, c.id, "event_waitlist_promoted") == 1
        assert await notes(platform, d.id, "event_waitlist_promoted") == 1
        c_ = await db_counts(platform, ev["id"])
        assert c_["going"] == c_["real_going"] == 4
        assert c_["waitlist"] == c_["real_waitlist"] == 0

    async def test_guests_refused_when_not_allowed(self, client: AsyncClient,
                                                   factory: Factory) -> None:
        owner, u = await factory.user(), await factory.user()
        ev = await make_event(client, owner, max_attendees=3)
        r = await rsvp(client, ev["id"], u, guests=1, expect=422)
        assert r["code"] == "guests_not_allowed"
        r = await rsvp(client, ev["id"], u, guests=-1, expect=422)

    async def test_confirmed_cannot_add_guests_beyond_capacity(self, client: AsyncClient,
                                                               factory: Factory) -> None:
        owner, u, v = await factory.user(), await factory.user(), await factory.user()
        ev = await make_event(client, owner, max_attendees=3, allow_guests=True)
        await rsvp(client, ev["id"], u, guests=1)
        await rsvp(client, ev["id"], v)
        r = await rsvp(client, ev["id"], u, guests=2, expect=409)
        assert r["code"] == "not_enough_places"
        body = (await client.get(f"{API}/{ev['id']}", headers=u.headers)).json()["event"]
        assert body["counts"]["going"] == 3
        assert body["viewer_rsvp"]["guest_count"] == 1

    async def test_withdraw_and_capacity_increase_promote(self, client: AsyncClient,
                                                          factory: Factory, platform) -> None:
        owner = await factory.user()
        ev = await make_event(client, owner, max_attendees=1)
        a, b, c = [await factory.user() for _ in range(3)]
        await rsvp(client, ev["id"], a)
        await rsvp(client, ev["id"], b)
        await rsvp(client, ev["id"], c)
        r = await client.delete(f"{API}/{ev['id']}/rsvp", headers=a.headers)
        assert r.status_code == 200
        assert r.json()["counts"]["going"] == 1
        r = await client.get(f"{API}/{ev['id']}", headers=b.headers)
        assert r.json()["event"]["viewer_rsvp"]["status"] == "confirmed"
        r = await client.put(f"{API}/{ev['id']}", json={"max_attendees": 2},
                             headers=owner.headers)
        assert r.json()["event"]["counts"]["going"] == 2
        assert r.json()["event"]["counts"]["waitlist"] == 0
        r = await client.put(f"{API}/{ev['id']}", json={"max_attendees": 1},
                             headers=owner.headers)
        assert r.status_code == 409
        assert (await client.delete(f"{API}/{ev['id']}/rsvp", headers=a.headers)
                ).status_code == 404

    async def test_hundred_concurrent_yes_for_ten_places(self, client: AsyncClient,
                                                         factory: Factory, platform,
                                                         is_postgres: bool) -> None:
        owner = await factory.user()
        ev = await make_event(client, owner, max_attendees=10)
        users = await factory.users(100, prefix="rsvp")

        async def go(u):
            return await client.post(f"{API}/{ev['id']}/rsvp", json={"response": "yes"},
                                     headers=u.headers)
        results = await asyncio.gather(*(go(u) for u in users))
        assert all(r.status_code == 200 for r in results), [r.text for r in results][:3]
        statuses = [r.json()["rsvp"]["status"] for r in results]
        assert statuses.count("confirmed") == 10
        assert statuses.count("waitlisted") == 90
        positions = sorted(r.json()["rsvp"]["waitlist_position"] for r in results
                           if r.json()["rsvp"]["status"] == "waitlisted")
        assert positions == list(range(1, 91))  # arrival order, no gaps or ties
        c = await db_counts(platform, ev["id"])
        assert c == {"going": 10, "yes": 10, "waitlist": 90, "real_going": 10, "real_yes": 10,
                     "real_waitlist": 90}
        # one confirmed attendee cancels → exactly the first waitlisted is promoted
        first = next(u for u, r in zip(users, results, strict=True)
                     if r.json()["rsvp"]["waitlist_position"] == 1)
        second = next(u for u, r in zip(users, results, strict=True)
                      if r.json()["rsvp"]["waitlist_position"] == 2)
        leaver = next(u for u, r in zip(users, results, strict=True)
                      if r.json()["rsvp"]["status"] == "confirmed")
        r = await rsvp(client, ev["id"], leaver, "no")
        assert r["counts"]["going"] == 10
        assert r["counts"]["waitlist"] == 89
        me = (await client.get(f"{API}/{ev['id']}", headers=first.headers)).json()["event"]
        assert me["viewer_rsvp"]["status"] == "confirmed"
        assert me["meeting"]["password"] == "s3cret-pass"
        nxt = (await client.get(f"{API}/{ev['id']}", headers=second.headers)).json()["event"]
        assert nxt["viewer_rsvp"]["waitlist_position"] == 1
        # concurrent cancellations and re-answers keep the counts exact
        confirmed = [u for u, r in zip(users, results, strict=True)
                     if r.json()["rsvp"]["status"] == "confirmed" and u is not leaver][:5]
        await asyncio.gather(*(client.post(f"{API}/{ev['id']}/rsvp", json={"response": "maybe"},
                                           headers=u.headers) for u in confirmed))
        c = await db_counts(platform, ev["id"])
        assert c["going"] == c["real_going"] == 10
        assert c["waitlist"] == c["real_waitlist"] == 84


class TestCancelAndAttendees:
    async def test_cancel_notifies_and_blocks_rsvps(self, client: AsyncClient, factory: Factory,
                                                    platform) -> None:
        owner, a, b, no = [await factory.user() for _ in range(4)]
        ev = await make_event(client, owner, max_attendees=1)
        await rsvp(client, ev["id"], a)
        await rsvp(client, ev["id"], b)
        await rsvp(client, ev["id"], no, "no")
        r = await client.post(f"{API}/{ev['id']}/cancel", headers=a.headers)
        assert r.status_code == 403
        r = await client.post(f"{API}/{ev['id']}/cancel", headers=owner.headers)
        assert r.status_code == 200
        assert r.json()["event"]["status"] == "cancelled"
        assert await notes(platform, a.id, "event_cancelled") == 1
        assert await notes(platform, b.id, "event_cancelled") == 1
        assert await notes(platform, no.id, "event_cancelled") == 0
        r = await rsvp(client, ev["id"], no, "yes", expect=400)
        assert r["code"] == "event_cancelled"
        assert (await client.post(f"{API}/{ev['id']}/cancel", headers=owner.headers)
                ).status_code == 400
        listed = (await client.get(API)).json()["events"]
        assert listed == []

    async def test_attendee_list_for_organiser_only(self, client: AsyncClient,
                                                    factory: Factory) -> None:
        owner, a, b = [await factory.user() for _ in range(3)]
        ev = await make_event(client, owner, max_attendees=1)
        await rsvp(client, ev["id"], a)
        await rsvp(client, ev["id"], b)
        r = await client.get(f"{API}/{ev['id']}/attendees", headers=a.headers)
        assert r.status_code == 403
        assert (await client.get(f"{API}/{ev['id']}/attendees")).status_code == 401
        r = await client.get(f"{API}/{ev['id']}/attendees", headers=owner.headers)
        assert r.status_code == 200
        body = r.json()
        assert [(x["user"]["id"], x["status"], x["waitlist_position"])
                for x in body["attendees"]] == [(a.id, "confirmed", None),
                                                (b.id, "waitlisted", 1)]
        assert body["counts"]["going"] == 1
        assert (await client.get(f"{API}/999999/attendees", headers=owner.headers)
                ).status_code == 404


class TestCommunityEvents:
    async def test_private_community_event_hidden(self, client: AsyncClient,
                                                  factory: Factory) -> None:
        owner, member, stranger = [await factory.user() for _ in range(3)]
        c = await make_community(client, owner, privacy="private")
        await join(client, c["id"], member)
        r = await client.post(API, json={"title": "Members swap", "event_type": "online",
                                         "meeting_url": "https://m.example.com/x",
                                         "start_at": future(5), "end_at": future(6),
                                         "community_id": c["id"]}, headers=stranger.headers)
        assert r.status_code == 403
        ev = await make_event(client, owner, community_id=c["id"])
        assert (await client.get(f"{API}/{ev['id']}", headers=stranger.headers)
                ).status_code == 404
        assert (await client.get(f"{API}/{ev['id']}.ics")).status_code == 404
        await rsvp(client, ev["id"], stranger, expect=404)
        # pending member: still not in
        assert (await client.get(f"{API}/{ev['id']}", headers=member.headers)).status_code == 404
        await client.post(f"/api/community/communities/{c['id']}/members/{member.id}/approve",
                          headers=owner.headers)
        assert (await client.get(f"{API}/{ev['id']}", headers=member.headers)).status_code == 200
        r = await client.get(API, params={"community_id": c["id"]}, headers=stranger.headers)
        assert r.json()["events"] == []


class TestCalendars:
    async def test_event_ics_parses_with_right_times(self, client: AsyncClient,
                                                     factory: Factory) -> None:
        owner = await factory.user()
        ev = await make_event(client, owner, timezone="Asia/Kolkata")
        r = await client.get(f"{API}/{ev['id']}.ics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(r.content)
        items = list(cal.walk("VEVENT"))
        assert len(items) == 1
        start = items[0].decoded("dtstart")
        end = items[0].decoded("dtend")
        assert str(start.tzinfo) == "Asia/Kolkata"
        want = datetime.fromisoformat(ev["timing"]["start_at"].replace("Z", "+00:00"))
        assert start.astimezone(UTC) == want
        assert end - start == timedelta(hours=2)
        assert str(items[0]["summary"]) == ev["title"]
        assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Kolkata"]
        assert (await client.get(f"{API}/999999.ics")).status_code == 404

    async def test_personal_feed_with_token(self, client: AsyncClient, factory: Factory) -> None:
        owner, me, other = [await factory.user() for _ in range(3)]
        going = await make_event(client, owner, title="Going event")
        await make_event(client, owner, title="Not answered")
        declined = await make_event(client, owner, title="Declined event")
        await rsvp(client, going["id"], me)
        await rsvp(client, declined["id"], me, "no")
        assert (await client.get("/api/community/calendar/token")).status_code == 401
        tok = (await client.get("/api/community/calendar/token", headers=me.headers)
               ).json()["calendar"]
        assert tok["url"].endswith(f"/api/community/calendar.ics?token={tok['token']}")
        again = (await client.get("/api/community/calendar/token", headers=me.headers)
                 ).json()["calendar"]["token"]
        assert again == tok["token"]
        r = await client.get("/api/community/calendar.ics", params={"token": tok["token"]})
        assert r.status_code == 200
        cal = icalendar.Calendar.from_ical(r.content)
        assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Going event"]
        assert "s3cret-pass" in r.text  # confirmed: the owner's own feed has the details
        # forged / someone else's / rotated tokens are 404
        _user_id, version, mac = tok["token"].split(".")
        forged = f"{other.id}.{version}.{mac}"
        assert (await client.get("/api/community/calendar.ics", params={"token": forged})
                ).status_code == 404
        r = await client.post("/api/community/calendar/token/rotate", headers=me.headers)
        new = r.json()["calendar"]["token"]
        assert new != tok["token"]
        assert (await client.get("/api/community/calendar.ics", params={"token": tok["token"]})
                ).status_code == 404
        assert (await client.get("/api/community/calendar.ics", params={"token": new})
                ).status_code == 200


class TestReminders:
    async def test_reminders_sent_once(self, client: AsyncClient, factory: Factory,
                                       platform) -> None:
        owner, a, b, c = [await factory.user() for _ in range(4)]
        soon = await make_event(client, owner, start_at=future(3), end_at=future(4))
        far = await make_event(client, owner, start_at=future(24 * 5), end_at=future(24 * 5 + 1))
        await rsvp(client, soon["id"], a)
        await rsvp(client, soon["id"], b, "maybe")
        await rsvp(client, soon["id"], c, "no")
        await rsvp(client, far["id"], a)
        first = await platform.db.run(send_event_reminders)
        second = await platform.db.run(send_event_reminders)
        assert first + second == 2
        assert await notes(platform, a.id, "event_reminder") == 1
        assert await notes(platform, b.id, "event_reminder") == 1
        assert await notes(platform, c.id, "event_reminder") == 0
        # the job wrapper registered with core.jobs runs the same body
        from tanvi_social.core.jobs import registered_jobs
        job = registered_jobs()["community.event_reminders"]
        assert await job.fn(platform) == 0
