"""drop ix_activity_lead_id: the covering index leads with lead_id and serves the same lookups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_lead_id'))


def downgrade() -> None:
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_lead_id'), ['lead_id'], unique=False)
