"""Community with the rest of the platform: moderation targets, realtime events, held text."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tanvi_social.community.events import RSVPChanged
from tests.community.conftest import join, make_community, make_event, rsvp
from tests.factories import Factory


class TestModeration:
    async def test_reports_respect_visibility_and_hide_works(self, client: AsyncClient,
                                                             factory: Factory) -> None:
        owner, member, stranger, reporter = [await factory.user() for _ in range(4)]
        mod = await factory.moderator()
        priv = await make_community(client, owner, privacy="secret")
        secret_event = await make_event(client, owner, community_id=priv["id"])
        r = await client.post("/api/moderation/reports", json={
            "target_type": "event", "target_id": secret_event["id"], "reason": "spam"},
            headers=stranger.headers)
        assert r.status_code == 404
        r = await client.post("/api/moderation/reports", json={
            "target_type": "community", "target_id": priv["id"], "reason": "spam"},
            headers=stranger.headers)
        assert r.status_code == 404
        ev = await make_event(client, owner, title="Public swap")
        await rsvp(client, ev["id"], member)
        r = await client.post("/api/moderation/reports", json={
            "target_type": "event", "target_id": ev["id"], "reason": "scam"},
            headers=reporter.headers)
        assert r.status_code == 201, r.text
        queue = (await client.get("/api/moderation/queue", headers=mod.headers)).json()["items"]
        item = next(i for i in queue if i["target_type"] == "event")
        assert item["owner"]["id"] == owner.id
        r = await client.post(f"/api/moderation/queue/{item['id']}/resolve",
                              json={"action": "hide", "reason": "Scam link"}, headers=mod.headers)
        assert r.status_code == 200, r.text
        assert (await client.get(f"/api/community/events/{ev['id']}", headers=member.headers)
                ).status_code == 404
        assert (await client.get(f"/api/community/events/{ev['id']}", headers=owner.headers)
                ).status_code == 200
        assert (await client.get("/api/community/events")).json()["events"] == []

    async def test_word_filter_holds_a_community(self, client: AsyncClient,
                                                 factory: Factory) -> None:
        admin, owner, member, stranger = (await factory.admin(), await factory.user(),
                                          await factory.user(), await factory.user())
        r = await client.post("/api/moderation/filters",
                              json={"pattern": "cheapreplicas", "action": "hold"},
                              headers=admin.headers)
        assert r.status_code == 201, r.text
        c = await make_community(client, owner, name="Designer bags",
                                 description="cheapreplicas here")
        assert (await client.get(f"/api/community/communities/{c['id']}",
                                 headers=stranger.headers)).status_code == 404
        assert (await client.get(f"/api/community/communities/{c['id']}",
                                 headers=owner.headers)).status_code == 200
        await join(client, c["id"], member, expect=404)
        r = await client.post("/api/moderation/filters",
                              json={"pattern": "counterfeitking", "action": "reject"},
                              headers=admin.headers)
        r = await client.post("/api/community/communities", json={
            "name": "counterfeitking club"}, headers=owner.headers)
        assert r.status_code == 422
        assert r.json()["code"] == "content_rejected"


class TestRealtimeEvents:
    async def test_rsvp_changes_are_published(self, client: AsyncClient, factory: Factory,
                                              platform) -> None:
        seen: list[Any] = []

        async def handler(event: Any) -> None:
            seen.append(event)
        platform.bus.subscribe(RSVPChanged, handler)
        owner, a, b = [await factory.user() for _ in range(3)]
        ev = await make_event(client, owner, max_attendees=1)
        await rsvp(client, ev["id"], a)
        await rsvp(client, ev["id"], b)
        await rsvp(client, ev["id"], a, "no")
        mine = [e for e in seen if e.event_id == ev["id"]]
        assert [(e.name, e.user_id, e.status) for e in mine] == [
            ("event.rsvp", a.id, "confirmed"), ("event.rsvp", b.id, "waitlisted"),
            ("event.rsvp", a.id, "none"), ("event.rsvp", b.id, "confirmed")]
        assert mine[-1].counts["going"] == 1
        assert mine[-1].to_dict()["counts"]["waitlist"] == 0
