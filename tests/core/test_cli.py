from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tanvi_social import __version__
from tanvi_social.accounts.models import User
from tanvi_social.cli import app
from tanvi_social.core.db import Database
from tanvi_social.core.serving import uvicorn_args
from tanvi_social.settings import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TANVI_DATABASE_URL", url)
    monkeypatch.setenv("TANVI_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TANVI_MEDIA_DIR", str(tmp_path / "media"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _count_users(url: str) -> int:
    db = Database(url)
    try:
        return db.run_blocking(lambda s: s.scalar(select(func.count()).select_from(User)))
    finally:
        db.sync_engine.dispose()


class TestCli:
    def test_version(self) -> None:
        result = runner.invoke(app, ["version"])
        assert result.exit_code == 0
        assert __version__ in result.output

    @pytest.mark.sqlite_only
    def test_migrate_seed_is_idempotent(self, cli_env: str) -> None:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        first = runner.invoke(app, ["seed-demo"])
        assert first.exit_code == 0, first.output
        users = _count_users(cli_env)
        assert users >= 50
        second = runner.invoke(app, ["seed-demo"])
        assert second.exit_code == 0
        assert "already present" in second.output
        assert _count_users(cli_env) == users

    @pytest.mark.sqlite_only
    def test_create_admin(self, cli_env: str) -> None:
        assert runner.invoke(app, ["migrate"]).exit_code == 0
        result = runner.invoke(app, ["create-admin", "--username", "boss", "--email",
                                     "boss@example.com", "--password", "runway-ready-2026"])
        assert result.exit_code == 0, result.output
        db = Database(cli_env)
        try:
            role = db.run_blocking(lambda s: s.scalar(select(User.role).where(
                User.username == "boss")))
        finally:
            db.sync_engine.dispose()
        assert role == "admin"

    def test_serve_refuses_several_workers_on_sqlite(self, cli_env: str) -> None:
        result = runner.invoke(app, ["serve", "--workers", "2"])
        assert result.exit_code == 2


class TestServeLoop:
    """`serve` runs on asyncio's event loop unless told otherwise (docs/operations.md)."""

    def test_serve_runs_uvicorn_on_the_asyncio_loop(self, cli_env: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        import uvicorn

        seen: dict[str, Any] = {}
        monkeypatch.setattr(uvicorn, "run", lambda app_path, **kw: seen.update(kw, app=app_path))
        result = runner.invoke(app, ["serve", "--port", "5931"])
        assert result.exit_code == 0, result.output
        assert (seen["app"], seen["loop"], seen["port"], seen["workers"]) == \
            ("tanvi_social.asgi:app", "asyncio", 5931, 1)
        assert seen["http"] == "tanvi_social.core.http_protocol:NoDelayHttpToolsProtocol"
        # the benches and the end-to-end test server start uvicorn with the same options
        assert uvicorn_args() == ["--loop", seen["loop"], "--http", seen["http"],
                                  "--no-proxy-headers"]
        assert seen["proxy_headers"] is False
        assert runner.invoke(app, ["serve", "--loop", "uvloop"]).exit_code == 0
        assert seen["loop"] == "uvloop"

    def test_serve_refuses_an_unknown_loop(self, cli_env: str) -> None:
        result = runner.invoke(app, ["serve", "--loop", "trio"])
        assert result.exit_code == 2
        assert "--loop must be one of asyncio, uvloop, auto" in result.output
