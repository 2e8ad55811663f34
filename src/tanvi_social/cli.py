"""The `tanvi-social` command: serve, migrate, seed-demo, create-admin, worker, version."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from tanvi_social import __version__
from tanvi_social.core.serving import DEFAULT_LOOP, HTTP_PROTOCOL, SERVER_LOOPS

app = typer.Typer(help="Tanvi Social: the social backbone of Tanvi Vanity AI.",
                  no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 5000,
    workers: Annotated[int, typer.Option(help="Worker processes (needs PostgreSQL)")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    loop: Annotated[str, typer.Option(
        help="Event loop: asyncio (default), uvloop or auto (core/serving.py)")]
    = DEFAULT_LOOP,
) -> None:
    """Serve the API and the web client."""
    import uvicorn

    from tanvi_social.settings import get_settings

    if loop not in SERVER_LOOPS:
        typer.echo(f"--loop must be one of {', '.join(SERVER_LOOPS)}", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo("Several workers need PostgreSQL (TANVI_DATABASE_URL); the embedded SQLite "
                   "mode runs one process.", err=True)
        raise typer.Exit(2)
    if workers > 1 and settings.secret_key is None:
        settings.signing_key()  # create var/secret_key once, before the workers race for it
    uvicorn.run("tanvi_social.asgi:app", host=host, port=port, workers=workers,
                log_level=log_level, access_log=False, proxy_headers=False,
                server_header=False, loop=loop, http=HTTP_PROTOCOL)


@app.command()
def migrate() -> None:
    """Apply database migrations (every domain's branch) to the configured database."""
    from tanvi_social.migrations.runner import upgrade
    from tanvi_social.settings import get_settings

    upgrade(get_settings().database_url)
    typer.echo("Database is up to date.")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load demo people and content (idempotent: a second run adds nothing)."""
    from tanvi_social.core.db import Database
    from tanvi_social.seed import run_seed
    from tanvi_social.settings import get_settings

    settings = get_settings()
    db = Database(settings.database_url)
    try:
        results = run_seed(db, media_dir=str(settings.media_dir))
    finally:
        db.sync_engine.dispose()
    added = sum(results.values())
    typer.echo("Demo data already present." if added == 0 else
               "Seeded: " + ", ".join(f"{k}={v}" for k, v in results.items() if v))


@app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(prompt=True)],
    email: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True)],
) -> None:
    """Create an admin account (or promote an existing username)."""
    from tanvi_social.accounts.service import create_admin as create
    from tanvi_social.core.db import Database
    from tanvi_social.settings import get_settings

    db = Database(get_settings().database_url)
    user = db.run_blocking(create, username, email, password)
    typer.echo(f"Admin {user.username} (id {user.id}) is ready.")


@app.command()
def worker(
    run_for: Annotated[float, typer.Option(help="Stop after this many seconds (0 = forever)")] = 0,
) -> None:
    """Scale mode: run the background-job worker and the periodic scheduler (needs Redis)."""
    import asyncio
    import contextlib
    import signal

    from tanvi_social.app import build_platform
    from tanvi_social.core.jobs import runner_of
    from tanvi_social.core.observability import configure_logging
    from tanvi_social.settings import get_settings

    settings = get_settings()
    if not settings.redis_url:
        typer.echo("The job worker needs TANVI_REDIS_URL (embedded mode runs jobs inside "
                   "`tanvi-social serve`).", err=True)
        raise typer.Exit(2)
    configure_logging(json_logs=settings.json_logs)

    async def main() -> None:
        platform = build_platform(settings)
        for start in platform.extras.get("on_startup", []):
            if start != runner_of(platform).startup:
                await start()
        task = asyncio.create_task(runner_of(platform).run_worker())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        typer.echo(f"Job worker running ({len(platform.extras['jobs'].describe()['jobs'])} jobs).")
        try:
            if run_for > 0:
                await asyncio.wait_for(asyncio.shield(task), timeout=run_for)
            else:
                await task
        except (asyncio.CancelledError, TimeoutError):
            pass
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            for stop in reversed(platform.extras.get("on_shutdown", [])):
                with contextlib.suppress(Exception):
                    await stop()
            await platform.close()

    asyncio.run(main())


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"tanvi-social {__version__}")


def main() -> None:  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


if __name__ == "__main__":  # `python -m tanvi_social.cli ...`
    main()
