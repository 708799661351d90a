"""data revision moved by the database itself: triggers on every CRM table the engine reads

Cached verdicts are trusted only at the data revision they were judged at. Until now every
writer had to remember to bump it; with these triggers any INSERT, UPDATE or DELETE (and on
PostgreSQL a TRUNCATE) of teams, owners, leads, activities or deals moves it, in the writer's
own transaction, whatever code or person runs the statement. PostgreSQL bumps once per
statement; SQLite has row triggers only, so it bumps once per row (a tiny keyed UPDATE).

Revision ID: 0008_revision_triggers
Revises: 0007_nudges
Create Date: 2026-12-07 17:30:00
"""
from __future__ import annotations

from alembic import op


revision = '0008_revision_triggers'
down_revision = '0007_nudges'
branch_labels = None
depends_on = None

TABLES = ('team', 'owner', 'lead', 'activity', 'deal')
EVENTS = ('insert', 'update', 'delete')
FUNCTION = 'handoff_bump_data_revision'


def upgrade() -> None:
    # The counter row the triggers move (a fresh database has none until the first write).
    op.execute(
        "INSERT INTO data_revision (id, revision) SELECT 1, 0 "
        "WHERE NOT EXISTS (SELECT 1 FROM data_revision WHERE id = 1)"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
            BEGIN
                UPDATE data_revision SET revision = revision + 1 WHERE id = 1;
                IF NOT FOUND THEN
                    INSERT INTO data_revision (id, revision) VALUES (1, 1);
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_moves_data_revision '
                f'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f'FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()'
            )
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f'CREATE TRIGGER {table}_{event}_moves_data_revision AFTER {event.upper()} '
                f'ON "{table}" FOR EACH ROW BEGIN '
                'UPDATE data_revision SET revision = revision + 1 WHERE id = 1; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_moves_data_revision ON "{table}"')
        op.execute(f'DROP FUNCTION IF EXISTS {FUNCTION}()')
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_{event}_moves_data_revision')
