"""waybill list indexes: newest first under a status filter, a party filter or both

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: (new composite index, its leading columns); each ends in (created_at, id), the list's order.
COMPOSITE = (
    ('ix_waybills_all_created_at', []),
    ('ix_waybills_status_created_at', ['status']),
    ('ix_waybills_shipper_created_at', ['shipper_id', 'status']),
    ('ix_waybills_consignee_created_at', ['consignee_id', 'status']),
    ('ix_waybills_carrier_created_at', ['carrier_id', 'status']),
)
#: The single-column indexes of 0007 the composites start with, so they go.
SINGLE = (('ix_waybills_status', 'status'), ('ix_waybills_shipper_id', 'shipper_id'),
          ('ix_waybills_consignee_id', 'consignee_id'), ('ix_waybills_carrier_id', 'carrier_id'))


def upgrade() -> None:
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        for name, columns in COMPOSITE:
            batch_op.create_index(name, [*columns, 'created_at', 'id'], unique=False)
        for name, _column in SINGLE:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        for name, column in SINGLE:
            batch_op.create_index(name, [column], unique=False)
        for name, _columns in COMPOSITE:
            batch_op.drop_index(name)
