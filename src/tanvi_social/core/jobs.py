"""Background jobs on taskiq: one registry, an in-memory broker (embedded) or Redis (scale).

Domains register job bodies once (usually from `<domain>/wiring.py`)::

    from tanvi_social.core.jobs import enqueue, register_job

    async def refresh_trends(platform, *, window_hours: int = 24) -> None: ...

    register_job("inspiration.refresh_trends", refresh_trends, every_seconds=300)
    await enqueue(platform, "inspiration.refresh_trends", window_hours=6)

Work that many requests queue for the same job (search indexing of new posts) can be
**coalesced**: `await enqueue_coalesced(platform, "inspiration.index_posts", post_id)` adds the
item to a per-process batch; the batch is sent as one job, `fn(platform, items=[...])`, at most
`COALESCE_SECONDS` later (or at once when it reaches `COALESCE_MAX_ITEMS`), so one unit of work
handles every item queued meanwhile. `JobRunner.drain()` sends pending batches first.

Rules for job bodies: keyword arguments are JSON values; a body must be **idempotent** (it may run
more than once: a failure is retried with exponential back-off, up to `retries` more times, and in
scale mode a message whose worker died is redelivered to another worker).

* Embedded mode (no `TANVI_REDIS_URL`): taskiq's `InMemoryBroker` runs jobs in this process, and a
  small periodic scheduler started by the app's lifespan enqueues the `every_seconds` jobs.
* Scale mode (`TANVI_REDIS_URL`): jobs go to a Redis stream (`taskiq-redis` `RedisStreamBroker`,
  acknowledged after they ran, redelivered when a worker dies); `tanvi-social worker` runs the
  consumer and the periodic scheduler. Several workers may run: each periodic slot is claimed once
  in Redis (`SET NX`), so a periodic job runs once per slot. When Redis cannot be reached, `enqueue`
  runs the job in this process instead, so no work is lost and no request fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.message import TaskiqMessage
from taskiq.middlewares import SimpleRetryMiddleware
from taskiq.result import TaskiqResult

if TYPE_CHECKING:
    from tanvi_social.core.platform import Platform

log = logging.getLogger(__name__)

JobFn = Callable[..., Awaitable[Any]]
TASK_NAME = "tanvi.run_job"
COALESCE_SECONDS = 0.05  # how long a coalesced batch collects items before it is sent
COALESCE_MAX_ITEMS = 500


@dataclass
class JobSpec:
    name: str
    fn: JobFn
    every_seconds: float | None = None
    retries: int = 3


@dataclass
class JobStats:
    enqueued: int = 0
    started: int = 0
    succeeded: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    last_started_at: float | None = None
    last_succeeded_at: float | None = None
    last_error: str | None = None
    total_ms: float = 0.0


_REGISTRY: dict[str, JobSpec] = {}


def register_job(name: str, fn: JobFn, every_seconds: float | None = None, *,
                 retries: int = 3) -> None:
    """Register `async def fn(platform, **kwargs)` under `name` (re-registering replaces it)."""
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"job {name!r} must be an async function")
    if every_seconds is not None and every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    _REGISTRY[name] = JobSpec(name=name, fn=fn, every_seconds=every_seconds, retries=retries)


def registered_jobs() -> dict[str, JobSpec]:
    """The registry (name → spec), for the worker, the monitor and tests."""
    return dict(_REGISTRY)


def unregister_job(name: str) -> None:
    """Remove a job (tests register throw-away jobs)."""
    _REGISTRY.pop(name, None)


def runner_of(platform: Platform) -> JobRunner:
    """The platform's job runner (created on first use)."""
    runner = platform.extras.get("jobs")
    if runner is None:
        runner = JobRunner(platform)
        platform.extras["jobs"] = runner
    return runner


async def enqueue(platform: Platform, name: str, **kwargs: Any) -> str:
    """Queue job `name` with JSON keyword arguments; returns the task id."""
    return await runner_of(platform).enqueue(name, **kwargs)


async def enqueue_coalesced(platform: Platform, name: str, item: Any) -> None:
    """Add `item` (a hashable JSON value, e.g. an id) to this process's pending batch for job
    `name`, whose body takes `items: list`; the batch is sent as one job shortly (see the
    module docstring). Duplicates within a batch are sent once."""
    runner_of(platform).coalesce(name, item)


class BackoffRetryMiddleware(SimpleRetryMiddleware):
    """taskiq's retry middleware, waiting `base * 2**n` seconds (capped at 60 s) between tries."""

    def __init__(self, base_delay: float, on_attempt_failed: Callable[[str, BaseException, bool],
                                                                      None]) -> None:
        super().__init__(default_retry_count=4, default_retry_label=True)
        self.base_delay = base_delay
        self.on_attempt_failed = on_attempt_failed

    async def on_error(self, message: TaskiqMessage, result: TaskiqResult[Any],
                       exception: BaseException) -> None:
        retries = int(message.labels.get("_retries", 0)) + 1
        max_retries = int(message.labels.get("max_retries", self.default_retry_count))
        will_retry = retries < max_retries
        job = str(message.args[0]) if message.args else str(message.kwargs.get("job", "?"))
        self.on_attempt_failed(job, exception, will_retry)
        if will_retry and self.base_delay > 0:
            await asyncio.sleep(min(60.0, self.base_delay * 2 ** (retries - 1)))
        await super().on_error(message, result, exception)


@dataclass
class JobRunner:
    """Per-process job machinery of one platform: brokers, scheduler, per-job statistics."""

    platform: Platform
    stats: dict[str, JobStats] = field(default_factory=dict)
    local: InMemoryBroker = field(init=False)
    remote: AsyncBroker | None = field(init=False, default=None)
    remote_healthy: bool = field(init=False, default=True)
    _scheduler: asyncio.Task[None] | None = field(init=False, default=None)
    _started: bool = field(init=False, default=False)
    _batches: dict[str, dict[Any, None]] = field(init=False, default_factory=dict)
    _timers: dict[str, asyncio.TimerHandle] = field(init=False, default_factory=dict)
    _senders: set[asyncio.Future[None]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        settings = self.platform.settings
        delay = float(getattr(settings, "job_retry_delay_seconds", 1.0))

        async def run_job(job: str, kwargs: dict[str, Any]) -> None:
            await self._execute(job, kwargs)

        self.local = InMemoryBroker(max_async_tasks=16)
        self.local.add_middlewares(BackoffRetryMiddleware(delay, self._attempt_failed))
        self.local.register_task(run_job, task_name=TASK_NAME)
        mode = getattr(settings, "job_broker", "auto")
        if settings.redis_url and mode in ("auto", "redis"):
            from taskiq_redis import RedisStreamBroker

            self.remote = RedisStreamBroker(
                settings.redis_url, queue_name="tanvi:jobs", consumer_group_name="tanvi-workers",
                consumer_id="0", maxlen=100_000, idle_timeout=300_000,
                unacknowledged_lock_timeout=30, socket_connect_timeout=1.0, socket_timeout=5.0,
            )
            self.remote.add_middlewares(BackoffRetryMiddleware(delay, self._attempt_failed))
            self.remote.register_task(run_job, task_name=TASK_NAME)

    # -- running one job -------------------------------------------------------------------
    async def _execute(self, job: str, kwargs: dict[str, Any]) -> None:
        spec = _REGISTRY.get(job)
        if spec is None:
            log.error("unknown job %s", job)
            return
        stats = self.stats.setdefault(job, JobStats())
        stats.started += 1
        stats.last_started_at = time.time()
        start = time.perf_counter()
        await spec.fn(self.platform, **kwargs)
        stats.succeeded += 1
        stats.last_succeeded_at = time.time()
        stats.total_ms += (time.perf_counter() - start) * 1000

    def _attempt_failed(self, job: str, exc: BaseException, will_retry: bool) -> None:
        stats = self.stats.setdefault(job, JobStats())
        stats.failed_attempts += 1
        stats.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if not will_retry:
            stats.given_up += 1
            log.error("job %s failed for good: %s", job, stats.last_error)
        else:
            log.warning("job %s failed, will retry: %s", job, stats.last_error)

    # -- queueing --------------------------------------------------------------------------
    async def enqueue(self, name: str, **kwargs: Any) -> str:
        spec = _REGISTRY.get(name)
        if spec is None:
            raise KeyError(f"no job registered as {name!r}")
        self.stats.setdefault(name, JobStats()).enqueued += 1
        labels = {"max_retries": spec.retries + 1, "retry_on_error": True}
        if self.remote is not None and self.remote_healthy:
            try:
                task = await asyncio.wait_for(
                    self.remote.find_task(TASK_NAME).kicker()  # type: ignore[union-attr]
                    .with_labels(**labels).kiq(name, kwargs), timeout=2.0)
                return str(task.task_id)
            except Exception as exc:
                self._remote_failed(exc)
        task = await self.local.find_task(TASK_NAME).kicker().with_labels(  # type: ignore[union-attr]
            **labels).kiq(name, kwargs)
        return str(task.task_id)

    def coalesce(self, name: str, item: Any) -> None:
        """Add `item` (hashable) to the pending batch of job `name`, sent within
        COALESCE_SECONDS, or now when it is full."""
        if name not in _REGISTRY:
            raise KeyError(f"no job registered as {name!r}")
        batch = self._batches.get(name)
        if batch is None:
            batch = self._batches[name] = {}
            self._timers[name] = asyncio.get_running_loop().call_later(
                COALESCE_SECONDS, self._send_batch, name)
        batch[item] = None
        if len(batch) >= COALESCE_MAX_ITEMS:
            self._send_batch(name)

    def _send_batch(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        items = self._batches.pop(name, None)
        if not items:
            return
        task = asyncio.ensure_future(self._enqueue_batch(name, list(items)))
        self._senders.add(task)
        task.add_done_callback(self._senders.discard)

    async def _enqueue_batch(self, name: str, items: list[Any]) -> None:
        try:
            await self.enqueue(name, items=items)
        except Exception:
            log.exception("could not enqueue a batch of %s (%d items)", name, len(items))

    async def flush_batches(self) -> None:
        """Send every pending coalesced batch now and wait until they are queued."""
        for name in list(self._batches):
            self._send_batch(name)
        if self._senders:
            await asyncio.gather(*list(self._senders), return_exceptions=True)

    def _remote_failed(self, exc: BaseException) -> None:
        if self.remote_healthy:
            log.warning("job broker (Redis) unreachable, running jobs in-process: %s", exc)
        self.remote_healthy = False
        asyncio.get_running_loop().call_later(5.0, self._mark_remote_retry)

    def _mark_remote_retry(self) -> None:
        self.remote_healthy = True

    async def drain(self, timeout: float = 30.0) -> None:
        """Send pending batches, then wait until every in-process job (and its retries, and any
        batch they queued) has finished (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        await self.flush_batches()
        while self.local._running_tasks or self._batches or self._senders:
            if time.monotonic() > deadline:
                raise TimeoutError("jobs still running")
            await asyncio.gather(*list(self.local._running_tasks), return_exceptions=True)
            await self.flush_batches()

    # -- lifecycle -------------------------------------------------------------------------
    async def startup(self, *, scheduler: bool | None = None) -> None:
        """Start the brokers; start the periodic scheduler where this process owns it."""
        if self._started:
            return
        self._started = True
        await self.local.startup()
        if self.remote is not None:
            try:
                await asyncio.wait_for(self.remote.startup(), timeout=3.0)
            except Exception as exc:
                self._remote_failed(exc)
        if scheduler is None:
            scheduler = bool(getattr(self.platform.settings, "jobs_scheduler_enabled", True)) and \
                self.remote is None
        if scheduler:
            self._scheduler = asyncio.create_task(self._schedule_forever(), name="job-scheduler")

    async def shutdown(self) -> None:
        """Stop the scheduler, let running jobs finish (bounded), close the brokers."""
        if self._scheduler is not None:
            self._scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._scheduler
            self._scheduler = None
        with contextlib.suppress(Exception):
            await self.drain(timeout=10.0)
        for task in list(self.local._running_tasks):
            task.cancel()
        if self._started:
            await self.local.shutdown()
            if self.remote is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.remote.shutdown(), timeout=3.0)
        self._started = False

    # -- periodic scheduler ----------------------------------------------------------------
    async def _schedule_forever(self) -> None:
        """Enqueue each periodic job once per slot of `every_seconds` (aligned to the epoch)."""
        next_due: dict[str, float] = {}
        while True:
            now = time.time()
            for name, spec in list(_REGISTRY.items()):
                if spec.every_seconds is None:
                    continue
                due = next_due.get(name)
                if due is None:
                    next_due[name] = (math.floor(now / spec.every_seconds) + 1) * spec.every_seconds
                    continue
                if now >= due:
                    slot = int(now // spec.every_seconds)
                    next_due[name] = (slot + 1) * spec.every_seconds
                    if await self._claim_slot(name, slot, spec.every_seconds):
                        try:
                            await self.enqueue(name)
                        except Exception:
                            log.exception("could not enqueue periodic job %s", name)
            upcoming = list(next_due.values()) or [now + 1.0]
            await asyncio.sleep(max(0.05, min(1.0, min(upcoming) - time.time())))

    async def _claim_slot(self, name: str, slot: int, every: float) -> bool:
        """In scale mode several schedulers may run: the first to claim a slot in Redis wins."""
        redis = self.platform.redis
        if redis is None or self.remote is None:
            return True
        try:
            got = await asyncio.wait_for(redis.set(f"tanvi:jobs:slot:{name}:{slot}", b"1", nx=True,
                                                   ex=max(2, int(every * 2))), timeout=1.0)
            return bool(got)
        except Exception:
            return True

    async def run_worker(self) -> None:
        """Scale mode: consume the Redis stream and run the scheduler until cancelled."""
        if self.remote is None:
            raise RuntimeError("the job worker needs TANVI_REDIS_URL")
        from taskiq.api import run_receiver_task

        self.remote.is_worker_process = True
        await self.startup(scheduler=False)
        self._scheduler = asyncio.create_task(self._schedule_forever(), name="job-scheduler")
        try:
            await run_receiver_task(self.remote, max_async_tasks=16, run_startup=False)
        finally:
            await self.shutdown()

    # -- reporting -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Per-job counters and the broker in use."""
        jobs = {}
        for name, spec in sorted(_REGISTRY.items()):
            s = self.stats.get(name, JobStats())
            jobs[name] = {
                "every_seconds": spec.every_seconds, "enqueued": s.enqueued, "started": s.started,
                "succeeded": s.succeeded, "failed_attempts": s.failed_attempts,
                "given_up": s.given_up, "last_error": s.last_error,
                "mean_ms": round(s.total_ms / s.succeeded, 3) if s.succeeded else None,
            }
        broker = "redis" if self.remote is not None else "memory"
        return {"broker": broker, "healthy": self.remote_healthy, "jobs": jobs}

    async def health(self) -> dict[str, Any]:
        """A health probe for /api/health: the broker answers (Redis) or runs in-process."""
        if self.remote is None:
            return {"status": "ok", "backend": "taskiq-memory"}
        redis = self.platform.redis
        start = time.perf_counter()
        try:
            await asyncio.wait_for(redis.ping(), timeout=0.5)
        except Exception as exc:
            return {"status": "degraded", "backend": "taskiq-redis",
                    "detail": f"Redis unreachable; jobs run in-process ({type(exc).__name__})"}
        return {"status": "ok", "backend": "taskiq-redis",
                "latency_ms": round((time.perf_counter() - start) * 1000, 3)}


def install(platform: Platform) -> JobRunner:
    """Attach the runner to a platform: lifespan hooks and a health check."""
    runner = runner_of(platform)
    platform.extras.setdefault("on_startup", []).insert(0, runner.startup)
    platform.extras.setdefault("on_shutdown", []).insert(0, runner.shutdown)
    platform.extras.setdefault("health_checks", {})["jobs"] = runner.health
    return runner
