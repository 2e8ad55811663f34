"""Event subscriptions: search index sync, timeline fan-out, saved-filter notifications; the
trend job; GDPR handlers.

Posts are (re)indexed off the request path: `post.created` / `post.updated` add the post id to
a coalesced `inspiration.index_posts` job (core.jobs), which indexes every post queued in the
last few milliseconds in one unit of work. Search results are re-checked against the live
visibility rule at query time, so a late index entry never shows anything it should not; a
deleted post leaves the index in the request that deleted it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tanvi_social.core.jobs import enqueue_coalesced, register_job
from tanvi_social.core.platform import Platform
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration import (
    adapters,
    gdpr,
    home_cache,
    saved_filters,
    search,
    tasks,
    timeline,
)

log = logging.getLogger(__name__)

__all__ = ["gdpr", "setup"]

INDEX_POSTS_JOB = "inspiration.index_posts"
INDEX_MISSING_EVERY_SECONDS = 600
INDEX_MISSING_LOOKBACK = timedelta(hours=2)


async def index_posts_job(platform: Any, *, items: list[int]) -> None:
    """Job body: (re)index a batch of posts in one unit of work (idempotent)."""
    await platform.db.run(search.index_posts, [int(i) for i in items])


async def index_missing_job(platform: Any) -> None:
    """Periodic catch-up: recent posts whose indexing batch never ran (a process died)."""
    await platform.db.run(search.index_missing_posts, utcnow() - INDEX_MISSING_LOOKBACK)


def setup(platform: Platform) -> None:
    """Subscribe to content, accounts, social and community events."""
    from tanvi_social.accounts.events import UserRegistered
    from tanvi_social.content.events import PostCreated, PostDeleted, PostUpdated

    async def on_post_created(event: Any) -> None:
        await home_cache.author_changed(platform, event.author_id)
        await enqueue_coalesced(platform, INDEX_POSTS_JOB, event.post_id)
        await timeline.fan_out(platform, event.post_id, event.author_id)
        if event.concerns(saved_filters.WATCHER):  # else nothing could match (no unit of work)
            await saved_filters.on_post_created(platform, event.post_id)

    async def on_post_updated(event: Any) -> None:
        await home_cache.author_changed(platform, event.author_id)
        await enqueue_coalesced(platform, INDEX_POSTS_JOB, event.post_id)

    async def on_post_deleted(event: Any) -> None:
        await home_cache.author_changed(platform, event.author_id)
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
    wire_home_cache(platform)
    register_job(INDEX_POSTS_JOB, index_posts_job)
    register_job("inspiration.index_missing_posts", index_missing_job,
                 every_seconds=INDEX_MISSING_EVERY_SECONDS)
    tasks.register(platform)
    saved_filters.register(platform)


def wire_home_cache(platform: Platform) -> None:
    """Drop a viewer's cached first page when what they may or want to see changes
    (home_cache; the authors' side is the stamps set by the post events above)."""
    from tanvi_social.content.events import PostModerated

    async def on_moderated(event: Any) -> None:
        await home_cache.post_moderated(platform, event.post_id)

    platform.bus.subscribe(PostModerated, on_moderated)
    social_events = adapters.module("social.events")
    if social_events is not None:
        async def on_profile(event: Any) -> None:  # the author card of the viewer's own posts
            await home_cache.viewer_changed(platform, event.user_id)

        platform.bus.subscribe(social_events.ProfileUpdated, on_profile)

        async def on_follow(event: Any) -> None:
            await home_cache.viewer_changed(platform, event.follower_id)

        async def on_block(event: Any) -> None:
            await home_cache.viewer_changed(platform, event.blocker_id, event.blocked_id)

        async def on_mute(event: Any) -> None:
            await home_cache.viewer_changed(platform, event.muter_id)

        for name, handler in (("UserFollowed", on_follow), ("UserUnfollowed", on_follow),
                              ("UserBlocked", on_block), ("UserUnblocked", on_block),
                              ("UserMuted", on_mute), ("UserUnmuted", on_mute)):
            platform.bus.subscribe(getattr(social_events, name), handler)
    moderation_events = adapters.module("moderation.events")
    if moderation_events is not None:
        async def on_muted_words(event: Any) -> None:
            await home_cache.viewer_changed(platform, event.user_id)

        platform.bus.subscribe(moderation_events.MutedWordsChanged, on_muted_words)
