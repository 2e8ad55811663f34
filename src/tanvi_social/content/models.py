"""Content tables: posts, hashtags, comments, reactions, shares, saves, collections, challenges."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tanvi_social.core.db import Base, TimestampMixin


class PostVisibility(StrEnum):
    PUBLIC = "public"
    FOLLOWERS = "followers"
    PRIVATE = "private"


class ModerationState(StrEnum):
    VISIBLE = "visible"
    HELD = "held"
    HIDDEN = "hidden"
    REMOVED = "removed"


class PostType(StrEnum):
    OUTFIT = "outfit"
    STYLE_TIP = "style_tip"
    INSPIRATION = "inspiration"
    REVIEW = "review"
    REPOST = "repost"


class RemixPolicy(StrEnum):
    ANYONE = "anyone"
    FOLLOWERS = "followers"
    NOBODY = "nobody"


class ReactionType(StrEnum):
    LIKE = "like"
    LOVE = "love"
    FIRE = "fire"
    STYLE_GOALS = "style_goals"


class Post(TimestampMixin, Base):
    """An outfit post (or a repost of one). Counters are maintained atomically in SQL."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_author_created", "author_id", "created_at"),
        Index("ix_posts_hot", "hot_score"),
        CheckConstraint("like_count >= 0 AND comment_count >= 0 AND share_count >= 0 "
                        "AND save_count >= 0", name="counts_non_negative"),
        CheckConstraint("remix_count >= 0", name="remix_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_type: Mapped[str] = mapped_column(String(20), default=PostType.OUTFIT.value)
    title: Mapped[str | None] = mapped_column(String(200))
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    mentions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    style_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    outfit_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    occasion: Mapped[str | None] = mapped_column(String(50))
    season: Mapped[str | None] = mapped_column(String(20))
    formality: Mapped[str | None] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(16), default=PostVisibility.PUBLIC.value)
    is_draft: Mapped[bool] = mapped_column(default=False)
    allow_comments: Mapped[bool] = mapped_column(default=True)
    allow_sharing: Mapped[bool] = mapped_column(default=True)
    community_id: Mapped[int | None] = mapped_column(index=True)
    challenge_id: Mapped[int | None] = mapped_column(index=True)
    repost_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # remix ("recreate this look"): the post remixed, the first post of the chain, the chain
    # of credit (ancestor ids, root first) and the original's items copied with their credit
    remix_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    remix_root_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    remix_chain: Mapped[list[int]] = mapped_column(JSON, default=list)
    remix_credits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remix_policy: Mapped[str] = mapped_column(String(16), default=RemixPolicy.ANYONE.value,
                                              server_default=RemixPolicy.ANYONE.value)
    remix_count: Mapped[int] = mapped_column(default=0, server_default="0")
    like_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    share_count: Mapped[int] = mapped_column(default=0)
    save_count: Mapped[int] = mapped_column(default=0)
    hot_score: Mapped[float] = mapped_column(Float, default=0.0)
    moderation_state: Mapped[str] = mapped_column(String(16), default=ModerationState.VISIBLE.value)
    ai_analysis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    analysis_key: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column()
    edited_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()


class PostFacet(Base):
    """One outfit-filter value a post matches ("weather:rain", "max_price:premium"), derived by
    `content.filters.derive_facets` whenever the post or its garment tags change."""

    __tablename__ = "post_facets"
    __table_args__ = (Index("ix_post_facets_facet_post", "facet", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    facet: Mapped[str] = mapped_column(String(40), primary_key=True)


class PostHashtag(Base):
    """One row per (post, hashtag): the tag filter and the trend measure read it."""

    __tablename__ = "post_hashtags"
    __table_args__ = (Index("ix_post_hashtags_tag_created", "tag", "created_at"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column()


class Reaction(TimestampMixin, Base):
    """One reaction per user per post (the unique constraint makes a duplicate a 409)."""

    __tablename__ = "post_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reaction_type: Mapped[str] = mapped_column(String(16), default=ReactionType.LIKE.value)


class Comment(TimestampMixin, Base):
    """A comment or a reply (`parent_id`); soft-deleted so threads keep their shape."""

    __tablename__ = "post_comments"
    __table_args__ = (Index("ix_post_comments_post_created", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # NULL once the author erased their account (the comment stays as a tombstone for replies)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_comments.id", ondelete="CASCADE"), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    like_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)
    moderation_state: Mapped[str] = mapped_column(String(16), default=ModerationState.VISIBLE.value)
    edited_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()


class CommentLike(TimestampMixin, Base):
    __tablename__ = "comment_likes"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("post_comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ShareType(StrEnum):
    REPOST = "repost"
    EXTERNAL = "external"
    DIRECT = "direct"


class Share(TimestampMixin, Base):
    """A share: internal repost (one per user and post), external link, or sent to a user."""

    __tablename__ = "post_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    share_type: Mapped[str] = mapped_column(String(16))
    share_platform: Mapped[str] = mapped_column(String(30), default="internal")
    caption: Mapped[str | None] = mapped_column(Text)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    repost_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                                  index=True)
    # "<post_id>:<user_id>" for reposts (unique), NULL otherwise (NULLs never collide)
    dedupe_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class Collection(TimestampMixin, Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    collection_type: Mapped[str] = mapped_column(String(20), default="custom")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_public: Mapped[bool] = mapped_column(default=False)
    is_collaborative: Mapped[bool] = mapped_column(default=False)
    items_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None] = mapped_column()


class CollectionContributor(TimestampMixin, Base):
    __tablename__ = "collection_contributors"
    __table_args__ = (UniqueConstraint("collection_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class CollectionItem(TimestampMixin, Base):
    __tablename__ = "collection_items"
    __table_args__ = (UniqueConstraint("collection_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    notes: Mapped[str | None] = mapped_column(String(1000))


class Save(TimestampMixin, Base):
    """A bookmark (private to the saver), optionally filed into a collection."""

    __tablename__ = "post_saves"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    collection_id: Mapped[int | None] = mapped_column(
        ForeignKey("collections.id", ondelete="SET NULL"), index=True)
    notes: Mapped[str | None] = mapped_column(String(1000))
    save_reason: Mapped[str | None] = mapped_column(String(50))


class Challenge(TimestampMixin, Base):
    __tablename__ = "challenges"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    challenge_type: Mapped[str] = mapped_column(String(20), default="style")
    hashtag: Mapped[str | None] = mapped_column(String(100))
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(16), default="medium")
    has_prizes: Mapped[bool] = mapped_column(default=False)
    prize_description: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column(index=True)
    participants_count: Mapped[int] = mapped_column(default=0)
    entries_count: Mapped[int] = mapped_column(default=0)
    winners: Mapped[list[int]] = mapped_column(JSON, default=list)
    closed_at: Mapped[datetime | None] = mapped_column()


class ChallengeParticipant(TimestampMixin, Base):
    __tablename__ = "challenge_participants"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ChallengeEntry(TimestampMixin, Base):
    """A post submitted to a challenge: one entry per participant, a post enters once."""

    __tablename__ = "challenge_entries"
    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id"),
        UniqueConstraint("post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    vote_count: Mapped[int] = mapped_column(default=0)


class ChallengeVote(TimestampMixin, Base):
    __tablename__ = "challenge_votes"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("challenge_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class PostMedia(Base):
    """The images of a post, in order (media rows belong to the media domain)."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
