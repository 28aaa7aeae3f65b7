"""batch identity in the chain

The entry that brings a batch into the ledger holds the SHA-256 of the batch's identity (code, chemical,
producer, production time, quantity), which its canonical form covers. Entries recorded before have none and
keep their canonical form. A plain ADD COLUMN: on SQLite a table rebuild would drop the append-only triggers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('ledger_entries', sa.Column(
        'batch_identity', sa.String(length=64), nullable=True,
        comment="hex SHA-256 of the batch's identity, on the entry that brought the batch in"))


def downgrade() -> None:
    op.drop_column('ledger_entries', 'batch_identity')
