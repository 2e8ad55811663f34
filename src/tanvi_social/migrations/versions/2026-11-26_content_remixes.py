"""content remixes: the remixed post, the chain of credit, credited items, policy and count

Revision ID: 0102content
Revises: 0101content
Create Date: 2026-11-26 18:18:44.892935
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0102content'
down_revision: str | Sequence[str] | None = '0101content'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remix_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remix_root_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('remix_chain', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
        batch_op.add_column(sa.Column('remix_credits', sa.JSON(), server_default=sa.text("'[]'"),
                                      nullable=False))
        batch_op.add_column(sa.Column('remix_policy', sa.String(length=16), server_default='anyone', nullable=False))
        batch_op.add_column(sa.Column('remix_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_posts_remix_of_id'), ['remix_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_remix_root_id'), ['remix_root_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_posts_remix_root_id_posts'), 'posts', ['remix_root_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_posts_remix_of_id_posts'), 'posts', ['remix_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_posts_remix_count_non_negative'),
                                         'remix_count >= 0')


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_posts_remix_count_non_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_posts_remix_of_id_posts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_posts_remix_root_id_posts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_posts_remix_root_id'))
        batch_op.drop_index(batch_op.f('ix_posts_remix_of_id'))
        batch_op.drop_column('remix_count')
        batch_op.drop_column('remix_policy')
        batch_op.drop_column('remix_credits')
        batch_op.drop_column('remix_chain')
        batch_op.drop_column('remix_root_id')
        batch_op.drop_column('remix_of_id')
