"""How fast can a text post be created in this stack on this machine at all?

    .venv/bin/python bench/bench_write_floor.py [--rounds 2] [--duration 8] [--users 2000]

In one run, alternating, under the same wrk load as `make bench` (`-t2 -c32`, the same
caption-only body, the same 500 signed-in users):

* `floor_ceiling` / `floor_posts`: `bench/floor_app.py`, a bare FastAPI app whose create
  verifies the token, validates the body with the service's `PostCreate` and runs one raw
  `sqlite3` INSERT + commit (the least a create can do here);
* `ceiling` / `text_posts`: the service itself, embedded mode (SQLite, one uvicorn worker, rate
  limits off), on `bench/gen_dataset.py`'s data set, as `make bench` runs it; every client
  signs in once (untimed) right before, so their auth state is cached as in steady use;
* `stack_posts`: the same server's `POST /api/bench/posts` (`bench/stack_floor_app.py`: the
  service plus one route with the create's own dependencies and body model, whose body is the
  floor's single INSERT): what the service's request path costs before the create does anything.

The floor bounds what any implementation of the create could reach on this machine with this
stack (Python, FastAPI, uvicorn, SQLite): the service's create does the floor's work plus
moderation, the spam check, hashtags, the trend count, counters, activity, the author card, the
caches and the events. Results go to bench/results/floor-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.run import (
    DEFAULT_LOOP,
    RESULTS,
    ROOT,
    SECRET,
    Server,
    build_dataset,
    ensure_wrk,
    lua_for,
    machine,
    prepare,
    run_wrk,
)


def warm_auth(url: str, tokens: list[str]) -> None:
    """Untimed: each client signs in once (`GET /api/auth/me`) right before the service's run,
    so its auth state is cached as in steady use (it lives 30 s: otherwise the first post of
    each of the 500 users in every run pays a read the floor does not have)."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for token in tokens:
            client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--follows", type=int, default=50000)
    parser.add_argument("--compare-src", type=Path,
                        help="also run the service from this source tree (another commit's "
                             "`src`, e.g. from `git worktree add`): `text_posts_compared`")
    args = parser.parse_args()
    wrk = ensure_wrk()
    started = datetime.now(UTC)
    result: dict[str, Any] = {"date": started.isoformat(timespec="seconds"), "machine": machine(),
                              "command": "python bench/bench_write_floor.py "
                              + " ".join(sys.argv[1:]),
                              "duration": args.duration, "connections": args.connections,
                              "rounds": []}
    with tempfile.TemporaryDirectory(prefix="tanvi-floor-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        result["dataset"] = build_dataset(url, args.users, args.posts, args.follows)
        data = prepare(url, args.users)
        base = {"TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_SECRET_KEY": SECRET,
                "TANVI_ENV": "prod", "TANVI_VAR_DIR": str(workdir / "var"),
                "TANVI_MEDIA_DIR": str(workdir / "media"), "TANVI_JOBS_SCHEDULER_ENABLED": "false",
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        # the service plus `POST /api/bench/posts` (bench/stack_floor_app.py)
        service = Server({**base, "TANVI_DATABASE_URL": url, "FLOOR_DB": str(workdir / "stack.db")},
                         1, workdir / "service.log", app="bench.stack_floor_app:app").start()
        floor = Server({**base, "FLOOR_SECRET": SECRET, "FLOOR_DB": str(workdir / "floor.db")},
                       1, workdir / "floor.log", app="bench.floor_app:app", live="/live").start()
        posts = lua_for("posts", data, workdir)
        runs = [("floor_ceiling", floor, "/live", None),
                ("floor_posts", floor, "/posts", lua_for("posts", data, workdir, "/posts")),
                ("ceiling", service, "/api/health/live", None),
                ("stack_posts", service, "/api/bench/posts",
                 lua_for("posts", data, workdir, "/api/bench/posts")),
                ("text_posts", service, "/api/content/posts", posts)]
        servers = [service, floor]
        if args.compare_src is not None:
            # a tree from before core/http_protocol.py cannot load that protocol: it gets
            # uvicorn's own; with one worker uvicorn binds the socket itself and asyncio turns
            # Nagle off on its connections anyway (core/serving.py)
            older = not (args.compare_src / "tanvi_social" / "core" / "http_protocol.py").exists()
            # a database of its own: sharing the file, each server's runs grew the other's
            # tables behind its caches (the same code served under both names read 0.81-0.87x
            # as the compared tree: floor-2026-11-27T0900.json)
            copy = workdir / "compared.db"
            with closing(sqlite3.connect(workdir / "bench.db")) as src, \
                    closing(sqlite3.connect(copy)) as dst:
                src.backup(dst)
            compared = Server({**base, "TANVI_DATABASE_URL": f"sqlite:///{copy}",
                               "PYTHONPATH": os.pathsep.join(
                [str(args.compare_src.resolve()), base["PYTHONPATH"]])}, 1,
                workdir / "compared.log",
                options=["--loop", DEFAULT_LOOP, "--no-proxy-headers"] if older else None).start()
            servers.append(compared)
            runs.append(("text_posts_compared", compared, "/api/content/posts", posts))
            result["compared_src"] = str(args.compare_src)
        try:
            for k in range(args.rounds):
                figures: dict[str, Any] = {"load_average": [round(x, 2)
                                                            for x in os.getloadavg()]}
                for name, server, path, script in runs:
                    if name.startswith(("text_posts", "stack_posts")):
                        warm_auth(server.url, data["tokens"])
                    counted = name == "text_posts"  # the service's own batches (stack app)
                    before = httpx.get(server.url + "/api/bench/batches").json() if counted \
                        else None
                    res = run_wrk(wrk, server.url, path, script, args.duration, args.connections)
                    if before is not None:
                        after = httpx.get(server.url + "/api/bench/batches").json()
                        batches = after["batches"] - before["batches"]
                        res["mean_batch"] = round(
                            (after["creates"] - before["creates"]) / max(batches, 1), 1)
                    figures[name] = res
                    print(f"round {k + 1}  {name:<14} {res['rps']:>8,.0f} req/s  "
                          f"p50 {res['p50_ms']:>7.2f} ms  p99 {res['p99_ms']:>8.2f}  "
                          f"errors {res['errors']}"
                          + (f"  mean batch {res['mean_batch']}" if "mean_batch" in res else ""))
                floor_rps, posts_rps = figures["floor_posts"]["rps"], figures["text_posts"]["rps"]
                figures["floor_ratio_to_floor_ceiling"] = round(
                    floor_rps / figures["floor_ceiling"]["rps"], 3)
                figures["text_posts_ratio_to_ceiling"] = round(
                    posts_rps / figures["ceiling"]["rps"], 3)
                figures["text_posts_ratio_to_floor"] = round(posts_rps / floor_rps, 3)
                figures["stack_posts_ratio_to_floor"] = round(
                    figures["stack_posts"]["rps"] / floor_rps, 3)
                if "text_posts_compared" in figures:
                    figures["text_posts_vs_compared"] = round(
                        posts_rps / figures["text_posts_compared"]["rps"], 3)
                    print(f"round {k + 1}  text posts: this tree "
                          f"{figures['text_posts_vs_compared']:.2f} × the compared tree")
                print(f"round {k + 1}  floor posts {figures['floor_ratio_to_floor_ceiling']:.2f}"
                      f" × its ceiling; service text posts "
                      f"{figures['text_posts_ratio_to_ceiling']:.3f} × ceiling, "
                      f"{figures['text_posts_ratio_to_floor']:.2f} × the floor; the service's "
                      f"request path around the floor's INSERT "
                      f"{figures['stack_posts_ratio_to_floor']:.2f} × the floor")
                result["rounds"].append(figures)
        finally:
            for server in servers:
                server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"floor-{started.strftime('%Y-%m-%dT%H%M')}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(f"Stored bench/results/{name}")


if __name__ == "__main__":
    main()
