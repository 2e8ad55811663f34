"""`make bench`: the service under wrk, embedded (SQLite) and scale mode (PostgreSQL + Redis).

    .venv/bin/python -m bench.run                       # both modes, default data set
    .venv/bin/python -m bench.run --modes embedded --duration 5
    .venv/bin/python -m bench.run --users 10000 --posts 200000 --follows 500000   # issue 8 scale

Each mode: a fresh database under a temp dir (or a fresh PostgreSQL database), the data set from
bench/gen_dataset.py, the service as a uvicorn subprocess (rate limits off), then wrk (Debian
package; installed with apt-get if missing) against, in one run:

* the bare-framework ceiling `/api/health/live`, and `/api/auth/me`;
* a cached post card `GET /api/content/posts/{id}` (after one untimed pass over its posts and
  readers, so the cache is warm) and a feed page `GET /api/content/posts`;
* (untimed) the first listing page once as every reader, so the mixed run starts warm;
* text posts only (`POST /api/content/posts`: posts/s sustained);
* the mixed workload: 70 % reads (post cards, feed pages), 20 % likes/comments, 10 % posts.

It prints requests/s, p50/p95/p99, errors, cache hit rate and peak RSS with each figure's ratio to
the ceiling, stores everything in bench/results/bench-<date>.json (served by
GET /api/performance/benchmarks) and rewrites the "Foundation" and "Mixed workload" sections of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tanvi_social.core.serving import DEFAULT_LOOP, SERVER_LOOPS, uvicorn_args

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PG_ADMIN = os.environ.get("TANVI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TANVI_BENCH_REDIS", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret-" + "b" * 40

DONE_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  -- responses counted by the mixed script's response() in each thread (0 elsewhere)
  local hits, misses, reads, bad = 0, 0, 0, ""
  for _, t in ipairs(threads or {}) do
    hits = hits + (tonumber(t:get("cache_hits")) or 0)
    misses = misses + (tonumber(t:get("cache_misses")) or 0)
    reads = reads + (tonumber(t:get("reads")) or 0)
    bad = bad .. (t:get("bad_statuses") or "")
  end
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"socket_errors\":%d,\"non2xx\":%d," ..
    "\"p50_us\":%d,\"p95_us\":%d,\"p99_us\":%d,\"max_us\":%d," ..
    "\"cache_hits\":%d,\"cache_misses\":%d,\"reads\":%d,\"bad\":\"%s\"}\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    hits, misses, reads, bad))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing the Debian package")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,
                   stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem_kb / 1048576, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


# -- data --------------------------------------------------------------------------------------
def build_dataset(url: str, users: int, posts: int, follows: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from bench.gen_dataset import generate

    return generate(url, users, posts, follows, 20261126)


def prepare(url: str, users: int) -> dict[str, Any]:
    """Make user 1 an admin; pick public post ids and tokens for the load scripts."""
    from sqlalchemy import select, text

    from tanvi_social.content.models import Post
    from tanvi_social.core.db import make_sync_engine
    from tanvi_social.core.security import issue_access_token

    engine = make_sync_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'admin' WHERE id = 1"))
        ids = [r[0] for r in conn.execute(
            select(Post.id).where(Post.visibility == "public").order_by(Post.id.desc())
            .limit(2000))]
    engine.dispose()
    n = min(users, 500)
    tokens = [issue_access_token(SECRET, user_id=i, role="admin" if i == 1 else "user",
                                 token_version=0, minutes=120)[0] for i in range(1, n + 1)]
    return {"post_ids": ids, "tokens": tokens}


# -- server ------------------------------------------------------------------------------------
class Server:
    def __init__(self, env: dict[str, str], workers: int, log: Path,
                 app: str = "tanvi_social.asgi:app", live: str = "/api/health/live",
                 loop: str = DEFAULT_LOOP, options: list[str] | None = None) -> None:
        self.app, self.live = app, live
        self.options = uvicorn_args(loop) if options is None else options
        self.port = _free_port()
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning",
             "--no-access-log", *self.options],
            env=self.env, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited; see {self.log}")
            try:
                if httpx.get(self.url + self.live, timeout=0.5).status_code == 200:
                    time.sleep(1.0 if self.workers > 1 else 0.2)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("server did not start")

    def pids(self) -> list[int]:
        assert self.proc is not None
        pids = [self.proc.pid]
        try:
            out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                                 text=True, check=False).stdout
            pids += [int(p) for p in out.split()]
        except OSError:
            pass
        return pids

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of every server process."""
        peaks = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[str(pid)] = round(int(line.split()[1]) / 1024, 1)
            except OSError:
                continue
        return peaks

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- wrk ---------------------------------------------------------------------------------------
def lua_for(kind: str, data: dict[str, Any], workdir: Path,
            posts_path: str = "/api/content/posts") -> Path:
    tokens = ",".join(json.dumps(t) for t in data["tokens"])
    ids = ",".join(str(i) for i in data["post_ids"])
    head = f"""
local tokens = {{{tokens}}}
local ids = {{{ids}}}
local counter = 0
local tid = 0
local threads = {{}}
setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
init = function(args)
  tid = tonumber(wrk.thread:get("tid")) or 0
  math.randomseed(1234 + tid)
  -- a like's (user, post) pair is counter mod (#tokens * #ids) (see "mixed"): each thread starts
  -- 1/16 of that cycle after the previous one, so two threads never like with the same pair
  -- (with an offset of 1,000,003 they did, 3 requests apart: 409 already_liked in every run)
  counter = tid * math.floor(#tokens * #ids / 16)
end
local function hdr(i)
  return {{["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1],
          ["Content-Type"] = "application/json"}}
end
"""
    bodies = {
        "me": 'request = function() return wrk.format("GET", "/api/auth/me", hdr(1)) end',
        "post_card": """request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/content/posts/" .. ids[(counter % #ids) + 1], hdr(counter))
end""",
        "feed_page": """request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/content/posts?sort=new&per_page=20", hdr(counter))
end""",
        "posts": """request = function()
  counter = counter + 1
  return wrk.format("POST", "POSTS_PATH", hdr(counter),
    '{"caption": "bench outfit ' .. counter .. ' #ootd #bench", "visibility": "public"}')
end""",
        "mixed": """cache_hits = 0
cache_misses = 0
reads = 0
-- a hit is a response the server says it served from its cache without SQL (X-Cache: hit);
-- endpoints without the header are not cached and count only in `reads`
bad_statuses = ""
response = function(status, headers, body)
  if status >= 300 then
    -- the status and the error code of every non-2xx answer ("409/already_liked "), for the
    -- run's `non2xx_answers`
    local code = body and string.match(body, '"code"%s*:%s*"([%w_]+)"') or "-"
    bad_statuses = bad_statuses .. status .. "/" .. code .. " "
  end
  local c = headers["x-cache"] or headers["X-Cache"]
  if c == "hit" then
    cache_hits = cache_hits + 1
  elseif c == "miss" then
    cache_misses = cache_misses + 1
  end
end
request = function()
  counter = counter + 1
  local r = math.random()
  local u = counter % #tokens
  -- (user, post) pairs for likes never repeat: the post advances once per full round of users
  local pid = ids[(math.floor(counter / #tokens) % #ids) + 1]
  if r < 0.35 then
    reads = reads + 1
    return wrk.format("GET", "/api/content/posts/" .. ids[math.random(#ids)], hdr(u))
  elseif r < 0.70 then
    reads = reads + 1
    return wrk.format("GET", "/api/content/posts?sort=new&per_page=20", hdr(u))
  elseif r < 0.80 then
    return wrk.format("POST", "/api/content/posts/" .. pid .. "/likes", hdr(u),
      '{"like_type": "like"}')
  elseif r < 0.90 then
    return wrk.format("POST", "/api/content/posts/" .. ids[math.random(#ids)] .. "/comments",
      hdr(u), '{"content": "love this look ' .. counter .. '"}')
  else
    return wrk.format("POST", "/api/content/posts", hdr(u),
      '{"caption": "bench mixed ' .. counter .. ' #ootd", "visibility": "public"}')
  end
end""",
    }
    path = workdir / f"{kind}{posts_path.replace('/', '_')}.lua"
    path.write_text(head + bodies.get(kind, "").replace("POSTS_PATH", posts_path) + DONE_LUA)
    return path


def run_wrk(wrk: str, url: str, path: str, script: Path | None, duration: int,
            connections: int) -> dict[str, Any]:
    cmd = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s"]
    if script is not None:
        cmd += ["-s", str(script)]
    else:
        cmd += ["-s", str(script_done())]
    cmd.append(url + path)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    match = re.search(r"BENCHJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{out}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    out = {"requests": raw["requests"], "rps": round(raw["requests"] / seconds, 1),
            "errors": raw["socket_errors"] + raw["non2xx"], "non2xx": raw["non2xx"],
            "socket_errors": raw["socket_errors"],
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p95_ms": round(raw["p95_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 2),
            "seconds": round(seconds, 2), "command": " ".join(cmd[:-1]) + " <url>" + path}
    if raw.get("bad"):
        answers: dict[str, int] = {}
        for answer in raw["bad"].split():
            answers[answer] = answers.get(answer, 0) + 1
        out["non2xx_answers"] = answers
    if raw.get("reads"):
        out["served"] = {"cache_hits": raw["cache_hits"], "cache_misses": raw["cache_misses"],
                         "reads": raw["reads"]}
    return out


_DONE: Path | None = None


def script_done() -> Path:
    global _DONE
    if _DONE is None:
        fd, name = tempfile.mkstemp(suffix=".lua")
        os.write(fd, DONE_LUA.encode())
        os.close(fd)
        _DONE = Path(name)
    return _DONE


# -- one mode ----------------------------------------------------------------------------------
def cache_figures(url: str, token: str) -> dict[str, Any]:
    r = httpx.get(url + "/api/performance/cache/stats",
                  headers={"Authorization": f"Bearer {token}"}, timeout=5)
    if r.status_code != 200:
        return {}
    c = r.json()["cache"]
    if c.get("server"):  # Redis: server-wide figures of every worker (per-worker ones differ)
        s = c["server"]
        return {"backend": c["backend"], "hits": s["keyspace_hits"],
                "misses": s["keyspace_misses"], "hit_rate": s["hit_rate"], "scope": "server"}
    return {"backend": c["backend"], "hits": c["hits"], "misses": c["misses"],
            "hit_rate": c["hit_rate"], "scope": "worker"}


def warm_cards(url: str, data: dict[str, Any]) -> dict[str, Any]:
    """Read every post card of the run once, and once as every reader, before it is measured:
    the target is the *cached* card, so the measured run starts with the cache warm (what a
    cold read costs is a miss: see docs/benchmarks.md). Not timed with the run."""
    from concurrent.futures import ThreadPoolExecutor

    ids, tokens = data["post_ids"], data["tokens"]
    jobs = [(ids[i % len(ids)], tokens[i % len(tokens)])
            for i in range(max(len(ids), len(tokens)))]
    started = time.perf_counter()

    def fetch(chunk: list[tuple[int, str]]) -> list[str]:
        with httpx.Client(base_url=url, timeout=30) as client:
            return [client.get(f"/api/content/posts/{pid}",
                               headers={"Authorization": f"Bearer {tok}"}).headers.get(
                                   "x-cache", "none") for pid, tok in chunk]

    with ThreadPoolExecutor(8) as pool:
        seen = [x for part in pool.map(fetch, [jobs[k::8] for k in range(8)]) for x in part]
    return {"requests": len(seen), "misses": seen.count("miss"), "hits": seen.count("hit"),
            "seconds": round(time.perf_counter() - started, 1)}


def warm_listings(url: str, data: dict[str, Any]) -> dict[str, Any]:
    """Read the first listing page once as every reader, right before the mixed run: like the
    post card, the target is the *cached* listing, and each reader's first page reads their own
    pieces (blocks, follows, mutes, liked/saved states of the newest posts). Not timed."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()

    def fetch(chunk: list[str]) -> list[str]:
        with httpx.Client(base_url=url, timeout=30) as client:
            return [client.get("/api/content/posts?sort=new&per_page=20",
                               headers={"Authorization": f"Bearer {tok}"}).headers.get(
                                   "x-cache", "none") for tok in chunk]

    tokens = data["tokens"]
    with ThreadPoolExecutor(8) as pool:
        seen = [x for part in pool.map(fetch, [tokens[k::8] for k in range(8)]) for x in part]
    return {"requests": len(seen), "misses": seen.count("miss"), "hits": seen.count("hit"),
            "seconds": round(time.perf_counter() - started, 1)}


def run_mode(mode: str, args: argparse.Namespace, wrk: str, workdir: Path) -> dict[str, Any]:
    print(f"\n== {mode}: building the data set "
          f"({args.users} users, {args.posts} posts, {args.follows} follows)")
    db_name = None
    env = {"TANVI_RATE_LIMITS_ENABLED": "false", "TANVI_SECRET_KEY": SECRET, "TANVI_ENV": "prod",
           "TANVI_VAR_DIR": str(workdir / mode), "TANVI_MEDIA_DIR": str(workdir / mode / "media"),
           "TANVI_JOBS_SCHEDULER_ENABLED": "false"}
    workers = 1
    if mode == "embedded":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        db_name = f"tanvi_bench_{uuid.uuid4().hex[:8]}"
        admin = make_url(PG_ADMIN).set(drivername="postgresql+psycopg")
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        engine.dispose()
        url = admin.set(database=db_name, drivername="postgresql").render_as_string(
            hide_password=False)
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        prom = workdir / "prom"
        prom.mkdir(exist_ok=True)
        env.update({"TANVI_REDIS_URL": REDIS, "PROMETHEUS_MULTIPROC_DIR": str(prom)})
        workers = 2
    env["TANVI_DATABASE_URL"] = url
    t = time.perf_counter()
    dataset = build_dataset(url, args.users, args.posts, args.follows)
    dataset["build_seconds"] = round(time.perf_counter() - t, 1)
    data = prepare(url, args.users)
    server = Server(env, workers, workdir / f"{mode}.log", loop=args.loop).start()
    results: dict[str, Any] = {"workers": workers, "loop": args.loop, "dataset": dataset,
                               "database":
                               "sqlite" if mode == "embedded" else "postgresql",
                               "cache": "memory" if mode == "embedded" else "redis"}
    try:
        d, c = args.duration, args.connections
        runs = [("ceiling", "/api/health/live", None), ("auth_me", "/api/auth/me", "me"),
                ("post_card", "/api/content/posts/1", "post_card"),
                ("feed_page", "/api/content/posts", "feed_page"),
                ("text_posts", "/api/content/posts", "posts"),
                ("mixed", "/", "mixed")]
        for name, path, kind in runs:
            script = lua_for(kind, data, workdir) if kind else None
            if name == "post_card":
                results["post_card_warmup"] = warm_cards(server.url, data)
            if name == "mixed":
                results["mixed_warmup"] = warm_listings(server.url, data)
                before = cache_figures(server.url, data["tokens"][0])
            res = run_wrk(wrk, server.url, path, script, d, c)
            if name == "mixed":
                after = cache_figures(server.url, data["tokens"][0])
                hits = after.get("hits", 0) - before.get("hits", 0)
                misses = after.get("misses", 0) - before.get("misses", 0)
                # every cache lookup of every family (auth state, revocation, pieces...): not
                # what a client sees, kept for comparison with earlier runs
                res["cache_lookup_hit_rate"] = round(hits / (hits + misses), 4) \
                    if hits + misses else None
                res["cache_lookups"] = hits + misses
                # the hit rate: responses of cached endpoints served from the cache (no SQL),
                # as counted by wrk from the X-Cache header
                served = res.get("served", {})
                cached = served.get("cache_hits", 0) + served.get("cache_misses", 0)
                res["cache_hit_rate"] = round(served["cache_hits"] / cached, 4) if cached \
                    else None
                res["cached_responses"] = cached
                res["reads_from_cache"] = round(served["cache_hits"] / served["reads"], 4) \
                    if served.get("reads") else None
            results[name] = res
            print(f"  {name:<11} {res['rps']:>9,.0f} req/s  p50 {res['p50_ms']:>7.2f} ms  "
                  f"p95 {res['p95_ms']:>7.2f}  p99 {res['p99_ms']:>7.2f}  errors {res['errors']}"
                  f" (non2xx {res['non2xx']} {res.get('non2xx_answers', {})}, "
                  f"socket {res['socket_errors']})")
            if name == "mixed":
                print(f"  {'':<11} cache hit rate {_pct(res['cache_hit_rate'])} of "
                      f"{res['cached_responses']} post-card and listing responses; "
                      f"{_pct(res['reads_from_cache'])} of all reads; "
                      f"lookups {_pct(res['cache_lookup_hit_rate'])}")
        ceiling = results["ceiling"]["rps"]
        for name, _, _ in runs[1:]:
            results[name]["ratio_to_ceiling"] = round(results[name]["rps"] / ceiling, 3)
        results["peak_rss_mb"] = server.peak_rss_mb()
        results["cache_after"] = cache_figures(server.url, data["tokens"][0])
    finally:
        server.stop()
        if db_name is not None:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            engine = create_engine(make_url(PG_ADMIN).set(drivername="postgresql+psycopg"),
                                   isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n"), {"n": db_name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}"'))
            engine.dispose()
    return results


# -- report ------------------------------------------------------------------------------------
def targets(mode: dict[str, Any]) -> list[tuple[str, bool, str]]:
    mixed, ceiling = mode["mixed"], mode["ceiling"]["rps"]
    rss = max(mode["peak_rss_mb"].values()) if mode["peak_rss_mb"] else 0.0
    card = mode["post_card"]["rps"] / ceiling if ceiling else 0.0
    hit = mixed.get("cache_hit_rate")
    total_errors = sum(mode[k]["errors"] for k in ("ceiling", "auth_me", "post_card",
                                                   "feed_page", "text_posts", "mixed"))
    return [
        ("≥ 1,000 text posts/s", mode["text_posts"]["rps"] >= 1000,
         f"{mode['text_posts']['rps']:,.0f}/s"),
        ("mixed ≥ 1,500 req/s", mixed["rps"] >= 1500, f"{mixed['rps']:,.0f} req/s"),
        ("mixed p99 < 100 ms", mixed["p99_ms"] < 100, f"{mixed['p99_ms']} ms"),
        ("cached post card ≥ 50 % of ceiling", card >= 0.5, f"{card:.0%}"),
        ("cache hit rate ≥ 90 % (mixed)", hit is not None and hit >= 0.9,
         "n/a" if hit is None else f"{hit:.0%} of post-card and listing responses served from "
         f"the cache ({_pct(mixed.get('reads_from_cache'))} of all reads)"),
        ("0 errors", total_errors == 0, f"{total_errors}"),
        ("peak RSS < 300 MB per worker", rss < 300, f"{rss} MB"),
    ]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def table(mode: dict[str, Any], names: list[str]) -> str:
    lines = ["| run | req/s | × ceiling | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        r = mode[name]
        lines.append(f"| {name} | {r['rps']:,.0f} | {r.get('ratio_to_ceiling', 1.0):.2f} | "
                     f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |")
    return "\n".join(lines)


def write_doc(result: dict[str, Any]) -> None:
    text = DOC.read_text()
    cmd = result["command"]
    m = result["machine"]
    head = (f"Run {result['date'][:16].replace('T', ' ')} UTC on {m['cpus']} cores "
            f"({m['cpu_model']}), load average at start {m['load_average_at_start']}; "
            f"command `{cmd}`; wrk `-t2 -c{result['connections']} -d{result['duration']}s`. "
            "Raw figures: `bench/results/" + result["file"] + "` (also `GET "
            "/api/performance/benchmarks`).\n\n"
            "The machine was shared with other jobs during the run (see the load average: a "
            "2-core machine at that load gives each process a fraction of a core), so absolute "
            "figures are far below what the same code does on an idle machine: compare ratios "
            "within a run. `errors` counts non-2xx responses plus wrk socket errors (requests "
            "over its 5 s timeout); the JSON file separates them (`non2xx`, `socket_errors`).\n")
    foundation = [head]
    mixed = [head]
    for mode_name, mode in result["results"].items():
        foundation.append(f"\n**{mode_name}** ({mode['database']}, cache {mode['cache']}, "
                          f"{mode['workers']} worker(s)):\n\n"
                          + table(mode, ["ceiling", "auth_me"]) + "\n")
        ds = mode["dataset"]
        mixed.append(
            f"\n**{mode_name}** ({mode['database']} + {mode['cache']} cache, "
            f"{mode['workers']} worker(s); data set {ds['users']:,} users / {ds['posts']:,} "
            f"posts / {ds['follows']:,} follows):\n\n"
            + table(mode, ["ceiling", "post_card", "feed_page", "text_posts", "mixed"])
            + f"\n\nMixed workload cache hit rate: {mode['mixed'].get('cache_hit_rate')} of "
            f"{mode['mixed'].get('cached_responses')} responses of cached endpoints (post cards, "
            "listing pages) "
            "served from the cache without SQL (`X-Cache: hit`, counted by wrk); of all reads, "
            f"{mode['mixed'].get('reads_from_cache')}; "
            f"cache lookups of every family: {mode['mixed'].get('cache_lookup_hit_rate')} over "
            f"{mode['mixed'].get('cache_lookups')}; peak RSS per process (MB): "
            f"{mode['peak_rss_mb']}.\n\nTargets (issue 8):\n\n"
            + "\n".join(f"- {'met' if ok else 'NOT met'}: {name} — {value}"
                        for name, ok, value in targets(mode)) + "\n")
    text = _replace_section(text, "## Foundation", "".join(foundation))
    text = _replace_section(text, "## Mixed workload", "".join(mixed))
    DOC.write_text(text)


def _replace_section(text: str, heading: str, body: str) -> str:
    start = text.find(heading)
    if start < 0:
        return text + f"\n{heading}\n\n{body}\n"
    line_end = text.find("\n", start) + 1
    nxt = text.find("\n## ", line_end)
    end = len(text) if nxt < 0 else nxt + 1
    return text[:line_end] + "\n" + body.rstrip() + "\n\n" + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description="Tanvi Social benchmark suite")
    parser.add_argument("--modes", default="embedded,scale",
                        help="comma list of embedded,scale")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--follows", type=int, default=50000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loop", choices=SERVER_LOOPS, default=DEFAULT_LOOP,
                        help="the server's event loop (default: as `tanvi-social serve`)")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--doc-from", type=Path, help="rewrite the doc from a stored result only")
    args = parser.parse_args()
    if args.doc_from:
        write_doc(json.loads(args.doc_from.read_text()))
        return
    wrk = ensure_wrk()
    random.seed(1)
    started = datetime.now(UTC)
    result: dict[str, Any] = {
        "date": started.isoformat(timespec="seconds"), "machine": machine(),
        "command": "make bench  (python -m bench.run " + " ".join(sys.argv[1:]) + ")",
        "duration": args.duration, "connections": args.connections, "results": {}}
    with tempfile.TemporaryDirectory(prefix="tanvi-bench-") as tmp:
        workdir = Path(tmp)
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            result["results"][mode] = run_mode(mode, args, wrk, workdir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"bench-{started.strftime('%Y-%m-%dT%H%M')}.json"
    result["file"] = name
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(f"\nStored bench/results/{name}")
    for mode_name, mode in result["results"].items():
        print(f"\nTargets, {mode_name}:")
        for target, ok, value in targets(mode):
            print(f"  {'met    ' if ok else 'NOT met'}  {target}: {value}")
    if not args.no_doc:
        write_doc(result)
        print("docs/benchmarks.md updated (Foundation, Mixed workload)")


if __name__ == "__main__":
    main()
