"""Creates that arrive together share one unit of work (content/create_batch.py): each still
gets its own post or its own error, counters and rows are exact, and the analysis is what the
same posts created one by one get."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tanvi_social.content import create_batch, service
from tanvi_social.content.models import Post, PostFacet, PostHashtag
from tanvi_social.moderation.models import TextFingerprint
from tanvi_social.social.models import Activity
from tests.conftest import AppHarness
from tests.content.helpers import make_post
from tests.content.test_posts import posts_count
from tests.factories import Factory, TestUser
from tests.media.images import encode, scene


@pytest.fixture
def batch_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of creates in each unit of work the batcher runs."""
    sizes: list[int] = []
    real = service.create_posts_listed

    def recording(session: Any, requests: Any, *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(requests))
        return real(session, requests, *args, **kwargs)

    monkeypatch.setattr(service, "create_posts_listed", recording)
    return sizes


async def post_together(client: AsyncClient, bodies: list[tuple[TestUser, dict[str, Any]]]
                        ) -> list[Any]:
    # signed in first (auth state cached), so every request reaches the batcher at once
    for user in {user.id: user for user, _ in bodies}.values():
        assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200
    return await asyncio.gather(*(client.post("/api/content/posts", json=body,
                                              headers=user.headers) for user, body in bodies))


async def count(platform: Any, model: Any, *where: Any) -> int:
    return await platform.db.read(
        lambda s: s.scalar(select(func.count()).select_from(model).where(*where)))


def without_times(analysis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in analysis.items() if k != "computed_at"}


async def test_posts_sent_together_share_a_unit_of_work_and_are_each_exact(
        client: AsyncClient, factory: Factory, platform: Any, batch_sizes: list[int]) -> None:
    users = await factory.users(12, prefix="batch")
    other = await factory.user("reader")
    newest = "/api/content/posts?sort=new&per_page=20"
    assert (await client.get(newest, headers=other.headers)).status_code == 200  # window cached
    bodies = [(u, {"caption": f"Look {i} of the week #linen #b{i}", "occasion": "brunch",
                   "style_tags": ["minimalist"]}) for i, u in enumerate(users)]
    responses = await post_together(client, bodies)

    assert [r.status_code for r in responses] == [201] * 12
    assert max(batch_sizes) > 1  # they did share a unit of work
    assert sum(batch_sizes) == 12
    for (user, body), response in zip(bodies, responses, strict=True):
        post = response.json()["post"]
        assert post["author"]["id"] == user.id
        assert post["caption"] == body["caption"]
        assert post["hashtags"] == ["linen", f"b{bodies.index((user, body))}"]
        assert await posts_count(platform, user.id) == 1
    ids = [r.json()["post"]["id"] for r in responses]
    assert len(set(ids)) == 12
    assert await count(platform, PostHashtag, PostHashtag.post_id.in_(ids)) == 24
    assert await count(platform, PostFacet, PostFacet.post_id.in_(ids)) > 0
    assert await count(platform, Activity, Activity.type == "create",
                       Activity.target_id.in_(ids)) == 12
    assert await count(platform, TextFingerprint) == 12
    # the listing's window took the whole batch (one update) and the batch cached the cards:
    # the reader's first page reads only their own state for the new posts, the next is a hit
    listing = await client.get(newest, headers=other.headers)
    assert [p["id"] for p in listing.json()["posts"]] == sorted(ids, reverse=True)
    again = await client.get(newest, headers=other.headers)
    assert again.headers["X-Cache"] == "hit"
    assert again.json()["posts"] == listing.json()["posts"]
    # each post is readable by others at once, as stored: each response's id is the row of
    # its own request (the batch's INSERT hands the ids out in the order of its rows)
    for (user, body), pid in zip(bodies, ids, strict=True):
        read = await client.get(f"/api/content/posts/{pid}", headers=other.headers)
        assert read.status_code == 200
        assert read.json()["post"]["caption"] == body["caption"]
        assert read.json()["post"]["author"]["id"] == user.id


async def test_analysis_in_a_batch_is_what_one_by_one_gives(
        client: AsyncClient, factory: Factory, platform: Any, batch_sizes: list[int]) -> None:
    """The trend count of a post in a batch includes the earlier posts of the same batch, as
    if they had been created one after the other."""
    users = await factory.users(6, prefix="trend")
    captions = [f"Camel coat, take {i} #camelcoat #autumn" for i in range(6)]
    together = await post_together(client, [(u, {"caption": c})
                                             for u, c in zip(users, captions, strict=True)])
    assert max(batch_sizes) > 1
    assert sum(batch_sizes) == 6
    batched = [r.json()["post"] for r in together]
    batch_sizes.clear()
    one_by_one = []
    for u, c in zip(users, captions, strict=True):
        # the same posts one by one, with tags of their own (the same empty history)
        one_by_one.append(await make_post(client, u, c.replace("#camelcoat #autumn",
                                                               "#wooltrench #winter")))
    assert batch_sizes == [1] * 6
    for a, b in zip(batched, one_by_one, strict=True):
        renamed = json.dumps(without_times(a["ai_analysis"])).replace(
            "#camelcoat", "#wooltrench").replace("#autumn", "#winter")
        assert json.loads(renamed) == without_times(b["ai_analysis"])
    # the k-th post of the batch counted the k - 1 before it
    assert [p["ai_analysis"]["trend_relevance"]["reasons"][0].split(":")[1] for p in batched] \
        == [f" {k} other posts in 7 days (baseline 0 in the 28 days before)" for k in range(6)]


async def test_a_refused_create_does_not_fail_the_others(
        client: AsyncClient, factory: Factory, platform: Any, batch_sizes: list[int]) -> None:
    """The spam check counts the texts held in the batch: the fourth copy of one author's text
    is a 429, in the same batch as the copies it counts, and the others are created."""
    author, *others = await factory.users(4, prefix="spam")
    text = "Follow me for amazing outfit deals today"
    bodies = [(author, {"caption": text})] * 4 + [(u, {"caption": f"Own words {u.id}"})
                                                  for u in others]
    responses = await post_together(client, bodies)

    statuses = [r.status_code for r in responses]
    assert sorted(statuses[:4]) == [201, 201, 201, 429]
    refused = responses[statuses.index(429)].json()
    assert refused["code"] == "spam_rate_limited"
    assert statuses[4:] == [201, 201, 201]
    assert max(batch_sizes) > 1
    assert sum(batch_sizes) == len(bodies)  # no unit of work failed and was run again
    assert await posts_count(platform, author.id) == 3
    assert await count(platform, Post, Post.author_id == author.id) == 3
    assert await count(platform, TextFingerprint, TextFingerprint.user_id == author.id) == 3


async def test_the_spam_check_of_a_batch_counts_the_stored_copies_too(
        client: AsyncClient, factory: Factory, platform: Any, batch_sizes: list[int]) -> None:
    """Copies posted before the batch (read once for the whole batch) and the batch's own
    copies before each create count together."""
    author, other = await factory.users(2, prefix="again")
    text = "Follow me for amazing outfit deals today"
    for _ in range(2):
        await make_post(client, author, text)
    batch_sizes.clear()
    responses = await post_together(client, [(author, {"caption": text}),
                                             (other, {"caption": "Something else"}),
                                             (author, {"caption": text})])
    assert [r.status_code for r in responses] == [201, 201, 429]
    assert batch_sizes == [3]
    assert await posts_count(platform, author.id) == 3


async def test_a_failed_unit_of_work_runs_each_create_alone(
        client: AsyncClient, factory: Factory, platform: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    real = service.create_posts_listed

    def failing_together(session: Any, requests: Any, *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(requests))
        if len(requests) > 1:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(session, requests, *args, **kwargs)

    monkeypatch.setattr(service, "create_posts_listed", failing_together)
    users = await factory.users(5, prefix="retry")
    responses = await post_together(client, [(u, {"caption": f"Retry {u.id}"}) for u in users])

    assert [r.status_code for r in responses] == [201] * 5
    assert max(sizes) > 1
    assert sizes.count(1) >= 5
    for u in users:
        assert await posts_count(platform, u.id) == 1


async def test_a_create_that_fails_alone_gets_its_own_error(
        client: AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(session: Any, requests: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "create_posts_listed", failing)
    mia = await factory.user("mia")
    r = await client.post("/api/content/posts", json={"caption": "hello"}, headers=mia.headers)
    assert r.status_code == 500
    assert r.json()["code"] == "internal_error"


async def test_posts_with_images_take_a_unit_of_work_of_their_own(
        client: AsyncClient, factory: Factory, batch_sizes: list[int]) -> None:
    users = await factory.users(3, prefix="img")
    media = []
    for seed, u in enumerate(users):
        r = await client.post("/api/media", headers=u.headers,
                              files={"file": ("look.jpg", encode(scene(seed)), "image/jpeg")})
        assert r.status_code == 201, r.text
        media.append(r.json()["media"]["id"])
    bodies = [(u, {"caption": "With a photo", "media_ids": [m]})
              for u, m in zip(users, media, strict=True)]
    bodies += [(u, {"caption": f"Text only {u.id}"}) for u in users]
    responses = await post_together(client, bodies)

    assert [r.status_code for r in responses] == [201] * 6
    assert batch_sizes.count(1) >= 3
    assert sum(batch_sizes) == 6


_looks = itertools.count(1)


async def _closed_loop(harness: AppHarness, users: list[TestUser], rounds: int) -> list[int]:
    """Each user posts `rounds` times on a connection of their own, each post sent when the
    previous one was answered (as wrk's connections do); returns the status codes."""
    async def one(user: TestUser, port: int) -> list[int]:
        transport = ASGITransport(app=harness.app, client=("10.0.0.1", port))
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200
            signed_in.append(user)  # all signed in first, so the creates arrive at once
            if len(signed_in) == len(users):
                start.set()
            await start.wait()
            return [(await client.post("/api/content/posts", json={
                "caption": f"Look number {next(_looks)}"}, headers=user.headers)).status_code
                for _ in range(rounds)]

    start, signed_in = asyncio.Event(), []
    return [code for codes in await asyncio.gather(*(one(u, 40000 + i) for i, u in enumerate(
        users))) for code in codes]


async def test_after_a_batch_the_next_gathers_as_many_creates(
        harness: AppHarness, factory: Factory, platform: Any, batch_sizes: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pause after a batch of several ends as soon as as many creates wait: with pauses of
    2 s, three rounds take far less than the two pauses between them would."""
    monkeypatch.setattr(create_batch, "GATHER_S", 2.0)
    users = await factory.users(6, prefix="loop")
    started = time.monotonic()
    codes = await _closed_loop(harness, users, 3)
    assert codes == [201] * 18
    assert batch_sizes == [6, 6, 6]
    assert time.monotonic() - started < 1.5
    # the pause after the last batch runs out (nobody posts again) and the batcher stops
    batcher = create_batch.batcher(platform)
    while batcher.busy:
        await asyncio.sleep(0.05)
    assert time.monotonic() - started >= 2.0


async def test_the_pause_is_bounded_and_a_lone_create_never_waits(
        harness: AppHarness, factory: Factory, batch_sizes: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(create_batch, "GATHER_S", 1.0)
    users = await factory.users(3, prefix="bound")
    # three together, then only one of them posts again: it waits out the pause (not more)
    assert await _closed_loop(harness, users, 1) == [201] * 3
    started = time.monotonic()
    assert await _closed_loop(harness, users[:1], 1) == [201]
    assert 0.5 <= time.monotonic() - started < 10
    # a create after a batch of one is not held back
    started = time.monotonic()
    assert await _closed_loop(harness, users[:1], 1) == [201]
    assert await _closed_loop(harness, users[:1], 1) == [201]
    assert time.monotonic() - started < 0.5
    assert batch_sizes == [3, 1, 1, 1]
