"""GDPR export and erasure of a user's content; erasure keeps everyone else's counters exact.

Erasure removes the user's posts (with everything attached to them), reactions, comment likes,
saves, shares, collections, challenge participation, entries and votes. The user's comments on
other people's posts become empty tombstones without an author, so replies keep their thread.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tanvi_social.content import comments as comment_service
from tanvi_social.content import remix, service
from tanvi_social.content.events import PostsErased
from tanvi_social.content.models import (
    Challenge,
    ChallengeEntry,
    ChallengeParticipant,
    ChallengeVote,
    Collection,
    CollectionContributor,
    CollectionItem,
    Comment,
    CommentLike,
    Post,
    PostMedia,
    Reaction,
    Save,
    Share,
)
from tanvi_social.core import gdpr
from tanvi_social.core.db import record_event


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(session: Session, user_id: int) -> dict[str, Any]:
    """Everything content holds about the user."""
    posts = session.scalars(select(Post).where(Post.author_id == user_id).order_by(Post.id))
    media: dict[int, list[int]] = {}
    for pid, mid in session.execute(select(PostMedia.post_id, PostMedia.media_id)
                                    .join(Post, Post.id == PostMedia.post_id)
                                    .where(Post.author_id == user_id)
                                    .order_by(PostMedia.position)):
        media.setdefault(pid, []).append(mid)
    return {
        "posts": [{
            "id": p.id, "post_type": p.post_type, "title": p.title, "caption": p.caption,
            "hashtags": p.hashtags, "style_tags": p.style_tags, "outfit_items": p.outfit_items,
            "occasion": p.occasion, "season": p.season, "formality": p.formality,
            "visibility": p.visibility, "is_draft": p.is_draft, "media_ids": media.get(p.id, []),
            "repost_of_id": p.repost_of_id, "remix_of_id": p.remix_of_id,
            "remix_policy": p.remix_policy, "community_id": p.community_id,
            "created_at": _iso(p.created_at), "edited_at": _iso(p.edited_at),
            "deleted_at": _iso(p.deleted_at), "moderation_state": p.moderation_state,
        } for p in posts],
        "comments": [{"id": c.id, "post_id": c.post_id, "parent_comment_id": c.parent_id,
                      "content": c.body, "created_at": _iso(c.created_at),
                      "deleted_at": _iso(c.deleted_at)}
                     for c in session.scalars(select(Comment).where(Comment.author_id == user_id)
                                              .order_by(Comment.id))],
        "reactions": [{"post_id": r.post_id, "type": r.reaction_type,
                       "created_at": _iso(r.created_at)}
                      for r in session.scalars(select(Reaction).where(Reaction.user_id == user_id)
                                               .order_by(Reaction.id))],
        "comment_likes": [{"comment_id": c.comment_id, "created_at": _iso(c.created_at)}
                          for c in session.scalars(select(CommentLike).where(
                              CommentLike.user_id == user_id).order_by(CommentLike.id))],
        "saves": [{"post_id": s.post_id, "collection_id": s.collection_id, "notes": s.notes,
                   "save_reason": s.save_reason, "created_at": _iso(s.created_at)}
                  for s in session.scalars(select(Save).where(Save.user_id == user_id)
                                           .order_by(Save.id))],
        "shares": [{"post_id": s.post_id, "share_type": s.share_type,
                    "share_platform": s.share_platform, "caption": s.caption,
                    "recipient_user_id": s.recipient_id, "created_at": _iso(s.created_at)}
                   for s in session.scalars(select(Share).where(Share.user_id == user_id)
                                            .order_by(Share.id))],
        "collections": [{
            "id": c.id, "name": c.name, "description": c.description,
            "collection_type": c.collection_type, "tags": c.tags, "is_public": c.is_public,
            "is_collaborative": c.is_collaborative, "created_at": _iso(c.created_at),
            "items": [{"post_id": i.post_id, "notes": i.notes, "added_by": i.added_by_id}
                      for i in session.scalars(select(CollectionItem).where(
                          CollectionItem.collection_id == c.id).order_by(CollectionItem.id))],
        } for c in session.scalars(select(Collection).where(Collection.owner_id == user_id)
                                   .order_by(Collection.id))],
        "collection_items_added": [{"collection_id": i.collection_id, "post_id": i.post_id,
                                    "notes": i.notes}
                                   for i in session.scalars(select(CollectionItem).where(
                                       CollectionItem.added_by_id == user_id))],
        "challenges_created": list(session.scalars(select(Challenge.id).where(
            Challenge.creator_id == user_id))),
        "challenges_joined": list(session.scalars(select(ChallengeParticipant.challenge_id)
                                                  .where(ChallengeParticipant.user_id == user_id))),
        "challenge_entries": [{"challenge_id": e.challenge_id, "post_id": e.post_id,
                               "created_at": _iso(e.created_at)}
                              for e in session.scalars(select(ChallengeEntry).where(
                                  ChallengeEntry.user_id == user_id))],
        "challenge_votes": [{"entry_id": v.entry_id, "created_at": _iso(v.created_at)}
                            for v in session.scalars(select(ChallengeVote).where(
                                ChallengeVote.user_id == user_id))],
    }


def erase(session: Session, user_id: int) -> None:
    """Remove the user's content and fix every counter on other people's things."""
    own_posts = set(session.scalars(select(Post.id).where(Post.author_id == user_id)))
    # others' reposts of the user's posts go with them
    doomed = own_posts | set(session.scalars(select(Post.id).where(
        Post.repost_of_id.in_(own_posts)))) if own_posts else set()

    def others(post_ids: Counter[int]) -> dict[int, int]:
        return {pid: n for pid, n in post_ids.items() if pid not in own_posts}

    # reactions, saves, shares made by the user (or sent to the user) on others' posts
    for column, model, user_col in (("like_count", Reaction, Reaction.user_id),
                                    ("save_count", Save, Save.user_id),
                                    ("share_count", Share, Share.user_id),
                                    ("share_count", Share, Share.recipient_id)):
        rows = Counter(session.scalars(select(model.post_id).where(user_col == user_id)))
        session.execute(delete(model).where(user_col == user_id))
        for pid, n in others(rows).items():
            service.bump_counters(session, pid, known=None, **{column: -n})
    # comment likes
    liked = Counter(session.scalars(select(CommentLike.comment_id).where(
        CommentLike.user_id == user_id)))
    session.execute(delete(CommentLike).where(CommentLike.user_id == user_id))
    for cid, n in liked.items():
        session.execute(update(Comment).where(Comment.id == cid)
                        .values(like_count=Comment.like_count - n))
    # comments on others' posts become author-less tombstones
    for comment in session.scalars(select(Comment).where(Comment.author_id == user_id,
                                                         Comment.post_id.not_in(own_posts))):
        comment_service.remove_comment(session, comment)
        comment.author_id = None
    # collections: own ones go; items added elsewhere are removed with their counters
    added = Counter(session.scalars(select(CollectionItem.collection_id).where(
        CollectionItem.added_by_id == user_id)))
    session.execute(delete(CollectionItem).where(CollectionItem.added_by_id == user_id))
    in_others = Counter(session.scalars(select(CollectionItem.collection_id).where(
        CollectionItem.post_id.in_(doomed)))) if doomed else Counter()
    session.execute(delete(CollectionItem).where(CollectionItem.post_id.in_(doomed)))
    for cid, n in (added + in_others).items():
        session.execute(update(Collection).where(Collection.id == cid)
                        .values(items_count=Collection.items_count - n))
    session.execute(delete(CollectionContributor).where(CollectionContributor.user_id == user_id))
    session.execute(delete(Collection).where(Collection.owner_id == user_id))
    # challenges: votes, entries, participation
    voted = Counter(session.scalars(select(ChallengeVote.entry_id).where(
        ChallengeVote.user_id == user_id)))
    session.execute(delete(ChallengeVote).where(ChallengeVote.user_id == user_id))
    for eid, n in voted.items():
        session.execute(update(ChallengeEntry).where(ChallengeEntry.id == eid)
                        .values(vote_count=ChallengeEntry.vote_count - n))
    entered = Counter(session.scalars(select(ChallengeEntry.challenge_id).where(
        (ChallengeEntry.user_id == user_id) | ChallengeEntry.post_id.in_(doomed))))
    session.execute(delete(ChallengeEntry).where(
        (ChallengeEntry.user_id == user_id) | ChallengeEntry.post_id.in_(doomed)))
    joined = Counter(session.scalars(select(ChallengeParticipant.challenge_id).where(
        ChallengeParticipant.user_id == user_id)))
    session.execute(delete(ChallengeParticipant).where(ChallengeParticipant.user_id == user_id))
    for cid in set(entered) | set(joined):
        session.execute(update(Challenge).where(Challenge.id == cid).values(
            entries_count=Challenge.entries_count - entered.get(cid, 0),
            participants_count=Challenge.participants_count - joined.get(cid, 0)))
    # the user's published remixes stop counting on others' originals
    remixed = Counter(pid for pid in session.scalars(select(Post.remix_of_id).where(
        Post.author_id == user_id, Post.remix_of_id.is_not(None), Post.is_draft.is_(False),
        Post.deleted_at.is_(None))) if pid is not None)
    for pid, n in others(remixed).items():
        remix.adjust_remix_count(session, pid, -n)
    session.execute(delete(Share).where(Share.post_id.in_(own_posts)))
    session.execute(delete(Post).where(Post.repost_of_id.in_(own_posts)))
    session.execute(delete(Post).where(Post.author_id == user_id))
    session.flush()
    if doomed:
        record_event(session, PostsErased(post_ids=sorted(doomed)))


_registered = False


def ensure_registered() -> None:
    global _registered
    if not _registered:
        gdpr.register("content", export=export, erase=erase, order=50)
        _registered = True


ensure_registered()
