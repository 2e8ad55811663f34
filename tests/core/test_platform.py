"""Errors, envelope, headers, limits, health and settings: the parts every endpoint relies on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tanvi_social.core.errors import ServiceUnavailable
from tanvi_social.settings import Settings
from tests.conftest import AppHarness, make_settings
from tests.factories import Factory


class TestErrorShape:
    async def test_unknown_api_path_is_json_404(self, client: AsyncClient) -> None:
        r = await client.get("/api/does-not-exist")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == {
            "success": False,
            "error": "Not found",
            "code": "not_found",
            "details": [],
            "request_id": r.headers["x-request-id"],
        }

    async def test_wrong_method_is_json_405(self, client: AsyncClient) -> None:
        r = await client.delete("/api/health")
        assert r.status_code == 405
        assert r.json()["code"] == "method_not_allowed"

    async def test_malformed_json_is_400(self, client: AsyncClient) -> None:
        r = await client.post(
            "/api/auth/login",
            content=b'{"login": "x", ',
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 400
        assert r.json()["code"] == "malformed_json"

    async def test_validation_error_is_422_with_details(self, client: AsyncClient) -> None:
        r = await client.post("/api/auth/login", json={"login": ""})
        assert r.status_code == 422
        body = r.json()
        assert body["code"] == "validation_error"
        assert {tuple(d["loc"]) for d in body["details"]} >= {("body", "password")}

    async def test_oversized_body_is_413(self, client: AsyncClient) -> None:
        big = b'{"login": "' + b"a" * (1024 * 1024 + 10) + b'", "password": "x"}'
        r = await client.post(
            "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"

    async def test_oversized_chunked_body_is_413(self, client: AsyncClient) -> None:
        async def chunks():  # no Content-Length: counted while it streams
            for _ in range(20):
                yield b"x" * (64 * 1024)

        r = await client.post(
            "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413

    async def test_deeply_nested_json_is_a_4xx(self, client: AsyncClient) -> None:
        body = b"[" * 100_000 + b"]" * 100_000
        r = await client.post(
            "/api/auth/login", content=body[:900_000], headers={"Content-Type": "application/json"}
        )
        assert 400 <= r.status_code < 500

    async def test_unhandled_exception_is_500_without_trace(
        self, harness: AppHarness, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def boom() -> None:
            raise RuntimeError("secret internals")

        harness.app.add_api_route("/api/test-boom", boom)
        try:
            async with harness.client(raise_app_exceptions=False) as c:
                r = await c.get("/api/test-boom")
        finally:
            harness.app.router.routes = [
                rt
                for rt in harness.app.router.routes
                if getattr(rt, "path", "") != "/api/test-boom"
            ]
        assert r.status_code == 500
        body = r.json()
        assert body["code"] == "internal_error"
        assert body["request_id"] == r.headers["x-request-id"]
        assert "secret internals" not in r.text
        assert "Traceback" not in r.text


class TestHeaders:
    async def test_request_id_is_echoed(self, client: AsyncClient) -> None:
        r = await client.get("/api/health/live", headers={"X-Request-ID": "abc123"})
        assert r.headers["x-request-id"] == "abc123"

    async def test_security_headers(self, client: AsyncClient) -> None:
        r = await client.get("/api/health/live")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in r.headers["content-security-policy"]

    async def test_cors_allows_configured_origin_only(self, client: AsyncClient) -> None:
        ok = await client.options(
            "/api/auth/me",
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
        )
        assert ok.headers.get("access-control-allow-origin") == "http://localhost:3000"
        bad = await client.options(
            "/api/auth/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in bad.headers


class TestHealth:
    async def test_health_reports_real_checks(self, client: AsyncClient, is_postgres: bool) -> None:
        r = await client.get("/api/health")
        assert r.status_code == 200
        health = r.json()["health"]
        assert health["status"] == "ok"
        assert health["checks"]["database"]["status"] == "ok"
        assert health["checks"]["database"]["backend"] == (
            "postgresql" if is_postgres else "sqlite"
        )
        assert health["checks"]["database"]["latency_ms"] > 0
        assert health["version"]

    async def test_area_health_and_live(self, client: AsyncClient) -> None:
        for path in ("/api/social/health", "/api/performance/health", "/api/health/live"):
            r = await client.get(path)
            assert r.status_code == 200, path

    async def test_database_down_is_503(self, make_harness, tmp_path: Path) -> None:
        h = await make_harness(database_url="postgresql://postgres@127.0.0.1:1/none")
        async with h.client() as c:
            r = await c.get("/api/health")
            assert r.status_code == 503
            assert r.json()["health"]["checks"]["database"]["status"] == "down"
            # a request that needs the database answers 503 JSON, not a 500
            login = await c.post("/api/auth/login", json={"login": "x", "password": "y"})
            assert login.status_code == 503
            assert login.json()["code"] == "database_unavailable"

    async def test_a_pool_with_no_free_connection_is_503_busy(self, platform) -> None:
        def wait_for_a_connection(session) -> None:
            raise PoolTimeout("QueuePool limit of size 20 overflow 30 reached")

        with pytest.raises(ServiceUnavailable) as caught:
            await platform.db.read(wait_for_a_connection)
        assert caught.value.code == "database_busy"
        assert caught.value.headers["Retry-After"] == "1"
        with pytest.raises(ServiceUnavailable):
            await platform.db.run(wait_for_a_connection)

    async def test_info_and_features_come_from_the_live_app(self, client: AsyncClient) -> None:
        info = (await client.get("/api/info")).json()["info"]
        assert info["name"] == "Tanvi Social"
        features = (await client.get("/api/features")).json()["features"]
        auth = next(f for f in features if f["area"] == "auth")
        assert "POST /api/auth/login" in auth["paths"]
        assert auth["endpoints"] == len(auth["paths"])


class TestIdempotency:
    async def test_same_key_returns_first_result(self, client: AsyncClient) -> None:
        payload = {
            "username": "idem_user",
            "email": "idem@example.com",
            "password": "soft-cashmere-9",
        }
        headers = {"Idempotency-Key": "k-123"}
        first = await client.post("/api/auth/register", json=payload, headers=headers)
        second = await client.post("/api/auth/register", json=payload, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json()["user"]["id"] == second.json()["user"]["id"]
        assert second.headers["idempotent-replayed"] == "true"
        third = await client.post("/api/auth/register", json=payload)
        assert third.status_code == 409


class TestSettings:
    def test_prod_refuses_to_start_without_secret(self) -> None:
        with pytest.raises(ValueError, match="TANVI_SECRET_KEY"):
            Settings(env="prod", secret_key=None)

    def test_generated_secret_is_kept(self, tmp_path: Path) -> None:
        a = Settings(var_dir=tmp_path, secret_key=None).signing_key()
        b = Settings(var_dir=tmp_path, secret_key=None).signing_key()
        assert a == b
        assert len(a) >= 40
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_debug_is_off(self, harness: AppHarness) -> None:
        assert harness.app.debug is False


class TestWS1Tokens:
    @pytest.fixture
    async def ws1(self, make_harness) -> AppHarness:
        return await make_harness(ws1_jwt_secret="ws1-shared-secret-for-tests-0123456789")

    def _token(self, **overrides) -> str:
        import time

        import jwt

        now = int(time.time())
        payload = {"user_id": 4242, "username": "ws1_mia", "iat": now, "exp": now + 600}
        payload.update(overrides)
        key = overrides.pop("_key", "ws1-shared-secret-for-tests-0123456789")
        payload.pop("_key", None)
        return jwt.encode(payload, key, algorithm="HS256")

    async def test_ws1_user_is_provisioned_once(self, ws1: AppHarness) -> None:
        async with ws1.client() as c:
            first = await c.get(
                "/api/auth/me", headers={"Authorization": f"Bearer {self._token()}"}
            )
            second = await c.get(
                "/api/auth/me", headers={"Authorization": f"Bearer {self._token()}"}
            )
        assert first.status_code == 200, first.text
        assert first.json()["user"]["username"] == "ws1_mia"
        assert first.json()["user"]["id"] == second.json()["user"]["id"]

    async def test_bad_ws1_tokens_are_401(self, ws1: AppHarness) -> None:
        import time

        import jwt

        now = int(time.time())
        variants = [
            self._token(exp=now - 100, iat=now - 700),
            self._token(_key="wrong-key-wrong-key-wrong-key-000"),
            jwt.encode(
                {"user_id": 1, "username": "x", "iat": now, "exp": now + 60}, None, algorithm="none"
            ),
            self._token(user_id="not-an-int"),
            self._token()[:-3] + "abc",
        ]
        async with ws1.client() as c:
            for token in variants:
                r = await c.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, token

    async def test_ws1_tokens_rejected_when_not_configured(self, client: AsyncClient) -> None:
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {self._token()}"})
        assert r.status_code == 401


class TestRestart:
    async def test_data_and_tokens_survive_a_restart(
        self, settings: Settings, factory: Factory
    ) -> None:
        user = await factory.user("survivor")
        fresh = AppHarness(settings)
        await fresh.start()
        try:
            async with fresh.client() as c:
                r = await c.get("/api/auth/me", headers=user.headers)
        finally:
            await fresh.stop()
        assert r.status_code == 200
        assert r.json()["user"]["username"] == "survivor"


class TestLogs:
    async def test_tokens_and_passwords_never_logged(
        self, client: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        payload = {
            "username": "log_user",
            "email": "log@example.com",
            "password": "very-secret-pass-77",
        }
        r = await client.post("/api/auth/register", json=payload)
        token = r.json()["tokens"]["access_token"]
        await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        text = caplog.text
        assert "very-secret-pass-77" not in text
        assert token not in text


def test_make_settings_defaults(tmp_path: Path) -> None:
    s = make_settings("sqlite:///x.db", tmp_path)
    assert s.env == "test"
    assert s.is_sqlite


class TestMonitorMiddleware:
    async def test_requests_are_recorded_by_route_template(
        self, client: AsyncClient, platform, factory: Factory
    ) -> None:
        user = await factory.user()
        for _ in range(3):
            await client.get("/api/auth/me", headers=user.headers)
        await client.get("/api/nope")
        snapshot = platform.monitor.snapshot()
        routes = {r["route"]: r for r in snapshot["routes"]}
        assert routes["GET /api/auth/me"]["count"] == 3
        assert routes["GET /api/auth/me"]["error_rate"] == 0.0
        assert routes["GET unmatched"]["client_error_rate"] == 1.0


async def test_generated_request_ids_are_unique_and_uuid_sized(client: AsyncClient) -> None:
    ids = [(await client.get("/api/health/live")).headers["x-request-id"] for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_a_forked_worker_draws_request_ids_of_its_own() -> None:
    import multiprocessing

    from tanvi_social.core.middleware import new_request_id

    parent = [new_request_id() for _ in range(3)]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply(new_request_id)
    assert child not in parent
    assert child[:20] != parent[0][:20]  # another prefix, not the parent's next number


async def test_metrics_count_every_request_of_each_series(client: AsyncClient) -> None:
    from prometheus_client import REGISTRY

    def count(route: str, status: str) -> float:
        return REGISTRY.get_sample_value("tanvi_http_requests_total", {
            "method": "GET", "route": route, "status": status}) or 0.0

    live, missing = count("/api/health/live", "200"), count("unmatched", "404")
    for _ in range(3):
        await client.get("/api/health/live")
    await client.get("/api/no-such-thing")
    assert count("/api/health/live", "200") == live + 3
    assert count("unmatched", "404") == missing + 1
