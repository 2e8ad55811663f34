"""`can_view_post` and `visible_posts_clause` agree with each other on every rule."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tanvi_social.content.access import (
    can_view_post,
    followed_authors_clause,
    get_visible_post,
    visible_posts_clause,
)
from tanvi_social.content.models import Post
from tanvi_social.core.errors import NotFound
from tanvi_social.core.time import utcnow
from tanvi_social.social import graph
from tanvi_social.social.models import Block, Connection, Profile
from tests.factories import Factory


async def _matrix(platform: Any, viewer_ids: list[int | None]) -> dict[Any, tuple[set, set]]:
    def compute(session: Session) -> dict[Any, tuple[set, set]]:
        posts = session.scalars(select(Post)).all()
        out = {}
        for viewer in viewer_ids:
            one = {p.caption for p in posts if can_view_post(session, viewer, p)}
            clause = {p.caption for p in session.scalars(
                select(Post).where(visible_posts_clause(session, viewer)))}
            out[viewer] = (one, clause)
        return out

    return await platform.db.read(compute)


async def test_rules_and_clause_agree(platform: Any, factory: Factory) -> None:
    author = await factory.user()
    follower = await factory.user()
    stranger = await factory.user()
    blocked = await factory.user()
    private_author = await factory.user()

    def setup(session: Session) -> None:
        session.add_all([
            Connection(follower_id=follower.id, target_id=author.id, state="accepted"),
            Connection(follower_id=blocked.id, target_id=author.id, state="accepted"),
            Connection(follower_id=stranger.id, target_id=author.id, state="pending"),
            Connection(follower_id=follower.id, target_id=private_author.id, state="accepted"),
            Block(blocker_id=author.id, blocked_id=blocked.id),
        ])
        # every user has a profile from registration; make this one private
        session.execute(update(Profile).where(Profile.user_id == private_author.id)
                        .values(visibility="private"))
        now = utcnow()
        for caption, kw in {
            "public": {}, "followers": {"visibility": "followers"},
            "private": {"visibility": "private"}, "draft": {"is_draft": True},
            "deleted": {"deleted_at": now}, "held": {"moderation_state": "held"},
            "hidden": {"moderation_state": "hidden"}, "removed": {"moderation_state": "removed"},
        }.items():
            session.add(Post(author_id=author.id, caption=caption, **kw))
        session.add(Post(author_id=private_author.id, caption="private-account-public"))

    await platform.db.run(setup)
    result = await _matrix(platform, [None, author.id, follower.id, stranger.id, blocked.id,
                                      private_author.id])
    for one, clause in result.values():
        assert one == clause
    assert result[None][0] == {"public"}
    assert result[author.id][0] == {"public", "followers", "private", "draft", "held", "hidden"}
    assert result[follower.id][0] == {"public", "followers", "private-account-public"}
    assert result[stranger.id][0] == {"public"}
    assert result[blocked.id][0] == set()
    assert result[private_author.id][0] == {"public", "private-account-public"}

    def followed(session: Session) -> dict[int, tuple[set, set]]:
        """The home timeline's clause: published posts of followed authors (and one's own) the
        rule lets the viewer see, and nothing by anyone else (one's own drafts stay out)."""
        posts = session.scalars(select(Post)).all()
        authors = {p.author_id for p in posts} | {stranger.id}
        out = {}
        for viewer in (author.id, follower.id, stranger.id, blocked.id, private_author.id):
            following = graph.following_ids(session, viewer)
            one = {p.caption for p in posts if can_view_post(session, viewer, p)
                   and p.author_id in following | {viewer} and not p.is_draft}
            clause = {p.caption for p in session.scalars(select(Post).where(
                followed_authors_clause(session, viewer, following, authors)))}
            out[viewer] = (one, clause)
        return out

    by_follow = await platform.db.read(followed)
    for one, clause in by_follow.values():
        assert one == clause
    assert by_follow[author.id][0] == {"public", "followers", "private", "held", "hidden"}
    assert by_follow[follower.id][0] == {"public", "followers", "private-account-public"}
    assert by_follow[stranger.id][0] == set()  # a pending request is not a follow
    assert by_follow[blocked.id][0] == set()


async def test_get_visible_post_is_not_found_for_missing_and_hidden(
        platform: Any, factory: Factory) -> None:
    author = await factory.user()
    other = await factory.user()

    def make(session: Session) -> int:
        post = Post(author_id=author.id, caption="x", visibility="private")
        session.add(post)
        session.flush()
        return post.id

    post_id = await platform.db.run(make)
    assert (await platform.db.read(lambda s: get_visible_post(s, author.id, post_id).id)) == post_id
    with pytest.raises(NotFound):
        await platform.db.read(lambda s: get_visible_post(s, other.id, post_id))
    with pytest.raises(NotFound):
        await platform.db.read(lambda s: get_visible_post(s, None, post_id + 1000))
