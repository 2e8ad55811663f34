"""Background jobs: retries keep the work, periodic jobs run, Redis mode runs in a worker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tanvi_social.core.jobs import (
    JobRunner,
    enqueue,
    enqueue_coalesced,
    register_job,
    runner_of,
    unregister_job,
)
from tanvi_social.core.platform import Platform
from tests.conftest import make_settings


@pytest.fixture
def ledger() -> Iterator[dict[str, Any]]:
    """Jobs for these tests write into this dict; flaky ones fail a set number of times first."""
    state: dict[str, Any] = {"done": {}, "attempts": {}, "fail_first": 0}

    async def flaky(platform: Any, *, key: str, amount: int) -> None:
        state["attempts"][key] = state["attempts"].get(key, 0) + 1
        if state["attempts"][key] <= state["fail_first"]:
            raise RuntimeError(f"transient failure {state['attempts'][key]}")
        state["done"][key] = amount  # idempotent: keyed by the job's own key

    async def tick(platform: Any) -> None:
        state["ticks"] = state.get("ticks", 0) + 1

    register_job("test.flaky", flaky, retries=3)
    register_job("test.tick", tick, every_seconds=0.2)
    yield state
    unregister_job("test.flaky")
    unregister_job("test.tick")


async def test_failing_job_is_retried_and_its_work_is_kept(platform: Any,
                                                          ledger: dict[str, Any]) -> None:
    ledger["fail_first"] = 2
    await enqueue(platform, "test.flaky", key="a", amount=7)
    await runner_of(platform).drain()
    assert ledger["done"] == {"a": 7}
    assert ledger["attempts"]["a"] == 3
    stats = runner_of(platform).describe()["jobs"]["test.flaky"]
    assert stats["failed_attempts"] == 2
    assert stats["succeeded"] == 1
    assert stats["given_up"] == 0


async def test_job_that_keeps_failing_gives_up_after_its_retries(platform: Any,
                                                                ledger: dict[str, Any]) -> None:
    ledger["fail_first"] = 100
    await enqueue(platform, "test.flaky", key="b", amount=1)
    await runner_of(platform).drain()
    assert ledger["done"] == {}
    assert ledger["attempts"]["b"] == 4  # first try + 3 retries
    stats = runner_of(platform).describe()["jobs"]["test.flaky"]
    assert stats["given_up"] == 1
    assert "transient failure 4" in stats["last_error"]


async def test_unknown_job_is_refused(platform: Any) -> None:
    with pytest.raises(KeyError):
        await enqueue(platform, "no.such.job")


async def test_register_job_checks_its_arguments() -> None:
    def not_async(platform: Any) -> None:
        return None

    async def fine(platform: Any) -> None:
        return None

    with pytest.raises(TypeError):
        register_job("test.sync", not_async)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        register_job("test.neg", fine, every_seconds=0)


async def test_periodic_scheduler_runs_every_slot(platform: Any, ledger: dict[str, Any]) -> None:
    runner = JobRunner(platform)
    await runner.startup(scheduler=True)
    try:
        await asyncio.sleep(0.75)
    finally:
        await runner.shutdown()
    assert 2 <= ledger.get("ticks", 0) <= 4


async def test_redis_mode_runs_jobs_in_the_worker_and_retries(
        redis_url: str, database_url: str, var_dir: Path, ledger: dict[str, Any]) -> None:
    settings = make_settings(database_url, var_dir, redis_url=redis_url)
    api = Platform.build(settings)
    worker = Platform.build(settings)
    await runner_of(api).startup()
    worker_task = asyncio.create_task(runner_of(worker).run_worker())
    try:
        ledger["fail_first"] = 1
        task_id = await enqueue(api, "test.flaky", key="r", amount=3)
        assert task_id
        assert runner_of(api).describe()["broker"] == "redis"
        for _ in range(100):
            if ledger["done"]:
                break
            await asyncio.sleep(0.05)
        assert ledger["done"] == {"r": 3}
        assert ledger["attempts"]["r"] == 2
        # The job ran in the worker, not in the API process.
        assert runner_of(worker).describe()["jobs"]["test.flaky"]["succeeded"] == 1
        assert runner_of(api).describe()["jobs"]["test.flaky"]["started"] == 0
        assert (await runner_of(api).health())["status"] == "ok"
    finally:
        worker_task.cancel()
        await asyncio.gather(worker_task, return_exceptions=True)
        await runner_of(api).shutdown()
        await api.close()
        await worker.close()


async def test_redis_down_runs_jobs_in_process(database_url: str, var_dir: Path,
                                               ledger: dict[str, Any]) -> None:
    settings = make_settings(database_url, var_dir, redis_url="redis://127.0.0.1:1/0")
    api = Platform.build(settings)
    runner = runner_of(api)
    await runner.startup()
    try:
        await enqueue(api, "test.flaky", key="d", amount=5)
        await runner.drain()
        assert ledger["done"] == {"d": 5}
        health = await runner.health()
        assert health["status"] == "degraded"
    finally:
        await runner.shutdown()
        await api.close()


async def test_coalesced_items_go_out_as_one_job(platform: Any) -> None:
    batches: list[list[int]] = []

    async def collect(platform: Any, *, items: list[int]) -> None:
        batches.append(items)

    register_job("test.collect", collect)
    try:
        runner = runner_of(platform)
        for item in (3, 1, 3, 2):
            await enqueue_coalesced(platform, "test.collect", item)
        assert batches == []  # nothing runs until the batch is sent
        await runner.drain()  # sends the pending batch at once, then waits for it
        assert batches == [[3, 1, 2]]  # one job, duplicates once, queue order kept
        await enqueue_coalesced(platform, "test.collect", 9)
        for _ in range(100):  # without drain: sent by its timer, COALESCE_SECONDS later
            if len(batches) == 2:
                break
            await asyncio.sleep(0.02)
        assert batches == [[3, 1, 2], [9]]
        with pytest.raises(KeyError):
            await enqueue_coalesced(platform, "no.such.job", 1)
    finally:
        unregister_job("test.collect")


async def test_a_full_batch_is_sent_without_waiting(platform: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import tanvi_social.core.jobs as jobs

    batches: list[list[int]] = []

    async def collect(platform: Any, *, items: list[int]) -> None:
        batches.append(items)

    monkeypatch.setattr(jobs, "COALESCE_SECONDS", 60.0)
    monkeypatch.setattr(jobs, "COALESCE_MAX_ITEMS", 3)
    register_job("test.collect", collect)
    try:
        for item in range(7):
            await enqueue_coalesced(platform, "test.collect", item)
        for _ in range(100):
            if len(batches) == 2:
                break
            await asyncio.sleep(0.02)
        assert batches == [[0, 1, 2], [3, 4, 5]]  # the 7th waits for its (60 s) timer
        await runner_of(platform).drain()
        assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    finally:
        unregister_job("test.collect")
