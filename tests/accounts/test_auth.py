from __future__ import annotations

import time
from typing import Any

import jwt
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, select

from tanvi_social.accounts.models import RefreshToken, User
from tests.factories import PASSWORD, Factory

GOOD_PASSWORD = "velvet-blazer-42"


async def register(
    client: AsyncClient, username: str = "mia_styles", password: str = GOOD_PASSWORD
) -> dict:
    response = await client.post(
        "/api/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": password},
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestRegister:
    async def test_register_returns_user_and_tokens(self, client: AsyncClient) -> None:
        body = await register(client)
        assert body["success"] is True
        assert body["user"]["username"] == "mia_styles"
        assert body["user"]["role"] == "user"
        assert body["tokens"]["token_type"] == "bearer"
        assert body["timestamp"].endswith("Z")

    async def test_password_is_stored_as_argon2id(self, client: AsyncClient, platform) -> None:
        await register(client)
        stored = await platform.db.read(
            lambda s: s.scalar(select(User.password_hash).where(User.username == "mia_styles"))
        )
        assert stored.startswith("$argon2id$")
        assert GOOD_PASSWORD not in stored

    async def test_duplicate_username_any_case_is_409(self, client: AsyncClient) -> None:
        await register(client)
        response = await client.post(
            "/api/auth/register",
            json={
                "username": "MIA_STYLES",
                "email": "other@example.com",
                "password": GOOD_PASSWORD,
            },
        )
        assert response.status_code == 409
        assert response.json()["code"] == "username_taken"

    async def test_common_password_rejected(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json={"username": "zara_edit", "email": "z@example.com", "password": "password123"},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "weak_password"

    async def test_short_password_rejected(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json={"username": "zara_edit", "email": "z@example.com", "password": "Ab1!"},
        )
        assert response.status_code == 422

    async def test_role_in_body_is_ignored(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json={
                "username": "sneaky",
                "email": "s@example.com",
                "password": GOOD_PASSWORD,
                "role": "admin",
                "is_verified": True,
            },
        )
        assert response.status_code == 201
        assert response.json()["user"]["role"] == "user"
        assert response.json()["user"]["is_verified"] is False

    async def test_bad_username_is_422(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            json={"username": "<script>", "email": "s@example.com", "password": GOOD_PASSWORD},
        )
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"


class TestLoginFlow:
    async def test_register_login_me_refresh_logout(self, client: AsyncClient) -> None:
        await register(client)
        login = await client.post(
            "/api/auth/login", json={"login": "mia_styles@example.com", "password": GOOD_PASSWORD}
        )
        assert login.status_code == 200
        tokens = login.json()["tokens"]
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = await client.get("/api/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["user"]["username"] == "mia_styles"

        refreshed = await client.post(
            "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200
        new_tokens = refreshed.json()["tokens"]
        assert new_tokens["refresh_token"] != tokens["refresh_token"]

        new_headers = {"Authorization": f"Bearer {new_tokens['access_token']}"}
        out = await client.post(
            "/api/auth/logout",
            headers=new_headers,
            json={"refresh_token": new_tokens["refresh_token"]},
        )
        assert out.status_code == 200
        again = await client.post(
            "/api/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
        )
        assert again.status_code == 401
        revoked = await client.get("/api/auth/me", headers=new_headers)
        assert revoked.status_code == 401

    async def test_login_by_username_case_insensitive(self, client: AsyncClient) -> None:
        await register(client)
        login = await client.post(
            "/api/auth/login", json={"login": "Mia_Styles", "password": GOOD_PASSWORD}
        )
        assert login.status_code == 200

    async def test_unknown_user_and_wrong_password_look_the_same(self, client: AsyncClient) -> None:
        await register(client)
        wrong = await client.post(
            "/api/auth/login", json={"login": "mia_styles", "password": "nope-nope-nope"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"login": "ghost_user", "password": "nope-nope-nope"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["error"] == unknown.json()["error"]
        assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"


class TestRefreshRotation:
    async def test_reused_refresh_token_revokes_family(self, client: AsyncClient, platform) -> None:
        body = await register(client)
        first = body["tokens"]["refresh_token"]
        second = (await client.post("/api/auth/refresh", json={"refresh_token": first})).json()[
            "tokens"
        ]["refresh_token"]
        reuse = await client.post("/api/auth/refresh", json={"refresh_token": first})
        assert reuse.status_code == 401
        assert reuse.json()["code"] == "refresh_token_reused"
        # the legitimate newest token of the family is revoked too
        stolen_family = await client.post("/api/auth/refresh", json={"refresh_token": second})
        assert stolen_family.status_code == 401
        live = await platform.db.read(
            lambda s: s.scalar(
                select(func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.revoked_at.is_(None))
            )
        )
        assert live == 0


class TestLoginRateLimit:
    async def test_eleventh_failure_in_a_minute_is_429(self, client: AsyncClient) -> None:
        await register(client)
        for _ in range(10):
            r = await client.post(
                "/api/auth/login", json={"login": "mia_styles", "password": "bad-bad-bad"}
            )
            assert r.status_code == 401
        r = await client.post(
            "/api/auth/login", json={"login": "mia_styles", "password": GOOD_PASSWORD}
        )
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["code"] == "rate_limited"


def client_at(harness: Any, address: str) -> AsyncClient:
    """A client whose requests come from `address` (the limiter keys on the client address)."""
    transport = ASGITransport(app=harness.app, client=(address, 40000))
    return AsyncClient(transport=transport, base_url="http://test")


async def sign_up(client: AsyncClient, username: str) -> Response:
    return await client.post("/api/auth/register", json={
        "username": username, "email": f"{username}@example.com", "password": GOOD_PASSWORD})


class TestSignupRateLimit:
    async def test_twenty_first_signup_from_one_address_is_429_others_still_allowed(
        self, harness: Any, platform: Any
    ) -> None:
        async with client_at(harness, "203.0.113.7") as crowd, \
                client_at(harness, "198.51.100.20") as neighbour:
            for i in range(20):
                r = await sign_up(crowd, f"crowd_{i}")
                assert r.status_code == 201, r.text
                assert r.headers["X-RateLimit-Limit"] == "20"
                assert r.headers["X-RateLimit-Remaining"] == str(19 - i)
            refused = await sign_up(crowd, "crowd_20")
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 3600
            assert refused.headers["X-RateLimit-Remaining"] == "0"
            body = refused.json()
            assert body["success"] is False
            assert body["code"] == "rate_limited"
            assert body["error"]
            assert body["request_id"] == refused.headers["x-request-id"]
            # Another attempt from the same address is refused too; the refused account does
            # not exist; another address is unaffected.
            assert (await sign_up(crowd, "crowd_21")).status_code == 429
            assert (await sign_up(neighbour, "neighbour_0")).status_code == 201
        names = await platform.db.read(lambda s: set(s.scalars(select(User.username))))
        assert "crowd_20" not in names
        assert "crowd_21" not in names
        assert len(names) == 21

    async def test_limit_is_a_setting_and_off_when_limits_are_disabled(
        self, make_harness: Any
    ) -> None:
        strict = await make_harness(rate_limit_signups_per_hour=2)
        async with strict.client() as client:
            assert (await sign_up(client, "strict_0")).status_code == 201
            assert (await sign_up(client, "strict_1")).status_code == 201
            r = await sign_up(client, "strict_2")
            assert r.status_code == 429
            assert r.headers["X-RateLimit-Limit"] == "2"
        unlimited = await make_harness(rate_limits_enabled=False,
                                       rate_limit_signups_per_hour=1)
        async with unlimited.client() as client:
            for i in range(3):
                r = await sign_up(client, f"free_{i}")
                assert r.status_code == 201, r.text
                assert "X-RateLimit-Limit" not in r.headers


class TestPasswordChange:
    async def test_old_tokens_stop_working(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user("ines_edit")
        r = await client.post(
            "/api/auth/password",
            headers=user.headers,
            json={"current_password": PASSWORD, "new_password": "linen-season-77"},
        )
        assert r.status_code == 200
        assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401
        ok = await client.post(
            "/api/auth/login", json={"login": "ines_edit", "password": "linen-season-77"}
        )
        assert ok.status_code == 200

    async def test_wrong_current_password(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user()
        r = await client.post(
            "/api/auth/password",
            headers=user.headers,
            json={"current_password": "not-it-at-all", "new_password": "linen-season-77"},
        )
        assert r.status_code == 401


class TestTokens:
    async def test_missing_token_is_401(self, client: AsyncClient) -> None:
        r = await client.get("/api/auth/me")
        assert r.status_code == 401
        assert r.json()["code"] == "not_authenticated"

    async def test_tampered_token_is_401(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user()
        head, payload, sig = user.token.split(".")
        tampered = f"{head}.{payload}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tampered}"})
        assert r.status_code == 401

    async def test_alg_none_is_401(self, client: AsyncClient, factory: Factory) -> None:
        user = await factory.user()
        claims = jwt.decode(user.token, options={"verify_signature": False})
        forged = jwt.encode(claims, key=None, algorithm="none")
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
        assert r.status_code == 401

    async def test_expired_token_is_401(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        user = await factory.user()
        now = int(time.time())
        token = jwt.encode(
            {
                "sub": str(user.id),
                "typ": "access",
                "iss": "tanvi-social",
                "aud": "tanvi-social",
                "iat": now - 3600,
                "exp": now - 1800,
                "ver": 0,
            },
            platform.settings.signing_key(),
            algorithm="HS256",
        )
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.json()["code"] == "token_expired"

    async def test_future_iat_wrong_audience_and_wrong_key(
        self, client: AsyncClient, factory: Factory, platform
    ) -> None:
        user = await factory.user()
        now = int(time.time())
        base = {
            "sub": str(user.id),
            "typ": "access",
            "iss": "tanvi-social",
            "aud": "tanvi-social",
            "iat": now,
            "exp": now + 600,
            "ver": 0,
        }
        key = platform.settings.signing_key()
        variants = [
            jwt.encode({**base, "iat": now + 3600}, key, algorithm="HS256"),
            jwt.encode({**base, "aud": "someone-else"}, key, algorithm="HS256"),
            jwt.encode(base, "a-different-key-entirely-000000000000", algorithm="HS256"),
            jwt.encode(base, key, algorithm="HS512"),
        ]
        for token in variants:
            r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, token

    async def test_non_bearer_scheme_is_401(self, client: AsyncClient) -> None:
        r = await client.get("/api/auth/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
        assert r.status_code == 401
