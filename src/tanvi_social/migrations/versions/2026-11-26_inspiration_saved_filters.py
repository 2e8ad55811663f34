"""inspiration saved filters: named outfit filters with optional search text and notify

Revision ID: 0101inspiration
Revises: 0100inspiration
Create Date: 2026-11-26 20:02:38.878416
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tanvi_social.core.db

revision: str = '0101inspiration'
down_revision: str | Sequence[str] | None = '0100inspiration'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=True),
    sa.Column('occasion', sa.String(length=20), nullable=True),
    sa.Column('season', sa.String(length=20), nullable=True),
    sa.Column('weather', sa.String(length=10), nullable=True),
    sa.Column('formality', sa.String(length=20), nullable=True),
    sa.Column('price', sa.String(length=16), nullable=True),
    sa.Column('max_price', sa.String(length=16), nullable=True),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('notify_key', sa.String(length=40), nullable=True),
    sa.Column('match_count', sa.Integer(), nullable=False),
    sa.Column('last_matched_at', tanvi_social.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tanvi_social.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_filters_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
    sa.UniqueConstraint('owner_id', 'name', name=op.f('uq_saved_filters_owner_id_name'))
    )
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filters_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_saved_filters_notify_key_owner', ['notify_key', 'owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_filters_notify_key_owner')
        batch_op.drop_index(batch_op.f('ix_saved_filters_created_at'))

    op.drop_table('saved_filters')
