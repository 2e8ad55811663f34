"""Plug-in: the roll-up job, Prometheus recording, cache invalidation by domain events."""

from __future__ import annotations

from typing import Any

from tanvi_social.accounts.events import UserAuthChanged, UserDeleted
from tanvi_social.analytics import metrics, service
from tanvi_social.core.cache import invalidate_on, keys
from tanvi_social.core.jobs import register_job
from tanvi_social.core.platform import Platform

ROLLUP_EVERY_SECONDS = 3600


async def rollup_job(platform: Any) -> None:
    """Roll every complete day into the analytics tables (idempotent)."""
    await platform.db.run_in_thread(service.rollup, commit=True)


def setup(platform: Platform) -> None:
    register_job("analytics.rollup", rollup_job, every_seconds=ROLLUP_EVERY_SECONDS)
    if metrics.observe not in platform.monitor.hooks:
        platform.monitor.hooks.append(metrics.observe)
    # post cards are kept current by content.wiring (body, counters and reader state apart)
    for user_event in (UserAuthChanged, UserDeleted):
        invalidate_on(platform, user_event, lambda e: [keys.profile_card(e.user_id)])
