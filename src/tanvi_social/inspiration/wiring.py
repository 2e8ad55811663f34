"""Event subscriptions: search index sync, timeline fan-out, saved-filter notifications; the
trend job; GDPR handlers."""

from __future__ import annotations

import logging
from typing import Any

from tanvi_social.core.platform import Platform
from tanvi_social.inspiration import adapters, gdpr, saved_filters, search, tasks, timeline

log = logging.getLogger(__name__)

__all__ = ["gdpr", "setup"]


def setup(platform: Platform) -> None:
    """Subscribe to content, accounts, social and community events."""
    from tanvi_social.accounts.events import UserRegistered
    from tanvi_social.content.events import PostCreated, PostDeleted, PostUpdated

    async def on_post_created(event: Any) -> None:
        await platform.db.run(search.index_post, event.post_id)
        await timeline.fan_out(platform, event.post_id, event.author_id)
        # after indexing: a saved filter's search text is matched against the new document
        await saved_filters.on_post_created(platform, event.post_id)

    async def on_post_updated(event: Any) -> None:
        await platform.db.run(search.index_post, event.post_id)

    async def on_post_deleted(event: Any) -> None:
        await platform.db.run(search.remove, "post", event.post_id)
        await timeline.fan_out_delete(platform, event.post_id, event.author_id)

    async def on_profile(event: Any) -> None:
        await platform.db.run(search.index_profile, event.user_id)

    platform.bus.subscribe(PostCreated, on_post_created)
    platform.bus.subscribe(PostUpdated, on_post_updated)
    platform.bus.subscribe(PostDeleted, on_post_deleted)
    platform.bus.subscribe(UserRegistered, on_profile)
    social_events = adapters.module("social.events")
    if social_events is not None and hasattr(social_events, "ProfileUpdated"):
        platform.bus.subscribe(social_events.ProfileUpdated, on_profile)
    tasks.register(platform)
    saved_filters.register(platform)
