"""agreement_review: reviews of the agreement, beside the SLA versions

Revision ID: 0009_agreement
Revises: 0008_revision_triggers
Create Date: 2026-12-07 17:15:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import models.tables


revision = '0009_agreement'
down_revision = '0008_revision_triggers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('previous_reviewed_on', sa.Date(), nullable=True),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('recorded_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', AutoString(), nullable=False),
    sa.Column('note', AutoString(), nullable=True),
    sa.Column('changes', AutoString(), nullable=False),
    sa.Column('config_checksum', AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agreement_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_review_reviewed_on'), ['reviewed_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agreement_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_review_reviewed_on'))
    op.drop_table('agreement_review')
