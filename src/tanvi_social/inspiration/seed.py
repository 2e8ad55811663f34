"""Demo data: the search index over the seeded posts and profiles, a first trend detection run,
hashtag follows and a few public mood boards built from seeded posts and colours."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content.models import Post, PostHashtag
from tanvi_social.inspiration import adapters, boards, search, tasks
from tanvi_social.inspiration.models import HashtagFollow, MoodBoard, MoodBoardItem

BOARD_TITLES = [("Linen summer", "Breezy neutrals for hot days", ["sage", "camel"]),
                ("Autumn layers", "Knits, coats and warm tones", ["burgundy", "camel"]),
                ("Soft romance", "Blush, lace and flowing skirts", ["blush", "ivory"])]


def seed(session: Session, ctx: Any) -> int:
    """Idempotent: does nothing when mood boards already exist."""
    if session.scalar(select(func.count()).select_from(MoodBoard)):
        return 0
    added = sum(search.reindex_all(session).values())
    tasks.detect_trends(session)
    users = list(session.scalars(select(User.id).order_by(User.id).limit(12)))
    if not users:
        return added
    popular = [t for t, _ in session.execute(
        select(PostHashtag.tag, func.count()).group_by(PostHashtag.tag)
        .order_by(func.count().desc(), PostHashtag.tag).limit(8))]
    for i, uid in enumerate(users):
        for tag in ctx.rng.sample(popular, min(2, len(popular))) if popular else []:
            if not session.scalar(select(HashtagFollow.id).where(
                    HashtagFollow.user_id == uid, HashtagFollow.tag == tag)):
                session.add(HashtagFollow(user_id=uid, tag=tag))
                added += 1
        if i >= len(BOARD_TITLES):
            continue
        title, description, colours = BOARD_TITLES[i]
        board = MoodBoard(owner_id=uid, title=title, description=description, is_public=True,
                          palette=[], item_count=0)
        session.add(board)
        session.flush()
        posts = list(session.scalars(
            select(Post.id).where(Post.visibility == "public", Post.deleted_at.is_(None),
                                  Post.is_draft.is_(False), Post.repost_of_id.is_(None))
            .order_by(Post.like_count.desc(), Post.id).offset(i * 4).limit(4)))
        position = 0
        for pid in posts:
            session.add(MoodBoardItem(board_id=board.id, kind="post", post_id=pid, added_by=uid,
                                      position=position))
            position += 1
        for colour in colours:
            found = adapters.colour_from_text(colour)
            if found is not None:
                session.add(MoodBoardItem(board_id=board.id, kind="colour", colour_hex=found[0],
                                          colour_name=found[1], added_by=uid, position=position))
                position += 1
        session.add(MoodBoardItem(board_id=board.id, kind="note", note=description,
                                  added_by=uid, position=position))
        board.item_count = position + 1
        session.flush()
        boards.recompute_palette(session, board)
        added += 1 + board.item_count
    return added
