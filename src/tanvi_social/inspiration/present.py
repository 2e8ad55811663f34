"""Turn posts into the feed's read models (author cards, first image) in a few queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content.access import visible_posts_clause
from tanvi_social.content.models import Post
from tanvi_social.content.muting import TextMatcher, hides
from tanvi_social.inspiration import adapters
from tanvi_social.inspiration.schemas import FeedItem, FeedPost
from tanvi_social.social.cards import AuthorCard, author_cards


def feed_posts(session: Session, posts: Sequence[Post],
               cards: dict[int, AuthorCard] | None = None) -> dict[int, FeedPost]:
    """FeedPost read models keyed by post id."""
    if cards is None:
        cards = author_cards(session, {p.author_id for p in posts})
    media_of = adapters.post_media_ids(session, [p.id for p in posts])
    first = {pid: mids[0] for pid, mids in media_of.items() if mids}
    media = adapters.media_reads(session, set(first.values()))
    out: dict[int, FeedPost] = {}
    for p in posts:
        m = media.get(first.get(p.id, 0))
        out[p.id] = FeedPost(
            id=p.id, author=cards.get(p.author_id), caption=p.caption,
            hashtags=list(p.hashtags or []), style_tags=list(p.style_tags or []),
            visibility=p.visibility, community_id=p.community_id, like_count=p.like_count,
            comment_count=p.comment_count, share_count=p.share_count, save_count=p.save_count,
            created_at=p.created_at, image_url=m.urls.feed if m is not None else None)
    return out


def visible_ids(session: Session, viewer_id: int | None, ids: Iterable[int]) -> set[int]:
    """Which of these post ids the viewer may see (one query)."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(select(Post.id).where(
        Post.id.in_(wanted), visible_posts_clause(session, viewer_id))))


def items_for(session: Session, viewer_id: int | None, posts: Sequence[Post],
              reasons: dict[int, str], *, scores: dict[int, tuple[float, dict[str, Any]]]
              | None = None, hidden_authors: set[int] | None = None,
              muted: TextMatcher | None = None) -> dict[int, FeedItem]:
    """FeedItems keyed by the given posts' ids; a repost shows its original (left out when the
    original is not visible or its author is hidden). Posts — and reposts whose own caption or
    original — containing one of the viewer's `muted` words are left out."""
    if muted:
        posts = [p for p in posts if not hides(muted, viewer_id, p)]
    originals_ids = {p.repost_of_id for p in posts if p.repost_of_id}
    originals = {p.id: p for p in session.scalars(select(Post).where(
        Post.id.in_(visible_ids(session, viewer_id, originals_ids))))} if originals_ids else {}
    shown = [originals[p.repost_of_id] for p in posts if p.repost_of_id in originals]
    cards = author_cards(session, {p.author_id for p in posts} | {o.author_id for o in shown})
    reads = feed_posts(session, [*[p for p in posts if not p.repost_of_id], *shown], cards)
    out: dict[int, FeedItem] = {}
    for p in posts:
        score, factors = (scores or {}).get(p.id, (None, None))
        if p.repost_of_id:
            original = originals.get(p.repost_of_id)
            if original is None or (hidden_authors and original.author_id in hidden_authors) \
                    or hides(muted, viewer_id, original):
                continue
            out[p.id] = FeedItem(post=reads[original.id], type="repost",
                                 reposted_by=cards.get(p.author_id), reposted_at=p.created_at,
                                 reason=reasons.get(p.id, ""), score=score, factors=factors)
        else:
            out[p.id] = FeedItem(post=reads[p.id], reason=reasons.get(p.id, ""), score=score,
                                 factors=factors)
    return out
