"""Build small worlds for the inspiration tests: posts, follows, blocks, mutes, saves.

Rows are written directly (fast) and the same domain events content records are recorded, so
the search index and timelines are maintained exactly as in production; each write waits for the
background jobs it queued (search indexing), as a reader a moment later would find them done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from tanvi_social.content.events import (
    PostCreated,
    PostDeleted,
    PostEngagementChanged,
    PostUpdated,
)
from tanvi_social.content.filters import refresh_facets
from tanvi_social.content.models import Post, PostHashtag, Reaction, Save
from tanvi_social.core.db import record_event
from tanvi_social.core.time import utcnow
from tanvi_social.social.events import ProfileUpdated, UserBlocked, UserFollowed, UserMuted
from tanvi_social.social.models import Block, Connection, Mute, Profile


class World:
    def __init__(self, platform: Any) -> None:
        self.platform = platform

    async def post(self, author_id: int, caption: str = "", *, hashtags: list[str] | None = None,
                   style_tags: list[str] | None = None, visibility: str = "public",
                   created_at: datetime | None = None, outfit_items: list[dict] | None = None,
                   repost_of_id: int | None = None, likes: int = 0, saves: int = 0,
                   community_id: int | None = None, title: str | None = None) -> int:
        tags = [t.lower() for t in hashtags or []]

        def create(session: Session) -> int:
            at = created_at or utcnow()
            post = Post(author_id=author_id, caption=caption, hashtags=tags,
                        style_tags=style_tags or [], visibility=visibility, created_at=at,
                        published_at=at, outfit_items=outfit_items or [],
                        repost_of_id=repost_of_id, like_count=likes, save_count=saves,
                        hot_score=float(likes + 2 * saves), community_id=community_id,
                        title=title, post_type="repost" if repost_of_id else "outfit")
            session.add(post)
            session.flush()
            for tag in tags:
                session.add(PostHashtag(post_id=post.id, tag=tag, created_at=at))
            refresh_facets(session, post)
            record_event(session, PostCreated(post_id=post.id, author_id=author_id,
                                              visibility=visibility, hashtags=tags,
                                              repost_of_id=repost_of_id))
            return post.id

        post_id: int = await self.platform.db.run(create)
        await self.settle()
        return post_id

    async def settle(self) -> None:
        """Wait for the background jobs queued so far (search indexing)."""
        from tanvi_social.core.jobs import runner_of

        await runner_of(self.platform).drain()

    async def edit(self, post_id: int, **values: Any) -> None:
        def change(session: Session) -> None:
            post = session.get(Post, post_id)
            assert post is not None
            for key, value in values.items():
                setattr(post, key, value)
            post.edited_at = utcnow()
            refresh_facets(session, post)
            record_event(session, PostUpdated(post_id=post_id, author_id=post.author_id))

        await self.platform.db.run(change)
        await self.settle()

    async def delete(self, post_id: int) -> None:
        def remove(session: Session) -> None:
            post = session.get(Post, post_id)
            assert post is not None
            post.deleted_at = utcnow()
            record_event(session, PostDeleted(post_id=post_id, author_id=post.author_id))

        await self.platform.db.run(remove)
        await self.settle()

    async def follow(self, follower_id: int, target_id: int) -> None:
        def create(session: Session) -> None:
            session.add(Connection(follower_id=follower_id, target_id=target_id))
            for uid, column in ((target_id, Profile.followers_count),
                                (follower_id, Profile.following_count)):
                session.execute(update(Profile).where(Profile.user_id == uid)
                                .values({column: column + 1}))
            record_event(session, UserFollowed(follower_id=follower_id, target_id=target_id))

        await self.platform.db.run(create)

    # the rows the services write, and the events they publish (caches listen to them)
    async def block(self, blocker_id: int, blocked_id: int) -> None:
        def create(session: Session) -> None:
            session.add(Block(blocker_id=blocker_id, blocked_id=blocked_id))
            record_event(session, UserBlocked(blocker_id=blocker_id, blocked_id=blocked_id))

        await self.platform.db.run(create)

    async def mute(self, muter_id: int, muted_id: int) -> None:
        def create(session: Session) -> None:
            session.add(Mute(muter_id=muter_id, muted_id=muted_id))
            record_event(session, UserMuted(muter_id=muter_id, muted_id=muted_id))

        await self.platform.db.run(create)

    async def save(self, user_id: int, post_id: int) -> None:
        def create(session: Session) -> None:
            session.add(Save(user_id=user_id, post_id=post_id))
            session.execute(update(Post).where(Post.id == post_id)
                            .values(save_count=Post.save_count + 1))
            record_event(session, PostEngagementChanged(post_id=post_id))

        await self.platform.db.run(create)

    async def like(self, user_id: int, post_id: int) -> None:
        def create(session: Session) -> None:
            session.add(Reaction(user_id=user_id, post_id=post_id))
            session.execute(update(Post).where(Post.id == post_id)
                            .values(like_count=Post.like_count + 1))
            record_event(session, PostEngagementChanged(post_id=post_id))

        await self.platform.db.run(create)

    async def profile(self, user_id: int, **values: Any) -> None:
        def change(session: Session) -> None:
            row = session.get(Profile, user_id)
            if row is None:
                row = Profile(user_id=user_id)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            record_event(session, ProfileUpdated(user_id=user_id))

        await self.platform.db.run(change)


def hours_ago(h: float) -> datetime:
    return utcnow() - timedelta(hours=h)
