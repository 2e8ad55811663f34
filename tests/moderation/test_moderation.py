"""Reports, the queue and its actions, the audit log, appeals and word filters via HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.core.time import utcnow
from tanvi_social.moderation.models import QueueItem
from tanvi_social.social.models import Notification
from tests.factories import PASSWORD, Factory, TestUser
from tests.social_helpers import follow

API = "/api/moderation"


async def report(client: httpx.AsyncClient, user: TestUser, target_type: str, target_id: int,
                 reason: str = "harassment", details: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"target_type": target_type, "target_id": target_id, "reason": reason}
    if details:
        body["details"] = details
    return await client.post(f"{API}/reports", json=body, headers=user.headers)


async def notifications(platform: Any, user_id: int) -> list[tuple[str, dict[str, Any]]]:
    def run(session: Session) -> list[tuple[str, dict[str, Any]]]:
        rows = session.scalars(select(Notification).where(Notification.recipient_id == user_id)
                               .order_by(Notification.id))
        return [(n.type, n.data) for n in rows]

    return await platform.db.read(run)


async def test_reports_are_grouped_into_one_queue_item(client: httpx.AsyncClient,
                                                       factory: Factory) -> None:
    target, r1, r2 = await factory.user(), await factory.user(), await factory.user()
    first = await report(client, r1, "profile", target.id, "harassment", "rude comments")
    assert first.status_code == 201
    assert first.json()["report"]["target_id"] == target.id
    assert (await report(client, r2, "profile", target.id, "spam")).status_code == 201
    dup = await report(client, r1, "profile", target.id, "spam")
    assert dup.status_code == 409
    assert (await report(client, target, "profile", target.id)).status_code == 403
    assert (await report(client, r1, "profile", 999999)).status_code == 404
    assert (await client.post(f"{API}/reports", json={"target_type": "profile",
                                                      "target_id": target.id,
                                                      "reason": "spam"})).status_code == 401
    bad = await client.post(f"{API}/reports", json={"target_type": "planet", "target_id": 1,
                                                    "reason": "spam"}, headers=r1.headers)
    assert bad.status_code == 422

    mod = await factory.moderator()
    queue = await client.get(f"{API}/queue", headers=mod.headers)
    assert queue.status_code == 200
    items = queue.json()["items"]
    assert len(items) == 1
    item = items[0]
    assert item["report_count"] == 2
    assert item["owner"]["id"] == target.id
    assert sorted((x["reason"], x["count"]) for x in item["reasons"]) == \
        [("harassment", 1), ("spam", 1)]
    filtered = await client.get(f"{API}/queue?target_type=message", headers=mod.headers)
    assert filtered.json()["items"] == []
    assert (await client.get(f"{API}/queue", headers=r1.headers)).status_code == 403
    assert (await client.get(f"{API}/queue")).status_code == 401
    assert (await client.get(f"{API}/queue/{item['id']}", headers=mod.headers)).json()[
        "item"]["report_count"] == 2
    assert (await client.get(f"{API}/queue/999999", headers=mod.headers)).status_code == 404


async def test_assign_and_warn_are_audited_and_notified(client: httpx.AsyncClient,
                                                        factory: Factory,
                                                        platform: Any) -> None:
    target, reporter = await factory.user(), await factory.user()
    mod, other_mod = await factory.moderator(), await factory.moderator()
    await report(client, reporter, "profile", target.id)
    item_id = (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"][0]["id"]
    r = await client.post(f"{API}/queue/{item_id}/assign", headers=mod.headers)
    assert r.status_code == 200
    assert r.json()["item"]["assignee_id"] == mod.id
    r = await client.post(f"{API}/queue/{item_id}/assign", json={"assignee_id": reporter.id},
                          headers=mod.headers)
    assert r.status_code == 400
    r = await client.post(f"{API}/queue/{item_id}/assign", json={"assignee_id": other_mod.id},
                          headers=mod.headers)
    assert r.json()["item"]["assignee_id"] == other_mod.id
    mine = await client.get(f"{API}/queue?assignee_id={other_mod.id}", headers=mod.headers)
    assert [i["id"] for i in mine.json()["items"]] == [item_id]
    assert (await client.post(f"{API}/queue/{item_id}/assign",
                              headers=reporter.headers)).status_code == 403

    r = await client.post(f"{API}/queue/{item_id}/resolve",
                          json={"action": "warn", "reason": "Be kind"}, headers=other_mod.headers)
    assert r.status_code == 200
    assert r.json()["item"]["status"] == "resolved"
    assert r.json()["item"]["resolution"] == "warn"
    again = await client.post(f"{API}/queue/{item_id}/resolve",
                              json={"action": "dismiss", "reason": "x"}, headers=mod.headers)
    assert again.status_code == 409
    log = await client.get(f"{API}/audit-log", headers=mod.headers)
    assert log.status_code == 200
    entries = log.json()["entries"]
    assert [e["action"] for e in entries] == ["warn", "assign", "assign"]
    assert entries[0]["actor_id"] == other_mod.id
    assert entries[0]["reason"] == "Be kind"
    assert entries[0]["subject_user_id"] == target.id
    only = await client.get(f"{API}/audit-log?action=assign", headers=mod.headers)
    assert only.json()["pagination"]["total"] == 2
    assert (await client.get(f"{API}/audit-log", headers=reporter.headers)).status_code == 403
    assert [t for t, _ in await notifications(platform, reporter.id)] == ["report.resolved"]
    assert (await notifications(platform, reporter.id))[0][1]["outcome"] == "actioned"
    assert [t for t, _ in await notifications(platform, target.id)] == ["moderation.warn"]
    # Resolved items leave the open queue; a new report opens a new item.
    assert (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"] == []
    assert (await report(client, reporter, "profile", target.id)).status_code == 201
    assert len((await client.get(f"{API}/queue", headers=mod.headers)).json()["items"]) == 1


async def test_suspend_blocks_writes_until_appeal_upheld(client: httpx.AsyncClient,
                                                         factory: Factory) -> None:
    target, reporter, mod = await factory.user(), await factory.user(), await factory.moderator()
    await report(client, reporter, "profile", target.id)
    item_id = (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"][0]["id"]
    r = await client.post(f"{API}/queue/{item_id}/resolve",
                          json={"action": "suspend", "reason": "spam"}, headers=mod.headers)
    assert r.status_code == 422
    past = (utcnow() - timedelta(hours=1)).isoformat()
    r = await client.post(f"{API}/queue/{item_id}/resolve",
                          json={"action": "suspend", "reason": "spam", "until": past},
                          headers=mod.headers)
    assert r.status_code == 422
    until = utcnow() + timedelta(days=3)
    r = await client.post(f"{API}/queue/{item_id}/resolve",
                          json={"action": "suspend", "reason": "spam",
                                "until": until.isoformat()}, headers=mod.headers)
    assert r.status_code == 200
    write = await client.post("/api/social/muted-words", json={"phrase": "beige"},
                              headers=target.headers)
    assert write.status_code == 403
    assert write.json()["code"] == "account_suspended"
    assert until.date().isoformat() in write.json()["error"]
    assert (await client.get("/api/social/muted-words", headers=target.headers)).status_code == 200

    # Appeals: only the owner, once; suspended accounts may appeal.
    r = await client.post(f"{API}/appeals", json={"queue_item_id": item_id, "message": "x"},
                          headers=reporter.headers)
    assert r.status_code == 404
    r = await client.post(f"{API}/appeals",
                          json={"queue_item_id": item_id, "message": "It was a mistake"},
                          headers=target.headers)
    assert r.status_code == 201
    appeal_item = r.json()["appeal"]["queue_item_id"]
    r = await client.post(f"{API}/appeals", json={"queue_item_id": item_id, "message": "again"},
                          headers=target.headers)
    assert r.status_code == 409
    queue = (await client.get(f"{API}/queue?source=appeal", headers=mod.headers)).json()
    assert [i["id"] for i in queue["items"]] == [appeal_item]
    r = await client.post(f"{API}/queue/{appeal_item}/resolve",
                          json={"action": "approve", "reason": "Appeal upheld"},
                          headers=mod.headers)
    assert r.status_code == 200
    write = await client.post("/api/social/muted-words", json={"phrase": "beige"},
                              headers=target.headers)
    assert write.status_code == 201
    actions = [e["action"] for e in (await client.get(f"{API}/audit-log",
                                                      headers=mod.headers)).json()["entries"]]
    assert actions == ["approve", "appeal", "suspend"]


async def test_ban_and_staff_protection(client: httpx.AsyncClient, factory: Factory) -> None:
    target, reporter, mod = await factory.user(), await factory.user(), await factory.moderator()
    admin, other_mod = await factory.admin(), await factory.moderator()
    await report(client, reporter, "profile", admin.id)
    await report(client, reporter, "profile", other_mod.id)
    await report(client, reporter, "profile", target.id)
    items = {i["owner"]["id"]: i["id"] for i in
             (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"]}
    r = await client.post(f"{API}/queue/{items[admin.id]}/resolve",
                          json={"action": "ban", "reason": "x"}, headers=mod.headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/queue/{items[other_mod.id]}/resolve",
                          json={"action": "ban", "reason": "x"}, headers=mod.headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/queue/{items[target.id]}/resolve",
                          json={"action": "ban", "reason": "Repeated abuse"},
                          headers=admin.headers)
    assert r.status_code == 200
    assert (await client.get("/api/auth/me", headers=target.headers)).status_code == 401
    login = await client.post("/api/auth/login",
                              json={"login": target.username, "password": PASSWORD})
    assert login.status_code == 401


async def test_reported_message_can_be_read_by_moderators_and_hidden(
        client: httpx.AsyncClient, factory: Factory, platform: Any) -> None:
    a, b, mod = await factory.user(), await factory.user(), await factory.moderator()
    await follow(platform, b.id, a.id)
    conv = (await client.post("/api/messages/conversations", json={"participant_ids": [b.id]},
                              headers=a.headers)).json()["conversation"]
    dm = (await client.post(f"/api/messages/conversations/{conv['id']}/messages",
                            json={"body": "nasty"}, headers=a.headers)).json()["dm"]
    url = f"/api/messages/conversations/{conv['id']}/messages"
    assert (await client.get(url, headers=mod.headers)).status_code == 404
    outsider = await factory.user()
    assert (await report(client, outsider, "message", dm["id"])).status_code == 404
    assert (await report(client, b, "message", dm["id"])).status_code == 201
    r = await client.get(url, headers=mod.headers)
    assert r.status_code == 200
    assert r.json()["dms"][0]["body"] == "nasty"
    assert (await client.get(url, headers=outsider.headers)).status_code == 404
    assert (await client.post(f"/api/messages/conversations/{conv['id']}/messages",
                              json={"body": "hi"}, headers=mod.headers)).status_code == 404
    item = (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"][0]
    assert item["target_type"] == "message"
    assert item["owner"]["id"] == a.id
    r = await client.post(f"{API}/queue/{item['id']}/resolve",
                          json={"action": "hide", "reason": "abusive"}, headers=mod.headers)
    assert r.status_code == 200
    shown = (await client.get(url, headers=b.headers)).json()["dms"][0]
    assert shown["moderation_state"] == "hidden"
    assert shown["body"] is None
    # The report is closed: moderators lose access again.
    assert (await client.get(url, headers=mod.headers)).status_code == 404


async def test_filters_crud(client: httpx.AsyncClient, factory: Factory) -> None:
    mod, user = await factory.moderator(), await factory.user()
    r = await client.post(f"{API}/filters", json={"pattern": "Crème", "action": "hold"},
                          headers=mod.headers)
    assert r.status_code == 201
    rule = r.json()["filter"]
    assert rule["pattern"] == "Crème"
    assert rule["action"] == "hold"
    dup = await client.post(f"{API}/filters", json={"pattern": "CREME"}, headers=mod.headers)
    assert dup.status_code == 409
    bad = await client.post(f"{API}/filters", json={"pattern": "!!!"}, headers=mod.headers)
    assert bad.status_code == 422
    bad = await client.post(f"{API}/filters", json={"pattern": "x", "action": "ban"},
                            headers=mod.headers)
    assert bad.status_code == 422
    assert (await client.post(f"{API}/filters", json={"pattern": "x"},
                              headers=user.headers)).status_code == 403
    assert (await client.get(f"{API}/filters", headers=user.headers)).status_code == 403
    listed = await client.get(f"{API}/filters", headers=mod.headers)
    assert [f["pattern"] for f in listed.json()["filters"]] == ["Crème"]
    assert (await client.delete(f"{API}/filters/{rule['id']}",
                                headers=user.headers)).status_code == 403
    assert (await client.delete(f"{API}/filters/{rule['id']}",
                                headers=mod.headers)).status_code == 200
    assert (await client.delete(f"{API}/filters/{rule['id']}",
                                headers=mod.headers)).status_code == 404
    actions = [e["action"] for e in (await client.get(f"{API}/audit-log",
                                                      headers=mod.headers)).json()["entries"]]
    assert actions == ["filter.delete", "filter.create"]


async def test_erasing_a_reporter_keeps_counts_exact(client: httpx.AsyncClient,
                                                     factory: Factory, platform: Any) -> None:
    target, r1, r2 = await factory.user(), await factory.user(), await factory.user()
    mod = await factory.moderator()
    await report(client, r1, "profile", target.id)
    await report(client, r2, "profile", target.id)
    export = await client.get("/api/auth/me/export", headers=r1.headers)
    assert [x["target_id"] for x in export.json()["export"]["moderation"]["reports"]] == \
        [target.id]
    r = await client.request("DELETE", "/api/auth/me", json={"password": PASSWORD},
                             headers=r1.headers)
    assert r.status_code == 200
    item = (await client.get(f"{API}/queue", headers=mod.headers)).json()["items"][0]
    assert item["report_count"] == 1

    def count(session: Session) -> int:
        return len(list(session.scalars(select(QueueItem))))

    assert await platform.db.read(count) == 1
