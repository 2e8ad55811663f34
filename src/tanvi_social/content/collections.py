"""Collections: public or private, optionally collaborative (contributors add items)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tanvi_social.accounts.models import User
from tanvi_social.content import service
from tanvi_social.content.access import get_visible_post, visible_posts_clause
from tanvi_social.content.models import Collection, CollectionContributor, CollectionItem, Post
from tanvi_social.content.schemas import (
    CollectionCreate,
    CollectionItemRead,
    CollectionRead,
    CollectionUpdate,
)
from tanvi_social.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tanvi_social.core.pagination import PageParams
from tanvi_social.core.time import utcnow
from tanvi_social.social import graph
from tanvi_social.social.cards import author_cards
from tanvi_social.social.notifications import notify


def get_collection_row(session: Session, collection_id: int) -> Collection | None:
    return session.get(Collection, collection_id)


def _contributors(session: Session, collection_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {cid: [] for cid in collection_ids}
    for cid, uid in session.execute(select(CollectionContributor.collection_id,
                                           CollectionContributor.user_id)
                                    .where(CollectionContributor.collection_id.in_(collection_ids))
                                    .order_by(CollectionContributor.id)):
        out[cid].append(uid)
    return out


def can_add_to(session: Session, user_id: int, collection: Collection) -> bool:
    if collection.owner_id == user_id:
        return True
    return collection.is_collaborative and session.scalar(select(CollectionContributor.id).where(
        CollectionContributor.collection_id == collection.id,
        CollectionContributor.user_id == user_id)) is not None


def can_view_collection(session: Session, viewer_id: int | None, collection: Collection) -> bool:
    if viewer_id is not None and can_add_to(session, viewer_id, collection):
        return True
    if not collection.is_public:
        return False
    return viewer_id is None or not graph.blocked_either_way(session, viewer_id,
                                                             collection.owner_id)


def _visible(session: Session, viewer_id: int | None, collection_id: int) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is None or not can_view_collection(session, viewer_id, collection):
        raise NotFound("Collection not found", code="collection_not_found")
    return collection


def _reads(session: Session, viewer_id: int | None, rows: list[Collection]) -> list[CollectionRead]:
    contributors = _contributors(session, [c.id for c in rows])
    cards = author_cards(session, {c.owner_id for c in rows}
                         | {u for ids in contributors.values() for u in ids})
    out = []
    for c in rows:
        can_add = viewer_id is not None and (
            c.owner_id == viewer_id or (c.is_collaborative and viewer_id in contributors[c.id]))
        out.append(CollectionRead(
            id=c.id, owner=cards[c.owner_id], name=c.name, description=c.description,
            collection_type=c.collection_type, tags=list(c.tags or []), is_public=c.is_public,
            is_collaborative=c.is_collaborative,
            contributors=[cards[u] for u in contributors[c.id] if u in cards],
            items_count=c.items_count, created_at=c.created_at, updated_at=c.updated_at,
            can_add=can_add))
    return out


def _set_contributors(session: Session, collection: Collection, user_ids: list[int]) -> None:
    wanted = [u for u in user_ids if u != collection.owner_id]
    if wanted:
        found = set(session.scalars(select(User.id).where(User.id.in_(wanted),
                                                          User.is_active.is_(True))))
        blocked = graph.blocked_ids(session, collection.owner_id)
        bad = [u for u in wanted if u not in found or u in blocked]
        if bad:
            raise ValidationFailed("Unknown contributors", code="unknown_user",
                                   details=[{"loc": ["body", "contributor_ids"],
                                             "msg": f"unknown users: {bad}"}])
    current = set(session.scalars(select(CollectionContributor.user_id).where(
        CollectionContributor.collection_id == collection.id)))
    removed = current - set(wanted)
    if removed:
        session.execute(delete(CollectionContributor).where(
            CollectionContributor.collection_id == collection.id,
            CollectionContributor.user_id.in_(removed)))
    for uid in wanted:
        if uid not in current:
            session.add(CollectionContributor(collection_id=collection.id, user_id=uid))
            notify(session, recipient_id=uid, actor_id=collection.owner_id,
                   type="collection_invite", target_type="collection", target_id=collection.id,
                   data={"name": collection.name})


def create_collection(session: Session, user_id: int, data: CollectionCreate) -> CollectionRead:
    collection = Collection(owner_id=user_id, name=data.name, description=data.description,
                            collection_type=data.collection_type, tags=data.tags,
                            is_public=data.is_public, is_collaborative=data.is_collaborative)
    session.add(collection)
    session.flush()
    _set_contributors(session, collection, data.contributor_ids)
    session.flush()
    return _reads(session, user_id, [collection])[0]


def update_collection(session: Session, user_id: int, collection_id: int,
                      data: CollectionUpdate) -> CollectionRead:
    collection = _visible(session, user_id, collection_id)
    if collection.owner_id != user_id:
        raise Forbidden("Only the owner may change this collection", code="not_owner")
    for name in ("name", "description", "collection_type", "tags", "is_public",
                 "is_collaborative"):
        if name in data.model_fields_set:
            value = getattr(data, name)
            if value is None and name != "description":
                continue
            setattr(collection, name, value)
    if "contributor_ids" in data.model_fields_set and data.contributor_ids is not None:
        _set_contributors(session, collection, data.contributor_ids)
    collection.updated_at = utcnow()
    session.flush()
    return _reads(session, user_id, [collection])[0]


def delete_collection(session: Session, user_id: int, collection_id: int) -> None:
    collection = _visible(session, user_id, collection_id)
    if collection.owner_id != user_id:
        raise Forbidden("Only the owner may delete this collection", code="not_owner")
    session.delete(collection)
    session.flush()


def list_collections(session: Session, viewer_id: int | None, owner_id: int | None,
                     page: PageParams) -> tuple[list[CollectionRead], int]:
    """Someone's collections the viewer may see; without `user_id`, the caller's own and those
    they contribute to."""
    q = select(Collection)
    if owner_id is None:
        if viewer_id is None:
            return [], 0
        q = q.where(or_(Collection.owner_id == viewer_id, Collection.id.in_(
            select(CollectionContributor.collection_id).where(
                CollectionContributor.user_id == viewer_id))))
    else:
        q = q.where(Collection.owner_id == owner_id)
        if viewer_id != owner_id:
            if viewer_id is not None and graph.blocked_either_way(session, viewer_id, owner_id):
                return [], 0
            visible: ColumnElement[bool] = Collection.is_public.is_(True)
            if viewer_id is not None:
                visible = visible | Collection.id.in_(select(
                    CollectionContributor.collection_id).where(
                    CollectionContributor.user_id == viewer_id))
            q = q.where(visible)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(session.scalars(q.order_by(func.coalesce(Collection.updated_at,
                                                         Collection.created_at).desc(),
                                           Collection.id.desc())
                                .offset(page.offset).limit(page.per_page)))
    return _reads(session, viewer_id, rows), total


def get_collection(session: Session, viewer_id: int | None, collection_id: int,
                   page: PageParams, base_url: str = ""
                   ) -> tuple[CollectionRead, list[CollectionItemRead], int]:
    """A collection with its items whose posts the viewer may see."""
    collection = _visible(session, viewer_id, collection_id)
    q = (select(CollectionItem, Post).join(Post, Post.id == CollectionItem.post_id)
         .where(CollectionItem.collection_id == collection_id,
                visible_posts_clause(session, viewer_id)))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(q.order_by(CollectionItem.id.desc()).offset(page.offset)
                           .limit(page.per_page)).all()
    posts = {p.id: p for p in service.build_post_reads(session, viewer_id, [r[1] for r in rows],
                                                       base_url=base_url)}
    cards = author_cards(session, {i.added_by_id for i, _ in rows})
    items = [CollectionItemRead(id=i.id, post_id=i.post_id, added_by=cards.get(i.added_by_id),
                                notes=i.notes, created_at=i.created_at, post=posts[p.id])
             for i, p in rows]
    return _reads(session, viewer_id, [collection])[0], items, total


def add_item_row(session: Session, collection: Collection, post_id: int, user_id: int,
                 notes: str | None, *, missing_ok: bool = False) -> CollectionItem | None:
    """Insert an item (409 if the post is already there, unless `missing_ok`)."""
    item = CollectionItem(collection_id=collection.id, post_id=post_id, added_by_id=user_id,
                          notes=notes)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError as exc:
        if missing_ok:
            return None
        raise Conflict("This post is already in the collection", code="already_in_collection") \
            from exc
    session.execute(update(Collection).where(Collection.id == collection.id)
                    .values(items_count=Collection.items_count + 1, updated_at=utcnow())
                    .execution_options(synchronize_session=False))
    if user_id != collection.owner_id:
        notify(session, recipient_id=collection.owner_id, actor_id=user_id,
               type="collection_item", target_type="collection", target_id=collection.id,
               data={"post_id": post_id})
    return item


def add_item(session: Session, user_id: int, collection_id: int, post_id: int,
             notes: str | None, base_url: str = "") -> CollectionItemRead:
    collection = _visible(session, user_id, collection_id)
    if not can_add_to(session, user_id, collection):
        raise Forbidden("Only the owner and contributors may add to this collection",
                        code="not_contributor")
    post = get_visible_post(session, user_id, post_id)
    item = add_item_row(session, collection, post_id, user_id, notes)
    assert item is not None
    session.flush()
    return CollectionItemRead(id=item.id, post_id=post_id,
                              added_by=author_cards(session, [user_id]).get(user_id),
                              notes=notes, created_at=item.created_at,
                              post=service.read_post(session, user_id, post, base_url))


def remove_item(session: Session, user_id: int, collection_id: int, item_id: int) -> None:
    """The owner removes any item; a contributor removes the items they added."""
    collection = _visible(session, user_id, collection_id)
    item = session.get(CollectionItem, item_id)
    if item is None or item.collection_id != collection_id:
        raise NotFound("Item not found", code="item_not_found")
    if user_id not in (collection.owner_id, item.added_by_id):
        raise Forbidden("You may not remove this item", code="not_owner")
    session.delete(item)
    session.flush()
    session.execute(update(Collection).where(Collection.id == collection_id)
                    .values(items_count=Collection.items_count - 1, updated_at=utcnow())
                    .execution_options(synchronize_session=False))
