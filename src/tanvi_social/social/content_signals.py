"""Style signals and engagement figures from what users actually post and save.

Reads published, visible posts through the content domain's agreed `Post` columns (the
contract: style_tags, hashtags, occasion, counters, visibility, moderation_state, deleted_at) and
saves. Only posts anyone may see count, so a score never reveals what a private post contains.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tanvi_social.social import compat, influencers
from tanvi_social.social.models import Profile, Visibility
from tanvi_social.social.vocabulary import normalise_tag

TAG_SATURATION = 3.0  # a tag on three posts weighs as much as one declared in the profile
SAVE_WEIGHT = 0.5  # a saved post says less about one's style than one's own post
RECENT_POSTS = 200  # per user, newest first


def _public_clause(post: Any) -> Any:
    """Posts anyone may see: public, published, visible, outside communities, by public profiles.

    A deliberately simple, cache-friendly subset of content's `visible_posts_clause(None)`.
    """
    from tanvi_social.content.models import ModerationState

    public_authors = select(Profile.user_id).where(Profile.visibility == Visibility.PUBLIC.value)
    return and_(post.visibility == "public", post.is_draft.is_(False), post.deleted_at.is_(None),
                post.moderation_state == ModerationState.VISIBLE.value,
                post.community_id.is_(None), post.author_id.in_(public_authors))


def style_signals(session: Session, user_ids: list[int]) -> dict[int, compat.StyleSignals]:
    """Tags (style tags and hashtags) and occasions from posts and saves, weighted by use."""
    try:
        from tanvi_social.content.models import Post, Save
    except ModuleNotFoundError:  # pragma: no cover - the content domain is not installed
        return {}
    visible = _public_clause(Post)
    tags: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    occasions: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    limit = RECENT_POSTS * max(1, len(user_ids))
    authored = session.execute(
        select(Post.author_id, Post.style_tags, Post.hashtags, Post.occasion)
        .where(Post.author_id.in_(user_ids), visible).order_by(Post.id.desc()).limit(limit))
    saved = session.execute(
        select(Save.user_id, Post.style_tags, Post.hashtags, Post.occasion)
        .join(Post, Post.id == Save.post_id)
        .where(Save.user_id.in_(user_ids), visible).order_by(Save.id.desc()).limit(limit))
    for rows, weight in ((authored, 1.0), (saved, SAVE_WEIGHT)):
        for uid, style_tags, hashtags, occasion in rows:
            for raw in {normalise_tag(t) for t in [*(style_tags or []), *(hashtags or [])]}:
                if raw:
                    tags[uid][raw] += weight
            if occasion:
                occasions[uid][normalise_tag(occasion)] += weight
    out: dict[int, compat.StyleSignals] = {}
    for uid in set(tags) | set(occasions):
        out[uid] = compat.StyleSignals(
            style_tags={k: min(1.0, v / TAG_SATURATION) for k, v in tags[uid].items()},
            occasions={k: min(1.0, v / TAG_SATURATION) for k, v in occasions[uid].items()})
    return out


def engagement(session: Session, user_ids: list[int],
               since: datetime) -> dict[int, influencers.Engagement]:
    """Posts published since `since` per author and the interactions they received."""
    try:
        from tanvi_social.content.models import ModerationState, Post
    except ModuleNotFoundError:  # pragma: no cover
        return {}
    stamp = func.coalesce(Post.published_at, Post.created_at)
    rows = session.execute(
        select(Post.author_id, func.count(Post.id),
               func.coalesce(func.sum(Post.like_count + Post.comment_count + Post.share_count
                                      + Post.save_count), 0))
        .where(Post.author_id.in_(user_ids), Post.deleted_at.is_(None),
               Post.is_draft.is_(False), Post.repost_of_id.is_(None),
               Post.moderation_state == ModerationState.VISIBLE.value, stamp >= since)
        .group_by(Post.author_id))
    return {uid: influencers.Engagement(int(n), int(total)) for uid, n, total in rows}


compat.register_signal_provider(style_signals)
influencers.register_engagement_provider(engagement)
