"""A viewer's muted words applied to posts, for every feed and listing that shows posts.

The matching belongs to moderation (`moderation.muted`: the word filters' folding, whole words,
case- and accent-insensitive); this module only says which text of a post counts — its title,
caption, hashtags and style tags — and that nobody's own posts are hidden from them.

    muted = viewer_matcher(session, viewer_id)       # once per request (one query)
    posts = [p for p in posts if not hides(muted, viewer_id, p)]
    ids -= muted_post_ids(session, muted, viewer_id, ids)   # when the rows are not loaded

A muted post is left out of feeds, listings and search only: opening it directly still works.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanvi_social.content.models import Post


class TextMatcher(Protocol):
    """`moderation.muted.MutedMatcher`: falsy when the viewer muted nothing."""

    def __bool__(self) -> bool: ...

    def matches(self, *texts: str | None) -> bool: ...


def viewer_matcher(session: Session, viewer_id: int | None) -> TextMatcher | None:
    """The viewer's muted words (None when anonymous, none muted, or no moderation domain)."""
    if viewer_id is None:
        return None
    try:
        muted = importlib.import_module("tanvi_social.moderation.muted")
    except ModuleNotFoundError:  # pragma: no cover - moderation is part of the product
        return None
    found: TextMatcher = muted.matcher_for(session, viewer_id)
    return found if found else None


def post_texts(title: str | None, caption: str | None, hashtags: Iterable[str] | None,
               style_tags: Iterable[str] | None) -> list[str | None]:
    """The texts of a post muted words are matched against (each on its own)."""
    return [title, caption, *(hashtags or []), *(style_tags or [])]


def _hidden(muted: TextMatcher, viewer_id: int | None, row: Any) -> bool:
    if viewer_id is not None and row.author_id == viewer_id:
        return False
    return muted.matches(*post_texts(row.title, row.caption, row.hashtags, row.style_tags))


def hides(muted: TextMatcher | None, viewer_id: int | None, post: Post) -> bool:
    """Whether the viewer's muted words hide this (loaded) post from their feeds."""
    if muted is None or not muted:
        return False
    return _hidden(muted, viewer_id, post)


def muted_post_ids(session: Session, muted: TextMatcher | None, viewer_id: int | None,
                   post_ids: Iterable[int]) -> set[int]:
    """Which of these posts the viewer's muted words hide (one query; none when nothing muted)."""
    ids = set(post_ids)
    if muted is None or not muted or not ids:
        return set()
    rows = session.execute(select(Post.id, Post.author_id, Post.title, Post.caption,
                                  Post.hashtags, Post.style_tags).where(Post.id.in_(ids)))
    return {row.id for row in rows if _hidden(muted, viewer_id, row)}
