"""Background work of the social domain: the notification retention purge."""

from __future__ import annotations

import logging
from typing import Any

from tanvi_social.core.jobs import register_job
from tanvi_social.core.platform import Platform
from tanvi_social.social import notifications

log = logging.getLogger(__name__)

PURGE_JOB = "social.purge_notifications"
PURGE_EVERY_SECONDS = 6 * 3600


async def purge_notifications(platform: Platform, **_: Any) -> int:
    """Delete notifications older than `notification_retention_days` (default 30); idempotent."""
    removed = await platform.db.run(notifications.purge_expired,
                                    platform.settings.notification_retention_days)
    log.info("notification retention purge", extra={"removed": removed})
    return removed


def register(platform: Platform) -> None:
    """Run the purge every six hours (core.jobs scheduler)."""
    register_job(PURGE_JOB, purge_notifications, every_seconds=PURGE_EVERY_SECONDS)
