"""Export and erasure of a user's inspiration data (registered with core.gdpr at import)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tanvi_social.core import gdpr
from tanvi_social.inspiration.models import (
    FeedFeedback,
    FeedPreference,
    HashtagFollow,
    Inspiration,
    MoodBoard,
    MoodBoardCollaborator,
    MoodBoardItem,
    RecommendationRating,
    SavedFilter,
    SearchDocument,
)


def export(session: Session, user_id: int) -> dict[str, Any]:
    """Everything of the user's in this domain."""
    boards = session.scalars(select(MoodBoard).where(MoodBoard.owner_id == user_id)).all()
    items = session.scalars(select(MoodBoardItem).where(MoodBoardItem.added_by == user_id)).all()
    prefs = session.get(FeedPreference, user_id)
    return {
        "moodboards": [{"id": b.id, "title": b.title, "description": b.description,
                        "is_public": b.is_public, "created_at": b.created_at.isoformat()}
                       for b in boards],
        "moodboard_items": [{"board_id": i.board_id, "kind": i.kind, "post_id": i.post_id,
                             "media_id": i.media_id, "colour": i.colour_hex, "note": i.note}
                            for i in items],
        "collaborations": [{"board_id": b, "role": r} for b, r in session.execute(
            select(MoodBoardCollaborator.board_id, MoodBoardCollaborator.role)
            .where(MoodBoardCollaborator.user_id == user_id))],
        "hashtag_follows": list(session.scalars(select(HashtagFollow.tag).where(
            HashtagFollow.user_id == user_id))),
        "feed_preferences": None if prefs is None else {
            "personalization_strength": prefs.personalization_strength,
            "feed_types": prefs.feed_types, "show_trending": prefs.show_trending},
        "feed_feedback": [{"action": a, "post_id": p, "author_id": au, "tag": t}
                          for a, p, au, t in session.execute(
                              select(FeedFeedback.action, FeedFeedback.post_id,
                                     FeedFeedback.author_id, FeedFeedback.tag)
                              .where(FeedFeedback.user_id == user_id))],
        "recommendation_ratings": [
            {"item": f"{t}-{i}", "rating": r} for t, i, r in session.execute(
                select(RecommendationRating.item_type, RecommendationRating.item_id,
                       RecommendationRating.rating)
                .where(RecommendationRating.user_id == user_id))],
        "inspirations": [{"id": i.id, "title": i.title, "style_tags": i.style_tags}
                         for i in session.scalars(select(Inspiration).where(
                             Inspiration.creator_id == user_id))],
        "saved_filters": [
            {"name": f.name, "query": f.query, "occasion": f.occasion, "season": f.season,
             "weather": f.weather, "formality": f.formality, "price": f.price,
             "max_price": f.max_price, "notify": f.notify,
             "created_at": f.created_at.isoformat()}
            for f in session.scalars(select(SavedFilter).where(SavedFilter.owner_id == user_id)
                                     .order_by(SavedFilter.id))],
    }


def erase(session: Session, user_id: int) -> None:
    """Delete the user's rows; items they pinned on others' boards go and counts stay exact."""
    per_board = session.execute(
        select(MoodBoardItem.board_id, func.count()).where(MoodBoardItem.added_by == user_id)
        .group_by(MoodBoardItem.board_id)).all()
    session.execute(delete(MoodBoardItem).where(MoodBoardItem.added_by == user_id))
    for board_id, n in per_board:
        session.execute(update(MoodBoard).where(MoodBoard.id == board_id)
                        .values(item_count=MoodBoard.item_count - n))
    session.execute(delete(MoodBoard).where(MoodBoard.owner_id == user_id))
    for model, column in ((MoodBoardCollaborator, MoodBoardCollaborator.user_id),
                          (HashtagFollow, HashtagFollow.user_id),
                          (FeedFeedback, FeedFeedback.user_id),
                          (FeedFeedback, FeedFeedback.author_id),
                          (RecommendationRating, RecommendationRating.user_id),
                          (Inspiration, Inspiration.creator_id),
                          (FeedPreference, FeedPreference.user_id),
                          (SavedFilter, SavedFilter.owner_id)):
        session.execute(delete(model).where(column == user_id))
    session.execute(delete(RecommendationRating).where(RecommendationRating.item_type == "user",
                                                       RecommendationRating.item_id == user_id))
    session.execute(delete(SearchDocument).where(SearchDocument.owner_id == user_id))


gdpr.register("inspiration", export=export, erase=erase, order=40)
