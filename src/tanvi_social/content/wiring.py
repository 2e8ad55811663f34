"""Plugs content into the platform: GDPR handlers, moderation targets, periodic jobs, and the
outfit-filter values of posts whose photos' garment tags change."""

from __future__ import annotations

from typing import Any

from tanvi_social.content import filters, gdpr, moderation_hooks, tasks
from tanvi_social.content.events import (
    PostDeleted,
    PostEngagementChanged,
    PostLiked,
    PostModerated,
    PostRemixCountChanged,
    PostSaved,
    PostShared,
    PostUpdated,
)
from tanvi_social.content.service import optional_module
from tanvi_social.core.cache import invalidate_on, keys
from tanvi_social.core.platform import Platform

CLOSE_CHALLENGES_EVERY = 60.0
REFRESH_ANALYSES_EVERY = 3600.0


async def close_challenges_job(platform: Platform) -> None:
    """Record winners of challenges whose end date passed."""
    await platform.db.run(tasks.close_due_challenges)


async def refresh_analyses_job(platform: Platform) -> None:
    """Keep trend relevance of recent posts current."""
    await platform.db.run_in_thread(tasks.refresh_recent_analyses, commit=True)


CARD_EVENTS = (PostUpdated, PostDeleted, PostEngagementChanged, PostLiked, PostSaved, PostShared,
               PostRemixCountChanged, PostModerated)


def setup(platform: Platform) -> None:
    from tanvi_social.media.events import MediaTagsChanged

    async def on_tags_changed(event: Any) -> None:
        await platform.db.run(filters.refresh_for_media, event.media_id)

    gdpr.ensure_registered()
    platform.bus.subscribe(MediaTagsChanged, on_tags_changed)
    for event_type in CARD_EVENTS:
        invalidate_on(platform, event_type, lambda e: [keys.post_card(e.post_id)])
    targets = optional_module("tanvi_social.moderation.targets")
    if targets is not None:
        moderation_hooks.register(targets)
    jobs = optional_module("tanvi_social.core.jobs")
    if jobs is not None:
        jobs.register_job("content.close_challenges", close_challenges_job,
                          every_seconds=CLOSE_CHALLENGES_EVERY)
        jobs.register_job("content.refresh_analyses", refresh_analyses_job,
                          every_seconds=REFRESH_ANALYSES_EVERY)
