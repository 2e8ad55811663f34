"""Background work of the social domain: the notification retention purge."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from tanvi_social.core.platform import Platform
from tanvi_social.social import notifications

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 6 * 3600


async def purge_notifications(platform: Platform, **_: Any) -> int:
    """Delete notifications older than `notification_retention_days` (default 30)."""
    removed = await platform.db.run(notifications.purge_expired,
                                    platform.settings.notification_retention_days)
    log.info("notification retention purge", extra={"removed": removed})
    return removed


def register(platform: Platform) -> None:
    """Register the purge with core.jobs when the job runner is available."""
    try:
        jobs = importlib.import_module("tanvi_social.core.jobs")
    except ModuleNotFoundError:
        return
    register_job = getattr(jobs, "register_job", None)
    if register_job is not None:
        register_job("social.purge_notifications", purge_notifications,
                     every_seconds=PURGE_EVERY_SECONDS)
