"""Generate the inspiration benchmark data set: 10k users / 200k posts / 500k follows (defaults).

    .venv/bin/python bench/gen_dataset.py --database-url sqlite:///var/bench.db
    .venv/bin/python bench/gen_dataset.py --database-url postgresql://postgres@127.0.0.1:5432/tanvi_bench

The database must be empty (it is migrated first). Rows go in with bulk statements: one
transaction of executemany batches on SQLite, `COPY ... FROM STDIN` on PostgreSQL. Follow targets
follow a Zipf-like law (a few accounts have thousands of followers, so the timeline's fan-out on
read path is exercised); everything is drawn from a seeded RNG, so the data set is reproducible.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url

from tanvi_social.accounts.models import User
from tanvi_social.content.models import Post, PostHashtag
from tanvi_social.core.db import make_sync_engine, normalise_url
from tanvi_social.core.security import hash_password
from tanvi_social.migrations.runner import upgrade
from tanvi_social.social.models import Connection, Profile

STYLES = ["boho", "minimal", "streetwear", "preppy", "grunge", "classic", "romantic", "sporty",
          "vintage", "y2k", "coastal", "dark_academia"]
TAGS = [*STYLES, "linen", "denim", "ootd", "summer", "autumn", "winter", "spring", "workwear",
        "weekend", "date_night", "thrifted", "sustainable", "capsule", "layering", "knitwear",
        "tailoring", "sneakers", "boots", "silk", "leather", "pastel", "monochrome", "sage",
        "camel", "burgundy", "blush", "festival", "wedding_guest", "beach", "city", "travel",
        "petite", "curvy", "modest", "office", "brunch", "gallery", "rainy_day", "cottagecore",
        "quiet_luxury", "dopamine", "coquette", "gorpcore", "balletcore", "western", "athleisure",
        "resort", "mocha"]
WORDS = ["breezy", "layered", "soft", "bold", "easy", "sharp", "cosy", "light", "vintage",
         "relaxed", "crisp", "flowing", "textured", "structured", "oversized", "cropped", "look",
         "outfit", "fit", "set", "coat", "dress", "skirt", "trousers", "blazer", "cardigan"]


def _defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    for col in table.columns:
        if col.name in row or col.default is None:
            continue
        arg = col.default.arg  # type: ignore[attr-defined]
        row[col.name] = arg(None) if callable(arg) else arg
    return row


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk(conn: Any, table: Table, rows: Iterable[dict[str, Any]], postgres: bool) -> int:
    """Insert rows fast: COPY on PostgreSQL, executemany on SQLite."""
    n = 0
    columns = [c.name for c in table.columns]
    json_cols = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    if postgres:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                row = _defaults(table, row)
                copy.write_row([json.dumps(row.get(c)) if c in json_cols else row.get(c)
                                for c in columns])
                n += 1
        return n
    for batch in _chunks(rows, 20_000):
        conn.execute(table.insert(), [_defaults(table, r) for r in batch])
        n += len(batch)
    return n


def generate(url: str, users: int, posts: int, follows: int, seed: int) -> dict[str, Any]:
    """Build the data set; returns counts and timings."""
    rng = random.Random(seed)
    upgrade(url)
    engine = make_sync_engine(url)
    postgres = make_url(normalise_url(url)[0]).get_backend_name() == "postgresql"
    now = datetime.now(UTC)
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(User)):
            raise SystemExit("The database is not empty; give an empty one.")
        if not postgres:
            conn.execute(text("PRAGMA synchronous=OFF"))
        pw = hash_password("bench-password-2026")
        t = time.perf_counter()
        bulk(conn, User.__table__, ({
            "id": i, "username": f"bench_{i}", "email": f"bench_{i}@bench.test",
            "password_hash": pw, "created_at": now - timedelta(days=60)}
            for i in range(1, users + 1)), postgres)
        # follows: each follower picks distinct targets from a Zipf-like popularity law
        weights = [1.0 / (rank ** 1.0) for rank in range(1, users + 1)]
        order = list(range(1, users + 1))
        rng.shuffle(order)
        per_user = max(1, follows // users)
        pairs: set[tuple[int, int]] = set()
        followers_count = [0] * (users + 1)
        following_count = [0] * (users + 1)
        for follower in range(1, users + 1):
            k = max(1, int(rng.expovariate(1 / per_user)))
            k = min(k, users - 1, per_user * 8)
            targets = set(rng.choices(order, weights=weights, k=k * 2))
            targets.discard(follower)
            for target in list(targets)[:k]:
                pairs.add((follower, target))
            if len(pairs) >= follows:
                break
        while len(pairs) < follows:
            a, b = rng.randint(1, users), rng.choice(order[:200])
            if a != b:
                pairs.add((a, b))
        for a, b in pairs:
            followers_count[b] += 1
            following_count[a] += 1
        post_weights = [1.0 / (rank ** 0.5) for rank in range(1, users + 1)]
        authors = rng.choices(range(1, users + 1), weights=post_weights, k=posts)
        posts_count = [0] * (users + 1)
        for a in authors:
            posts_count[a] += 1
        bulk(conn, Profile.__table__, ({
            "user_id": i, "display_name": f"Bench {i}", "style_tags": rng.sample(STYLES, 2),
            "followers_count": followers_count[i], "following_count": following_count[i],
            "posts_count": posts_count[i], "created_at": now - timedelta(days=60)}
            for i in range(1, users + 1)), postgres)
        timings["users"] = time.perf_counter() - t
        t = time.perf_counter()
        bulk(conn, Connection.__table__, ({
            "id": n, "follower_id": a, "target_id": b, "state": "accepted",
            "created_at": now - timedelta(days=45)}
            for n, (a, b) in enumerate(sorted(pairs), start=1)), postgres)
        timings["follows"] = time.perf_counter() - t
        t = time.perf_counter()
        stamps = sorted(now - timedelta(seconds=rng.uniform(0, 30 * 86400)) for _ in range(posts))
        post_rows: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        for pid, (author, at) in enumerate(zip(authors, stamps, strict=True), start=1):
            tags = rng.sample(TAGS, rng.randint(1, 3))
            likes = int(rng.paretovariate(1.5)) - 1
            saves = likes // 3
            vis = rng.choices(["public", "followers", "private"], weights=[85, 10, 5])[0]
            age_h = (now - at).total_seconds() / 3600
            post_rows.append({
                "id": pid, "author_id": author,
                "caption": " ".join(rng.sample(WORDS, 5)) + " " + " ".join(f"#{x}" for x in tags),
                "hashtags": tags, "style_tags": [t for t in tags if t in STYLES][:2],
                "visibility": vis, "like_count": likes, "save_count": saves,
                "hot_score": (likes + 2 * saves) / (age_h + 2) ** 1.5,
                "created_at": at, "published_at": at})
            tag_rows += [{"post_id": pid, "tag": x, "created_at": at} for x in tags]
        bulk(conn, Post.__table__, post_rows, postgres)
        bulk(conn, PostHashtag.__table__, tag_rows, postgres)
        timings["posts"] = time.perf_counter() - t
        if postgres:
            for table in ("users", "connections", "posts"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    top = sorted(range(1, users + 1), key=lambda i: -followers_count[i])[:3]
    return {"users": users, "posts": posts, "follows": len(pairs),
            "top_followers": [followers_count[i] for i in top],
            "seconds": {k: round(v, 1) for k, v in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--follows", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    print(json.dumps(generate(args.database_url, args.users, args.posts, args.follows, args.seed)))


if __name__ == "__main__":
    main()
