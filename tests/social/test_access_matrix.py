"""Who may NOT: every social endpoint that needs a user refuses anonymous callers (401), every
write refuses suspended accounts (403), admin-only ones refuse users (403)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from tanvi_social.accounts.models import User
from tanvi_social.core.time import utcnow
from tests.factories import Factory

S = "/api/social"
READS = [("GET", f"{S}/profiles/me"), ("GET", f"{S}/profile"), ("GET", f"{S}/follow-requests"),
         ("GET", f"{S}/blocks"), ("GET", f"{S}/mutes"), ("GET", f"{S}/suggestions"),
         ("GET", f"{S}/notifications"), ("GET", f"{S}/notifications/unread-count"),
         ("GET", f"{S}/notifications/preferences"), ("GET", f"{S}/activities"),
         ("GET", f"{S}/compatibility/1")]
WRITES = [("POST", f"{S}/profiles", {}), ("PUT", f"{S}/profiles/me", {}),
          ("POST", f"{S}/profile", {}), ("PUT", f"{S}/profile", {}),
          ("POST", f"{S}/connections", {"user_id": 1}), ("DELETE", f"{S}/connections/1", None),
          ("POST", f"{S}/follow", {"user_id": 1}), ("POST", f"{S}/unfollow", {"user_id": 1}),
          ("DELETE", f"{S}/followers/1", None),
          ("POST", f"{S}/follow-requests/1/approve", None),
          ("POST", f"{S}/follow-requests/1/reject", None),
          ("POST", f"{S}/blocks", {"user_id": 1}), ("DELETE", f"{S}/blocks/1", None),
          ("POST", f"{S}/mutes", {"user_id": 1}), ("DELETE", f"{S}/mutes/1", None),
          ("POST", f"{S}/influencers/apply", {}),
          ("POST", f"{S}/notifications/read-all", None),
          ("PUT", f"{S}/notifications/preferences", {"preferences": {}}),
          ("POST", f"{S}/notifications/1/read", None), ("DELETE", f"{S}/notifications/1", None)]


@pytest.mark.parametrize(("method", "path"), READS + [(m, p) for m, p, _ in WRITES])
async def test_anonymous_gets_401(client: AsyncClient, method: str, path: str) -> None:
    body = next((b for m, p, b in WRITES if (m, p) == (method, path)), None)
    response = await client.request(method, path, json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_suspended_account_cannot_write(client: AsyncClient, factory: Factory,
                                              platform) -> None:
    mia = await factory.user()

    def suspend(s):
        s.get(User, mia.id).suspended_until = utcnow() + timedelta(days=1)

    await platform.db.run(suspend)
    for method, path, body in WRITES:
        response = await client.request(method, path, json=body, headers=mia.headers)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == "account_suspended"
    # reading stays possible
    assert (await client.get(f"{S}/profiles/me", headers=mia.headers)).status_code == 200


async def test_admin_only_endpoints_refuse_users(client: AsyncClient, factory: Factory) -> None:
    mia, mod = await factory.user(), await factory.moderator()
    for user in (mia, mod):
        assert (await client.post(f"{S}/influencers/1/verify",
                                  headers=user.headers)).status_code == 403
        assert (await client.get(f"{S}/influencers/applications",
                                 headers=user.headers)).status_code == 403


async def test_requests_of_others_cannot_be_handled(client: AsyncClient,
                                                     factory: Factory) -> None:
    owner, asker, stranger = await factory.user(), await factory.user(), await factory.user()
    await client.put(f"{S}/profiles/me", json={"visibility": "private"}, headers=owner.headers)
    request_id = (await client.post(f"{S}/connections", json={"user_id": owner.id},
                                    headers=asker.headers)).json()["connection"]["id"]
    for who in (asker, stranger):
        for action in ("approve", "reject"):
            r = await client.post(f"{S}/follow-requests/{request_id}/{action}",
                                  headers=who.headers)
            assert r.status_code == 404
            assert r.json()["code"] == "request_not_found"
    incoming = await client.get(f"{S}/follow-requests", headers=stranger.headers)
    assert incoming.json()["follow_requests"] == []
