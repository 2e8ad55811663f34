"""Web Push against a push-service stub on loopback: VAPID, encryption, types, pruning."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from typing import Any

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.realtime.models import PushSubscription
from tanvi_social.social.notifications import notify
from tests.factories import Factory
from tests.realtime.push_helpers import Browser, PushStub, running_push_stub, unb64url


@pytest.fixture
async def push_stub() -> AsyncIterator[PushStub]:
    async with running_push_stub() as stub:
        yield stub


async def notify_user(platform: Any, recipient: int, actor: int | None, type_: str) -> None:
    def fn(session: Session) -> None:
        notify(session, recipient_id=recipient, actor_id=actor, type=type_, target_type="post",
               target_id=3)

    await platform.db.run(fn)
    await platform.extras["push"].drain()


class TestKeysAndSubscriptions:
    async def test_vapid_key_is_a_p256_point_kept_under_var(self, client: AsyncClient,
                                                            settings) -> None:
        first = await client.get("/api/push/vapid-public-key")
        assert first.status_code == 200
        key = first.json()["vapid"]["public_key"]
        raw = unb64url(key)
        assert len(raw) == 65
        assert raw[0] == 4
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        second = await client.get("/api/push/vapid-public-key")
        assert second.json()["vapid"]["public_key"] == key
        pem = settings.var_dir / "vapid_private.pem"
        assert stat.S_IMODE(pem.stat().st_mode) == 0o600

    async def test_subscribe_requires_a_user(self, client: AsyncClient) -> None:
        response = await client.post("/api/push/subscriptions",
                                     json=Browser().subscription("https://push.example/x"))
        assert response.status_code == 401

    async def test_subscribe_update_and_delete(self, client: AsyncClient, factory: Factory,
                                               platform) -> None:
        mia, zoe = await factory.user(), await factory.user()
        browser = Browser()
        body = browser.subscription("https://push.example/abc", ["like"])
        created = await client.post("/api/push/subscriptions", json=body, headers=mia.headers)
        assert created.status_code == 201
        assert created.json()["subscription"]["types"] == ["like"]
        # the same browser signs in as zoe: the subscription now belongs to zoe
        body["types"] = ["comment", "follow"]
        again = await client.post("/api/push/subscriptions", json=body, headers=zoe.headers)
        assert again.status_code == 201
        rows = await platform.db.read(lambda s: [
            (r.user_id, r.types) for r in s.scalars(select(PushSubscription))])
        assert rows == [(zoe.id, ["comment", "follow"])]
        # mia cannot remove zoe's subscription; zoe can, once
        payload = {"endpoint": "https://push.example/abc"}
        assert (await client.request("DELETE", "/api/push/subscriptions", json=payload,
                                     headers=mia.headers)).status_code == 404
        assert (await client.request("DELETE", "/api/push/subscriptions", json=payload,
                                     headers=zoe.headers)).status_code == 200
        assert (await client.request("DELETE", "/api/push/subscriptions", json=payload,
                                     headers=zoe.headers)).status_code == 404

    @pytest.mark.parametrize("endpoint", ["ftp://push.example/x", "not a url", "https:///x"])
    async def test_bad_endpoints_are_422(self, client: AsyncClient, factory: Factory,
                                         endpoint: str) -> None:
        mia = await factory.user()
        response = await client.post("/api/push/subscriptions", headers=mia.headers,
                                     json=Browser().subscription(endpoint))
        assert response.status_code == 422

    async def test_bad_types_and_keys_are_422(self, client: AsyncClient,
                                              factory: Factory) -> None:
        mia = await factory.user()
        body = Browser().subscription("https://push.example/k", ["Like!"])
        assert (await client.post("/api/push/subscriptions", json=body,
                                  headers=mia.headers)).status_code == 422
        body = Browser().subscription("https://push.example/k")
        body["keys"] = {"p256dh": "x"}
        assert (await client.post("/api/push/subscriptions", json=body,
                                  headers=mia.headers)).status_code == 422


class TestSending:
    async def test_enabled_types_are_pushed_encrypted_with_vapid(
            self, client: AsyncClient, factory: Factory, platform, push_stub: PushStub) -> None:
        mia, actor = await factory.user(), await factory.user("stylist_sam")
        likes, comments = Browser(), Browser()
        for browser, name, types in ((likes, "likes", ["like"]),
                                     (comments, "comments", ["comment"])):
            response = await client.post(
                "/api/push/subscriptions", headers=mia.headers,
                json=browser.subscription(push_stub.endpoint(name), types))
            assert response.status_code == 201
        await notify_user(platform, mia.id, actor.id, "like")
        assert [r["name"] for r in push_stub.received] == ["likes"]
        request = push_stub.received[0]
        message = likes.decrypt(request["body"])
        assert message["title"] == "New like"
        assert message["body"] == "@stylist_sam"
        assert message["type"] == "like"
        assert message["target_id"] == 3
        assert request["headers"]["Content-Encoding"] == "aes128gcm"
        scheme, _, params = request["headers"]["Authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(p.strip().split("=", 1) for p in params.split(","))
        server_key = (await client.get("/api/push/vapid-public-key")).json()["vapid"]
        assert parts["k"] == server_key["public_key"]
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                              unb64url(parts["k"]))
        claims = jwt.decode(parts["t"], public, algorithms=["ES256"],
                            audience=f"http://127.0.0.1:{push_stub.port}")
        assert claims["sub"] == platform.settings.vapid_subject
        with pytest.raises(http_ece.ECEException):
            comments.decrypt(request["body"])  # encrypted for that browser only
        success = await platform.db.read(lambda s: s.scalar(select(
            PushSubscription.last_success_at).where(
            PushSubscription.endpoint == push_stub.endpoint("likes"))))
        assert success is not None

    async def test_gone_subscriptions_are_pruned_failures_counted(
            self, client: AsyncClient, factory: Factory, platform, push_stub: PushStub) -> None:
        mia = await factory.user()
        for name, status in (("ok", 201), ("gone", 410), ("missing", 404), ("flaky", 500)):
            await client.post("/api/push/subscriptions", headers=mia.headers,
                              json=Browser().subscription(push_stub.endpoint(name, status)))
        await notify_user(platform, mia.id, None, "follow")
        assert sorted(r["name"] for r in push_stub.received) == ["flaky", "gone", "missing", "ok"]
        rows = await platform.db.read(lambda s: {
            r.endpoint.rsplit("/", 1)[1]: r.failure_count
            for r in s.scalars(select(PushSubscription))})
        assert rows == {"ok": 0, "flaky": 1}

    async def test_no_push_for_other_users(self, client: AsyncClient, factory: Factory,
                                           platform, push_stub: PushStub) -> None:
        mia, zoe = await factory.user(), await factory.user()
        await client.post("/api/push/subscriptions", headers=zoe.headers,
                          json=Browser().subscription(push_stub.endpoint("zoe")))
        await notify_user(platform, mia.id, None, "like")
        assert push_stub.received == []
