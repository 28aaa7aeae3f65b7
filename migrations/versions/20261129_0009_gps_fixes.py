"""gps fixes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gps_fixes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('terminal_id', sa.String(length=20), nullable=False, comment='JT/T 808 terminal phone number'),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False, comment='fix time, UTC'),
    sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('lat', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('speed_kph', sa.Double(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_gps_fixes_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gps_fixes')),
    sa.UniqueConstraint('terminal_id', 'at', name='uq_gps_fixes_terminal_at')
    )
    with op.batch_alter_table('gps_fixes', schema=None) as batch_op:
        batch_op.create_index('ix_gps_fixes_waybill_at', ['waybill_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('gps_fixes', schema=None) as batch_op:
        batch_op.drop_index('ix_gps_fixes_waybill_at')

    op.drop_table('gps_fixes')
