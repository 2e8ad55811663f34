"""content post facets: the outfit-filter values of each post, indexed by value, back-filled

Revision ID: 0103content
Revises: 0102content
Create Date: 2026-11-26 20:22:55.293820
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0103content'
down_revision: str | Sequence[str] | None = '0102content'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _json(value: Any) -> Any:
    if isinstance(value, str):  # drivers that hand JSON back as text
        return json.loads(value)
    return value or []


def _backfill() -> None:
    """Derive the values of the posts already stored (same function as at write time)."""
    from tanvi_social.content.filters import derive_facets

    bind = op.get_bind()
    posts = sa.table("posts", sa.column("id"), sa.column("occasion"), sa.column("season"),
                     sa.column("formality"), sa.column("outfit_items", sa.JSON),
                     sa.column("style_tags", sa.JSON), sa.column("hashtags", sa.JSON),
                     sa.column("repost_of_id"))
    post_media = sa.table("post_media", sa.column("post_id"), sa.column("media_id"))
    media_tags = sa.table("media_tags", sa.column("media_id"), sa.column("category"),
                          sa.column("price_band"))
    facets = sa.table("post_facets", sa.column("post_id"), sa.column("facet"))
    last = 0
    while True:
        rows = bind.execute(sa.select(posts).where(posts.c.id > last,
                                                   posts.c.repost_of_id.is_(None))
                            .order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        tags: dict[int, list[tuple[str | None, str | None]]] = {}
        for pid, category, band in bind.execute(
                sa.select(post_media.c.post_id, media_tags.c.category, media_tags.c.price_band)
                .join(media_tags, media_tags.c.media_id == post_media.c.media_id)
                .where(post_media.c.post_id.in_(ids))):
            tags.setdefault(pid, []).append((category, band))
        values = [{"post_id": r.id, "facet": f} for r in rows for f in sorted(derive_facets(
            occasion=r.occasion, season=r.season, formality=r.formality,
            outfit_items=_json(r.outfit_items), style_tags=_json(r.style_tags),
            hashtags=_json(r.hashtags), garment_tags=tags.get(r.id, [])))]
        if values:
            bind.execute(sa.insert(facets), values)
        last = ids[-1]


def upgrade() -> None:
    op.create_table('post_facets',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_facets_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'facet', name=op.f('pk_post_facets'))
    )
    with op.batch_alter_table('post_facets', schema=None) as batch_op:
        batch_op.create_index('ix_post_facets_facet_post', ['facet', 'post_id'], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table('post_facets', schema=None) as batch_op:
        batch_op.drop_index('ix_post_facets_facet_post')

    op.drop_table('post_facets')
