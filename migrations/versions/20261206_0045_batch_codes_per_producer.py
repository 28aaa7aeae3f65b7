"""Batch codes are unique per producer, no longer system-wide.

A firm that registered a batch with a code another firm used got 409 and so learnt that the other firm has it.
A lot code is its producer's (two producers may number their lots alike): unique per (producer, code), with an
index on the code for lookups. SQLite changes a constraint by rebuilding the table, which drops its append-only
triggers: made again exactly as 0004 made them (no row is updated or deleted on the way).

The downgrade restores system-wide codes; it fails while two producers share a code.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None

PER_PRODUCER = 'batch (lot) code, unique per producer'
SYSTEM_WIDE = 'batch (lot) code, unique system-wide'


def _sqlite_triggers() -> None:
    """The append-only triggers of ``batches`` on SQLite, as 0004 made them (a rebuild dropped them)."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER batches_no_{operation.lower()} BEFORE {operation} ON batches "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table batches is append-only: {operation} refused'); END")


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_constraint('uq_batches_code', type_='unique')
        batch_op.alter_column('code', existing_type=sa.String(length=64), existing_nullable=False,
                              comment=PER_PRODUCER, existing_comment=SYSTEM_WIDE)
        batch_op.create_unique_constraint('uq_batches_producer_code', ['producer_id', 'code'])
        batch_op.create_index('ix_batches_code', ['code'], unique=False)
    _sqlite_triggers()


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index('ix_batches_code')
        batch_op.drop_constraint('uq_batches_producer_code', type_='unique')
        batch_op.alter_column('code', existing_type=sa.String(length=64), existing_nullable=False,
                              comment=SYSTEM_WIDE, existing_comment=PER_PRODUCER)
        batch_op.create_unique_constraint('uq_batches_code', ['code'])
    _sqlite_triggers()
