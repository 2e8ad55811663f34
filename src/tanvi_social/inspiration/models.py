"""Inspiration tables: mood boards, hashtag follows, feed preferences and feedback,
recommendation ratings, detected trends, inspirations and the search index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class MoodBoard(TimestampMixin, Base):
    __tablename__ = "mood_boards"
    __table_args__ = (Index("ix_mood_boards_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(1000))
    mood_type: Mapped[str] = mapped_column(String(30), default="inspiration")
    is_public: Mapped[bool] = mapped_column(default=False, index=True)
    palette: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    item_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None] = mapped_column()


class MoodBoardItem(TimestampMixin, Base):
    """A post, an uploaded image (media), a colour or a note pinned to a board."""

    __tablename__ = "mood_board_items"
    __table_args__ = (Index("ix_mood_board_items_board_id_position", "board_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("mood_boards.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int | None] = mapped_column(index=True)
    media_id: Mapped[int | None] = mapped_column(index=True)
    colour_hex: Mapped[str | None] = mapped_column(String(7))
    colour_name: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(1000))
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class MoodBoardCollaborator(TimestampMixin, Base):
    __tablename__ = "mood_board_collaborators"
    __table_args__ = (UniqueConstraint("board_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("mood_boards.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="editor")
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HashtagFollow(TimestampMixin, Base):
    __tablename__ = "hashtag_follows"
    __table_args__ = (UniqueConstraint("user_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(100), index=True)


class FeedPreference(Base):
    __tablename__ = "feed_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    personalization_strength: Mapped[float] = mapped_column(default=1.0)
    feed_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    show_trending: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column()


class FeedFeedback(TimestampMixin, Base):
    """hide / not_interested / see_more about a post, an author or a tag."""

    __tablename__ = "feed_feedback"
    __table_args__ = (Index("ix_feed_feedback_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    post_id: Mapped[int | None] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                  index=True)
    tag: Mapped[str | None] = mapped_column(String(100))


class RecommendationRating(TimestampMixin, Base):
    __tablename__ = "recommendation_ratings"
    __table_args__ = (UniqueConstraint("user_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column()
    rating: Mapped[int] = mapped_column()
    feedback: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime | None] = mapped_column()


class Trend(Base):
    """The latest verdict for one term; kept across runs so `first_detected` and hiding persist."""

    __tablename__ = "trends"
    __table_args__ = (UniqueConstraint("category", "term"),
                      Index("ix_trends_active_score", "is_active", "z_score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    term: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(20))
    current_count: Mapped[int] = mapped_column(default=0)
    previous_count: Mapped[int] = mapped_column(default=0)
    baseline_mean: Mapped[float] = mapped_column(default=0.0)
    baseline_std: Mapped[float] = mapped_column(default=0.0)
    z_score: Mapped[float] = mapped_column(default=0.0)
    growth: Mapped[float] = mapped_column(default=0.0)
    mention_count: Mapped[int] = mapped_column(default=0)
    confidence: Mapped[float] = mapped_column(default=0.0)
    window_minutes: Mapped[int] = mapped_column(default=60)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_detected: Mapped[datetime] = mapped_column()
    last_detected: Mapped[datetime] = mapped_column()


class Inspiration(TimestampMixin, Base):
    """The original's StyleInspiration, now stored and owned."""

    __tablename__ = "inspirations"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    inspiration_type: Mapped[str] = mapped_column(String(30), default="outfit")
    primary_image_url: Mapped[str | None] = mapped_column(String(500))
    media_id: Mapped[int | None] = mapped_column()
    style_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    views_count: Mapped[int] = mapped_column(default=0)
    is_featured: Mapped[bool] = mapped_column(default=False)


class SearchDocument(Base):
    """One searchable thing (post, profile, community, tag).

    SQLite: the FTS5 tables `fts_search` (words) and `fts_names` (trigrams) mirror it through
    triggers. PostgreSQL: expression GIN indexes (tsvector over the text, pg_trgm over the name).
    Both are created by the migration, per dialect.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    ref_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    brands: Mapped[str] = mapped_column(Text, default="")
    colours: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(index=True)
    popularity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column()


class SavedFilter(TimestampMixin, Base):
    """A user's saved outfit filter (content.filters values, optional search text).

    With `notify`, each new post matching it notifies the owner. `notify_key` is
    "dimension:value" of the filter's most selective value while `notify` is on (NULL
    otherwise): a new post finds its candidate filters through that index, never by a scan.
    """

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("owner_id", "name"),
                      Index("ix_saved_filters_notify_key_owner", "notify_key", "owner_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str | None] = mapped_column(String(200))
    occasion: Mapped[str | None] = mapped_column(String(20))
    season: Mapped[str | None] = mapped_column(String(20))
    weather: Mapped[str | None] = mapped_column(String(10))
    formality: Mapped[str | None] = mapped_column(String(20))
    price: Mapped[str | None] = mapped_column(String(16))
    max_price: Mapped[str | None] = mapped_column(String(16))
    notify: Mapped[bool] = mapped_column(default=True)
    notify_key: Mapped[str | None] = mapped_column(String(40))
    match_count: Mapped[int] = mapped_column(default=0)
    last_matched_at: Mapped[datetime | None] = mapped_column()
