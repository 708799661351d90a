"""access: the audit table (who did what from the dashboard, and when)

Revision ID: 0006_access
Revises: 0005_service_owner
Create Date: 2026-12-07 17:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString
from alembic import op

import models.tables


revision = '0006_access'
down_revision = '0005_service_owner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', AutoString(), nullable=False),
    sa.Column('role', AutoString(), nullable=False),
    sa.Column('action', AutoString(), nullable=False),
    sa.Column('target', AutoString(), nullable=False),
    sa.Column('outcome', AutoString(), nullable=False),
    sa.Column('detail', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))
    op.drop_table('audit_entry')
