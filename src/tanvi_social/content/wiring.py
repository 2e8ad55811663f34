"""Plugs content into the platform: GDPR handlers, moderation targets, periodic jobs, and the
outfit-filter values of posts whose photos' garment tags change."""

from __future__ import annotations

from typing import Any

from tanvi_social.content import card_cache, filters, gdpr, list_cache, moderation_hooks, tasks
from tanvi_social.content.events import (
    PostCreated,
    PostDeleted,
    PostEngagementChanged,
    PostLiked,
    PostModerated,
    PostRemixCountChanged,
    PostSaved,
    PostsErased,
    PostShared,
    PostsReanalysed,
    PostUpdated,
    PostViewerStateChanged,
)
from tanvi_social.content.service import optional_module
from tanvi_social.core.cache import invalidate, invalidate_on
from tanvi_social.core.platform import Platform

CLOSE_CHALLENGES_EVERY = 60.0
REFRESH_ANALYSES_EVERY = 3600.0


async def close_challenges_job(platform: Platform) -> None:
    """Record winners of challenges whose end date passed."""
    await platform.db.run(tasks.close_due_challenges)


async def refresh_analyses_job(platform: Platform) -> None:
    """Keep trend relevance of recent posts current."""
    await platform.db.run_in_thread(tasks.refresh_recent_analyses, commit=True)


# events that change a post's card body or who may see it (counters and the reader's own state
# are refreshed apart, so a like does not drop the card)
CARD_EVENTS: tuple[type, ...] = (PostUpdated, PostDeleted, PostModerated)
COUNTER_EVENTS: tuple[type, ...] = (PostEngagementChanged, PostRemixCountChanged)
READER_STATE_EVENTS: tuple[type, ...] = (PostLiked, PostSaved, PostShared,
                                         PostViewerStateChanged)


def wire_card_cache(platform: Platform) -> None:
    """Keep the pieces of the cached post card current (content.card_cache)."""
    from tanvi_social.social.events import (
        ProfileUpdated,
        UserBlocked,
        UserFollowed,
        UserUnblocked,
        UserUnfollowed,
    )

    for card_event in CARD_EVENTS:
        invalidate_on(platform, card_event, lambda e: [card_cache.card_key(e.post_id)])
    invalidate_on(platform, PostsReanalysed,
                  lambda e: [card_cache.card_key(pid) for pid in e.post_ids])
    invalidate_on(platform, PostsErased, lambda e: [
        k for pid in e.post_ids for k in (card_cache.card_key(pid), card_cache.counts_key(pid))])

    async def on_counts(event: Any) -> None:
        await card_cache.refresh_counts(platform, event.post_id)

    async def on_reader_state(event: Any) -> None:
        await card_cache.refresh_state(platform, event.user_id, event.post_id)

    async def on_profile(event: Any) -> None:
        # the cards embed the author's card and depend on the profile's visibility
        ids = await platform.db.read(card_cache.author_post_ids, event.user_id)
        for start in range(0, len(ids), 500):
            await invalidate(platform, *(card_cache.card_key(pid)
                                         for pid in ids[start:start + 500]))

    for counter_event in COUNTER_EVENTS:
        platform.bus.subscribe(counter_event, on_counts)
    for state_event in READER_STATE_EVENTS:
        platform.bus.subscribe(state_event, on_reader_state)
    platform.bus.subscribe(ProfileUpdated, on_profile)

    async def on_media(event: Any) -> None:
        ids = await platform.db.read(card_cache.media_post_ids, event.media_id)
        await invalidate(platform, *(card_cache.card_key(pid) for pid in ids))

    from tanvi_social.media.events import MediaUpdated

    platform.bus.subscribe(MediaUpdated, on_media)
    invalidate_on(platform, UserFollowed,
                  lambda e: [card_cache.follows_key(e.follower_id, e.target_id)])
    invalidate_on(platform, UserUnfollowed,
                  lambda e: [card_cache.follows_key(e.follower_id, e.target_id)])
    for block_event in (UserBlocked, UserUnblocked):  # a block also ends follows both ways
        invalidate_on(platform, block_event, lambda e: [
            card_cache.blocks_key(e.blocker_id), card_cache.blocks_key(e.blocked_id),
            card_cache.follows_key(e.blocker_id, e.blocked_id),
            card_cache.follows_key(e.blocked_id, e.blocker_id)])


def wire_list_cache(platform: Platform) -> None:
    """Keep the pieces of the cached listing current (content.list_cache)."""
    from tanvi_social.moderation.events import MutedWordsChanged
    from tanvi_social.social.events import (
        ProfileUpdated,
        UserBlocked,
        UserFollowed,
        UserMuted,
        UserUnblocked,
        UserUnfollowed,
        UserUnmuted,
    )

    async def on_post(event: Any) -> None:
        if isinstance(event, PostCreated) and list_cache.creating_now():
            return  # POST /posts: list_cache.created, after the new card is cached
        await list_cache.refresh_window(platform, event.post_id)

    async def on_many(event: Any) -> None:
        await list_cache.refresh_window(platform)

    for post_event in (PostCreated, PostUpdated, PostDeleted, PostModerated):
        platform.bus.subscribe(post_event, on_post)
    for many_event in (PostsErased, ProfileUpdated):  # a profile made private or public
        platform.bus.subscribe(many_event, on_many)
    for follow_event in (UserFollowed, UserUnfollowed):
        invalidate_on(platform, follow_event,
                      lambda e: [list_cache.following_key(e.follower_id)])
    for block_event in (UserBlocked, UserUnblocked):  # a block also ends follows both ways
        invalidate_on(platform, block_event, lambda e: [
            list_cache.following_key(e.blocker_id), list_cache.following_key(e.blocked_id)])
    for mute_event in (UserMuted, UserUnmuted):
        invalidate_on(platform, mute_event, lambda e: [list_cache.mutes_key(e.muter_id)])
    invalidate_on(platform, MutedWordsChanged, lambda e: [list_cache.mutes_key(e.user_id)])


def setup(platform: Platform) -> None:
    from tanvi_social.media.events import MediaTagsChanged

    async def on_tags_changed(event: Any) -> None:
        await platform.db.run(filters.refresh_for_media, event.media_id)

    gdpr.ensure_registered()
    platform.bus.subscribe(MediaTagsChanged, on_tags_changed)
    wire_card_cache(platform)
    wire_list_cache(platform)
    targets = optional_module("tanvi_social.moderation.targets")
    if targets is not None:
        moderation_hooks.register(targets)
    jobs = optional_module("tanvi_social.core.jobs")
    if jobs is not None:
        jobs.register_job("content.close_challenges", close_challenges_job,
                          every_seconds=CLOSE_CHALLENGES_EVERY)
        jobs.register_job("content.refresh_analyses", refresh_analyses_job,
                          every_seconds=REFRESH_ANALYSES_EVERY)
