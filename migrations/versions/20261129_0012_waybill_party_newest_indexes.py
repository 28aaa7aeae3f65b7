"""waybill party indexes in list order, carrying the status and the other parties

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PARTIES = ('shipper', 'consignee', 'carrier')


def _newest(party: str) -> list[str]:
    """(party, created_at, id): one party's waybills in list order; then what the list filters on."""
    return [f'{party}_id', 'created_at', 'id', 'status', *(f'{other}_id' for other in PARTIES if other != party)]


def upgrade() -> None:
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        for party in PARTIES:
            batch_op.create_index(f'ix_waybills_{party}_newest', _newest(party), unique=False)
            batch_op.drop_index(f'ix_waybills_{party}_created_at')


def downgrade() -> None:
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        for party in PARTIES:
            batch_op.create_index(f'ix_waybills_{party}_created_at', [f'{party}_id', 'status', 'created_at', 'id'],
                                  unique=False)
            batch_op.drop_index(f'ix_waybills_{party}_newest')
