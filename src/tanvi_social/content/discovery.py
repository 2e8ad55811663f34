"""Fashion-native reads of a post: its shoppable list and posts with a similar palette."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from tanvi_social.content import service
from tanvi_social.content.access import get_visible_post, visible_posts_clause
from tanvi_social.content.models import Post, PostMedia
from tanvi_social.content.schemas import BrandFitRow, ShopItem, SimilarPost
from tanvi_social.media import service as media_service
from tanvi_social.media.colors import color_distance

SIMILAR_CANDIDATES = 300  # most recent visible posts with photos compared


def shop(session: Session, viewer_id: int | None, post_id: int) -> list[ShopItem]:
    """Garments tagged on the post's photos, then outfit items that name a brand or a link."""
    post = get_visible_post(session, viewer_id, post_id)
    media_ids = list(session.scalars(select(PostMedia.media_id).where(
        PostMedia.post_id == post_id).order_by(PostMedia.position)))
    items: list[ShopItem] = []
    tags = media_service.tags_for(session, media_ids)
    for mid in media_ids:
        for t in tags.get(mid, []):
            items.append(ShopItem(source="photo_tag", media_id=mid, category=t.category,
                                  brand=t.brand, colour=t.colour, colour_hex=t.colour_hex,
                                  price_band=t.price_band, link=t.link, fit=t.fit,
                                  x=t.x, y=t.y))
    for item in post.outfit_items or []:
        if item.get("brand") or item.get("link"):
            items.append(ShopItem(source="outfit_item", name=item.get("name"),
                                  category=item.get("category"), brand=item.get("brand"),
                                  colour=item.get("colour"), price_band=item.get("price_band"),
                                  link=item.get("link")))
    return items


def palette_distance(a: Sequence[tuple[str, float]], b: Sequence[tuple[str, float]]) -> float:
    """Symmetric share-weighted nearest-colour CIEDE2000 distance between two palettes."""
    def one_way(x: Sequence[tuple[str, float]], y: Sequence[tuple[str, float]]) -> float:
        total = sum(s for _, s in x) or 1.0
        return sum(s * min(color_distance(h, k) for k, _ in y) for h, s in x) / total

    return (one_way(a, b) + one_way(b, a)) / 2


def similar_palette(session: Session, viewer_id: int | None, post_id: int, limit: int,
                    base_url: str = "") -> list[SimilarPost]:
    """Visible posts whose photo palettes are closest to this post's (docs/algorithms.md)."""
    get_visible_post(session, viewer_id, post_id)
    mine = service.palette_for(service.post_media(session, [post_id]).get(post_id, []))
    if not mine:
        return []
    target = [(c.hex, c.share) for c in mine]
    candidates = list(session.scalars(
        select(Post).where(visible_posts_clause(session, viewer_id), Post.is_draft.is_(False),
                           Post.id != post_id,
                           Post.id.in_(select(PostMedia.post_id)))
        .order_by(desc(Post.id)).limit(SIMILAR_CANDIDATES)))
    media = service.post_media(session, [p.id for p in candidates])
    scored = []
    for p in candidates:
        palette = service.palette_for(media.get(p.id, []))
        if palette:
            scored.append((palette_distance(target, [(c.hex, c.share) for c in palette]), p))
    scored.sort(key=lambda x: (x[0], -x[1].id))
    top = scored[:limit]
    reads = service.build_post_reads(session, viewer_id, [p for _, p in top], base_url=base_url)
    return [SimilarPost(post=r, distance=round(d, 2)) for (d, _), r in zip(top, reads,
                                                                          strict=True)]


def brand_fit(session: Session, viewer_id: int | None, brand: str) -> list[BrandFitRow]:
    """Fit notes (small / true / large) tagged on the photos of posts the viewer may see,
    summed per garment category; a verdict once a category has three notes."""
    media_ids = select(PostMedia.media_id).join(Post, Post.id == PostMedia.post_id).where(
        visible_posts_clause(session, viewer_id), Post.is_draft.is_(False))
    ids = list(session.scalars(media_ids))
    rows = media_service.fit_summary(session, ids, brand=brand) if ids else []
    out = []
    for r in rows:
        verdict = None
        if r["total"] >= 3:
            best = max(("small", "true", "large"), key=lambda k: (r[k], k == "true"))
            verdict = {"small": "runs small", "true": "true to size",
                       "large": "runs large"}[best]
        out.append(BrandFitRow(brand=r["brand"], category=r["category"], small=r["small"],
                               true=r["true"], large=r["large"], total=r["total"],
                               verdict=verdict))
    return out
