"""Feed preferences, feed feedback (hide / not interested / see more) and hashtag follows."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.core.errors import Conflict, NotFound, ValidationFailed
from tanvi_social.core.time import utcnow
from tanvi_social.inspiration.models import FeedFeedback, FeedPreference, HashtagFollow
from tanvi_social.inspiration.ranking import Feedback, norm_tag
from tanvi_social.inspiration.schemas import (
    FeedbackCreate,
    FeedbackRead,
    FeedPreferencesRead,
    FeedPreferencesUpdate,
    HashtagFollowRead,
)

ALL_FEED_TYPES = ["following", "compatible", "hashtags", "communities", "trending"]
MAX_FEEDBACK_READ = 1000


def get_preferences(session: Session, user_id: int) -> FeedPreferencesRead:
    """Stored preferences, or the defaults (full strength, every source)."""
    row = session.get(FeedPreference, user_id)
    if row is None:
        return FeedPreferencesRead(personalization_strength=1.0, feed_types=list(ALL_FEED_TYPES),
                                   show_trending=True, updated_at=None)
    return FeedPreferencesRead(personalization_strength=row.personalization_strength,
                               feed_types=list(row.feed_types or ALL_FEED_TYPES),
                               show_trending=row.show_trending, updated_at=row.updated_at)


def update_preferences(session: Session, user_id: int,
                       body: FeedPreferencesUpdate) -> FeedPreferencesRead:
    """Partial update; an empty `feed_types` list is refused (the feed would be empty)."""
    row = session.get(FeedPreference, user_id)
    if row is None:
        row = FeedPreference(user_id=user_id, personalization_strength=1.0,
                             feed_types=list(ALL_FEED_TYPES), show_trending=True)
        session.add(row)
    data = body.model_dump(exclude_unset=True)
    if data.get("personalization_strength") is not None:
        row.personalization_strength = float(data["personalization_strength"])
    if data.get("feed_types") is not None:
        if not data["feed_types"]:
            raise ValidationFailed("Choose at least one feed type", code="empty_feed_types",
                                   details=[{"loc": ["body", "feed_types"], "msg": "empty"}])
        row.feed_types = list(dict.fromkeys(data["feed_types"]))
    if data.get("show_trending") is not None:
        row.show_trending = bool(data["show_trending"])
    row.updated_at = utcnow()
    session.flush()
    return get_preferences(session, user_id)


def add_feedback(session: Session, user_id: int, body: FeedbackCreate) -> FeedbackRead:
    """Record feedback about a visible post, an existing author or a tag."""
    author_id = body.author_id
    if body.post_id is not None:
        from tanvi_social.content.access import get_visible_post

        get_visible_post(session, user_id, body.post_id)  # 404 unless the viewer sees it
    if author_id is not None:
        if author_id == user_id:
            raise ValidationFailed("Feedback about yourself is not possible", code="self_feedback")
        if session.get(User, author_id) is None:
            raise NotFound("User not found", code="user_not_found")
    row = FeedFeedback(user_id=user_id, action=body.action, post_id=body.post_id,
                       author_id=author_id, tag=norm_tag(body.tag) if body.tag else None)
    session.add(row)
    session.flush()
    return FeedbackRead(id=row.id, action=row.action, post_id=row.post_id,
                        author_id=row.author_id, tag=row.tag, created_at=row.created_at)


def feedback_state(session: Session, user_id: int) -> Feedback:
    """The viewer's feedback folded into sets (the latest word on an author or tag wins)."""
    rows = session.execute(
        select(FeedFeedback.action, FeedFeedback.post_id, FeedFeedback.author_id,
               FeedFeedback.tag).where(FeedFeedback.user_id == user_id)
        .order_by(FeedFeedback.id.desc()).limit(MAX_FEEDBACK_READ)).all()
    fb = Feedback()
    seen_authors: set[int] = set()
    seen_tags: set[str] = set()
    post_tags: list[int] = []
    for action, post_id, author_id, tag in rows:
        if post_id is not None and action in ("hide", "not_interested"):
            fb.hidden_posts.add(post_id)
            if action == "not_interested":
                post_tags.append(post_id)
        if author_id is not None and author_id not in seen_authors:
            seen_authors.add(author_id)
            if action == "hide":
                fb.hidden_authors.add(author_id)
            elif action == "not_interested":
                fb.down_authors.add(author_id)
            else:
                fb.up_authors.add(author_id)
        if tag and tag not in seen_tags:
            seen_tags.add(tag)
            (fb.up_tags if action == "see_more" else fb.down_tags).add(tag)
        if post_id is not None and action == "see_more":
            post_tags.append(-post_id)
    if post_tags:
        from tanvi_social.content.models import Post

        ids = {abs(p) for p in post_tags}
        tags = {pid: list(h or []) for pid, h in session.execute(
            select(Post.id, Post.hashtags).where(Post.id.in_(ids)))}
        for signed in post_tags:
            for t in tags.get(abs(signed), []):
                n = norm_tag(t)
                if n in seen_tags:
                    continue
                (fb.down_tags if signed > 0 else fb.up_tags).add(n)
    fb.up_tags -= fb.down_tags
    return fb


# ------------------------------------------------------------------ hashtag follows
def _hashtag_read(session: Session, user_id: int, tag: str) -> HashtagFollowRead:
    following = session.scalar(select(HashtagFollow.id).where(
        HashtagFollow.user_id == user_id, HashtagFollow.tag == tag)) is not None
    followers = session.scalar(select(func.count()).where(HashtagFollow.tag == tag)) or 0
    return HashtagFollowRead(tag=tag, following=following, followers=followers)


def _clean_tag(tag: str) -> str:
    value = norm_tag(tag)
    if not value or len(value) > 100 or not all(ch.isalnum() or ch in "_-" for ch in value):
        raise ValidationFailed("A hashtag is letters, digits, '_' or '-'", code="invalid_hashtag",
                               details=[{"loc": ["path", "tag"], "msg": "invalid hashtag"}])
    return value


def follow_hashtag(session: Session, user_id: int, tag: str) -> HashtagFollowRead:
    """Follow a hashtag (409 when already followed)."""
    value = _clean_tag(tag)
    try:
        with session.begin_nested():
            session.add(HashtagFollow(user_id=user_id, tag=value))
            session.flush()
    except IntegrityError as exc:
        raise Conflict("You already follow this hashtag", code="already_following") from exc
    return _hashtag_read(session, user_id, value)


def unfollow_hashtag(session: Session, user_id: int, tag: str) -> HashtagFollowRead:
    """Unfollow (404 when not followed)."""
    value = _clean_tag(tag)
    gone = session.execute(delete(HashtagFollow).where(HashtagFollow.user_id == user_id,
                                                       HashtagFollow.tag == value))
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise NotFound("You do not follow this hashtag", code="not_following")
    return _hashtag_read(session, user_id, value)


def followed_hashtags(session: Session, user_id: int) -> list[str]:
    """The user's followed hashtags, alphabetically."""
    return list(session.scalars(select(HashtagFollow.tag).where(HashtagFollow.user_id == user_id)
                                .order_by(HashtagFollow.tag)))
