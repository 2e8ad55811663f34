"""Remix — "recreate this look": the policy check, the credited items, counts and listing.

A remix links the post it recreates (`remix_of_id`), the first post of the chain
(`remix_root_id`) and the whole chain of credit (`remix_chain`, ancestor ids root first), and
copies the original's tagged items (photo garment tags, then outfit items) as `remix_credits`,
each credited to the post and author it came from. The original author's `remix_policy`
(anyone | followers | nobody) is checked whenever a remix is created or published.
`remix_count` counts the published, not deleted, direct remixes of a post.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import desc, func, select, update
from sqlalchemy.orm import Session

from tanvi_social.content.access import can_view_post, get_visible_post, visible_posts_clause
from tanvi_social.content.events import PostRemixCountChanged
from tanvi_social.content.models import ModerationState, Post, PostMedia, PostType, RemixPolicy
from tanvi_social.content.muting import post_texts
from tanvi_social.content.schemas import RemixCredit, RemixLink
from tanvi_social.core.db import record_event
from tanvi_social.core.errors import Forbidden, InvalidState
from tanvi_social.core.pagination import PageParams
from tanvi_social.media import service as media_service
from tanvi_social.social import graph
from tanvi_social.social.cards import AuthorCard, author_cards
from tanvi_social.social.notifications import notify

MAX_CREDITS = 50  # items copied from the original at most


def check_policy(session: Session, user_id: int, original: Post) -> None:
    """403 unless the original author's remix policy lets `user_id` remix `original`."""
    if original.author_id == user_id:
        return
    policy = original.remix_policy or RemixPolicy.ANYONE.value
    if policy == RemixPolicy.NOBODY.value:
        raise Forbidden("The author does not allow remixes of this post",
                        code="remix_not_allowed")
    if policy == RemixPolicy.FOLLOWERS.value and not graph.is_following(
            session, user_id, original.author_id):
        raise Forbidden("Only the author's followers may remix this post",
                        code="remix_followers_only")


def remixable_original(session: Session, user_id: int, post_id: int) -> Post:
    """The post to remix: visible to the caller (else 404), a published look, policy allowing."""
    original = get_visible_post(session, user_id, post_id)
    if original.is_draft:
        raise InvalidState("A draft cannot be remixed", code="remix_of_draft")
    if original.post_type == PostType.REPOST.value:
        raise InvalidState("Remix the original post, not a repost", code="remix_of_repost")
    check_policy(session, user_id, original)
    return original


def credited_items(session: Session, original: Post) -> list[dict[str, Any]]:
    """The original's tagged items (photo tags, then outfit items), credited to it."""
    credit = {"from_post_id": original.id, "from_author_id": original.author_id}
    media_ids = list(session.scalars(select(PostMedia.media_id).where(
        PostMedia.post_id == original.id).order_by(PostMedia.position)))
    out: list[dict[str, Any]] = []
    tags = media_service.tags_for(session, media_ids) if media_ids else {}
    for mid in media_ids:
        for t in tags.get(mid, []):
            out.append({"source": "photo_tag", "name": None, "category": t.category,
                        "brand": t.brand, "colour": t.colour, "price_band": t.price_band,
                        "link": t.link, **credit})
    for item in original.outfit_items or []:
        out.append({"source": "outfit_item", "name": item.get("name"),
                    "category": item.get("category"), "brand": item.get("brand"),
                    "colour": item.get("colour"), "price_band": item.get("price_band"),
                    "link": item.get("link"), **credit})
    return out[:MAX_CREDITS]


def link_remix(session: Session, post: Post, original: Post) -> None:
    """Fill the new post's remix link, chain of credit and credited items."""
    post.remix_of_id = original.id
    post.remix_root_id = original.remix_root_id or original.id
    post.remix_chain = [*(original.remix_chain or []), original.id]
    post.remix_credits = credited_items(session, original)


def counted(post: Post) -> bool:
    """Whether `post` counts in its original's `remix_count` (published and not deleted)."""
    return post.remix_of_id is not None and not post.is_draft and post.deleted_at is None


def adjust_remix_count(session: Session, original_id: int, delta: int,
                       remix_id: int | None = None) -> None:
    session.execute(update(Post).where(Post.id == original_id)
                    .values(remix_count=Post.remix_count + delta)
                    .execution_options(synchronize_session=False))
    record_event(session, PostRemixCountChanged(post_id=original_id, remix_id=remix_id))


def on_publish(session: Session, post: Post) -> None:
    """A remix goes live: recheck the policy, count it on the original, notify its author."""
    if post.remix_of_id is None:
        return
    original = session.get(Post, post.remix_of_id)
    if original is None or not can_view_post(session, post.author_id, original):
        raise InvalidState("The remixed post is no longer available", code="remix_unavailable")
    check_policy(session, post.author_id, original)
    adjust_remix_count(session, original.id, 1, post.id)
    session.refresh(original, ["remix_count"])
    if can_view_post(session, original.author_id, post):
        notify(session, recipient_id=original.author_id, actor_id=post.author_id, type="remix",
               target_type="post", target_id=post.id,
               data={"post_id": post.id, "remix_of_id": original.id},
               text=post_texts(post.title, post.caption, post.hashtags, post.style_tags))


def on_delete(session: Session, post: Post) -> None:
    """Called before the post is marked deleted: it stops counting on its original."""
    if counted(post):
        adjust_remix_count(session, post.remix_of_id, -1, post.id)  # type: ignore[arg-type]


def links(session: Session, viewer_id: int | None,
          posts: Sequence[Post]) -> dict[int, tuple[RemixLink | None, list[RemixLink]]]:
    """Per remix: the original and the chain of credit, limited to posts the viewer may see."""
    wanted = {pid for p in posts for pid in (p.remix_chain or [])}
    if not wanted:
        return {}
    rows = session.scalars(select(Post).where(Post.id.in_(wanted))).all()
    visible = {r.id: r for r in rows if can_view_post(session, viewer_id, r)}
    cards = author_cards(session, {r.author_id for r in visible.values()})

    def link(pid: int) -> RemixLink:
        r = visible[pid]
        return RemixLink(post_id=pid, author=cards.get(r.author_id)
                         or AuthorCard(id=r.author_id, username="deleted"))

    out = {}
    for p in posts:
        chain = [link(pid) for pid in p.remix_chain or [] if pid in visible]
        of = link(p.remix_of_id) if p.remix_of_id in visible else None
        out[p.id] = (of, chain)
    return out


def credits(post: Post) -> list[RemixCredit]:
    return [RemixCredit.model_validate(c) for c in post.remix_credits or []]


def list_remixes(session: Session, viewer_id: int | None, post_id: int, page: PageParams,
                 base_url: str = "") -> tuple[list[Any], int]:
    """Published remixes of a visible post that the viewer may see, newest first."""
    from tanvi_social.content.service import build_post_reads

    get_visible_post(session, viewer_id, post_id)
    q = select(Post).where(Post.remix_of_id == post_id, Post.is_draft.is_(False),
                           Post.moderation_state != ModerationState.REMOVED.value,
                           visible_posts_clause(session, viewer_id))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(desc(Post.created_at), desc(Post.id))
                           .offset(page.offset).limit(page.per_page)).all()
    return build_post_reads(session, viewer_id, rows, base_url=base_url), total
