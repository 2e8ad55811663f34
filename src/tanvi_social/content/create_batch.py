"""Group commit for `POST /posts`: creates that arrive together share one unit of work.

A create costs a handful of statements and a commit, most of them writes nobody reads in the
request (hashtags, filter values, the author's counter, the activity entry, the spam
fingerprint). Requests that reach `CreateBatcher.create` in the same turn of the event loop
are taken together by one task on the next turn, and those arriving while a batch commits
form the next batch (one batch at a time per process, so each sees the ones before it):
`service.create_posts_listed` runs them in order in one unit of work, holding those writes
and sending each table's rows in one executemany, and one commit covers them all
(docs/content.md → "Creating posts in batches").

Every request still gets exactly what it would have got alone: its own post, or its own error
(422, 429) when refused before its INSERT; each 201 is sent only after the commit that holds
its post, and after the listing window took it. A post with images, a remix or a community
post takes a unit of work of its own (`service.batchable`). If the shared unit of work fails
as a whole (a database error), each of its requests is run again alone, so one bad request
cannot fail the others. A create that comes alone never waits (under light load a batch is
one request, as before); after a batch of several, the next waits up to `GATHER_S` for the
clients seen to come back.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from tanvi_social.content import list_cache, service
from tanvi_social.content.schemas import PostCreate
from tanvi_social.core.errors import AppError

MAX_BATCH = 64  # creates per unit of work at most (bounds one commit's time on the loop)
# After a batch of several creates, the next one waits up to this long for a create from each
# connection seen: those of the batch (their clients, just answered, may be sending their next
# posts) and those of the creates already waiting. The group-commit delay of databases
# (PostgreSQL's commit_delay): without it a batch took the first few and the rest formed
# another (wrk, 32 clients: batches of 12 on average instead of 32, ~30 % more CPU per post:
# docs/benchmarks.md). The creates that arrived while the batch ran (SQLite runs it on the
# event loop) are counted after SETTLE_TURNS turns of the loop have brought them to the
# batcher: counting only the batch let two halves of the clients alternate in batches of 16.
# A create after a create that was alone never waits.
GATHER_S = 0.001
SETTLE_TURNS = 3


@dataclass
class _Request:
    user_id: int
    data: PostCreate
    client: Any  # the connection it came on (host, port), or an object of its own
    answer: asyncio.Future[service.Created] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class CreateBatcher:
    """One per app (`platform.extras`): collects creates and runs them in group commits."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform
        self._waiting: list[_Request] = []
        self._drainer: asyncio.Task[None] | None = None
        self._gathering: tuple[int, asyncio.Event] | None = None  # (how many, set when there)

    @property
    def busy(self) -> bool:
        """Whether a batch is running, waiting or pausing for more creates."""
        return self._drainer is not None

    async def create(self, user_id: int, data: PostCreate,
                     client: Any = None) -> service.Created:
        """Create one post; returns when it is committed and listed (or raises its error).
        `client`: the connection it came on (the ASGI scope's), to tell whether the clients of
        a batch come back (see `GATHER_S`)."""
        request = _Request(user_id, data, object() if client is None else client)
        if not service.batchable(data):
            await self._run([request])
        else:
            self._waiting.append(request)
            if self._gathering is not None and len(self._waiting) >= self._gathering[0]:
                self._gathering[1].set()
            if self._drainer is None:
                self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await request.answer

    async def _drain(self) -> None:
        """One batch at a time: starts a turn after the first request and takes every create
        that arrived meanwhile; creates arriving while a batch commits (or in the pause after a
        batch of several: `GATHER_S`) form the next one."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._run(batch)
                if len(batch) > 1:  # the clients just answered may come back: wait for them
                    for _ in range(SETTLE_TURNS):  # creates already received reach the batcher
                        await asyncio.sleep(0)
                    clients = {r.client for r in batch} | {r.client for r in self._waiting}
                    await self._gather(min(MAX_BATCH, len(clients)))
        except BaseException as exc:  # cancelled (the server is stopping)
            waiting, self._waiting = self._waiting, []
            for request in waiting:
                _settle(request, exc)
            raise
        finally:
            self._drainer = None

    async def _gather(self, count: int) -> None:
        """Wait until `count` creates wait, or `GATHER_S` at most."""
        if len(self._waiting) >= count:
            return
        self._gathering = (count, asyncio.Event())
        try:
            async with asyncio.timeout(GATHER_S):
                await self._gathering[1].wait()
        except TimeoutError:
            pass
        finally:
            self._gathering = None

    async def _run(self, batch: list[_Request]) -> None:
        try:
            outcomes = await self._unit(batch)
        except BaseException as exc:  # the shared unit of work failed as a whole
            if len(batch) == 1 or not isinstance(exc, Exception):
                for request in batch:
                    _settle(request, exc)
                if not isinstance(exc, Exception):
                    raise
                return
            for request in batch:  # each alone: one bad request cannot fail the others
                await self._run([request])
            return
        for request, outcome in zip(batch, outcomes, strict=True):
            _settle(request, outcome)

    async def _unit(self, batch: list[_Request]) -> list[service.Created | AppError]:
        platform = self.platform
        started = time.monotonic()
        with list_cache.creating():  # the listing's window takes each post after its card
            outcomes = await platform.db.run(
                service.create_posts_listed, [(r.user_id, r.data) for r in batch],
                platform.settings.public_base_url,
                rate_limits=platform.settings.rate_limits_enabled)
        await list_cache.created(
            platform, [o for o in outcomes if isinstance(o, service.Created)], started)
        return outcomes


def _settle(request: _Request, outcome: Any) -> None:
    if request.answer.done():  # the client went away (its request was cancelled)
        return
    if isinstance(outcome, BaseException):
        request.answer.set_exception(outcome)
    else:
        request.answer.set_result(outcome)


def batcher(platform: Any) -> CreateBatcher:
    """The app's batcher (made on first use)."""
    found: CreateBatcher | None = platform.extras.get("post_creates")
    if found is None:
        found = platform.extras["post_creates"] = CreateBatcher(platform)
    return found
