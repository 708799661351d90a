"""nudges: the nudge log (claimed before sending, unique per item, stage and recipient), named
database leases, and people who muted their nudges

Revision ID: 0007_nudges
Revises: 0006_access
Create Date: 2026-12-07 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.tables


revision = '0007_nudges'
down_revision = '0006_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nudge_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sla_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lead_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('claimed_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', models.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nudge_log', schema=None) as batch_op:
        batch_op.create_index('ux_nudge_log_key', ['sla_id', 'item_id', 'stage', 'recipient'], unique=True)
        batch_op.create_index(batch_op.f('ix_nudge_log_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nudge_log_claimed_at'), ['claimed_at'], unique=False)
    op.create_table('lease',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('acquired_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('nudge_mute',
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('muted_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email')
    )


def downgrade() -> None:
    op.drop_table('nudge_mute')
    op.drop_table('lease')
    with op.batch_alter_table('nudge_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_log_claimed_at'))
        batch_op.drop_index(batch_op.f('ix_nudge_log_lead_id'))
        batch_op.drop_index('ux_nudge_log_key')
    op.drop_table('nudge_log')
