"""deal.service_owner_id: the service rep who owns the new customer after the close (SPEC 1)

Revision ID: 0005_service_owner
Revises: 0004
Create Date: 2026-12-07 17:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005_service_owner'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_owner_id', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_column('service_owner_id')
