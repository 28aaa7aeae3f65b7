"""trip monitoring state: where the live checks of each trip left off

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trip_states',
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True, comment='newest fix checked; older ones are not live-checked'),
    sa.Column('last_lon', sa.Double(), nullable=True, comment='its position, WGS-84'),
    sa.Column('last_lat', sa.Double(), nullable=True),
    sa.Column('fixes_checked', sa.Integer(), nullable=False),
    sa.Column('skipped_fixes', sa.Integer(), nullable=False, comment='not newer than last_at when they came (late or resent): stored, not live-checked'),
    sa.Column('recent', sa.JSON(), nullable=False, comment='[epoch µs, lon, lat, km/h or null] of the last fixes: speed baseline'),
    sa.Column('runs', sa.JSON(), nullable=False, comment='open run of each check, by name'),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_trip_states_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('waybill_id', name=op.f('pk_trip_states'))
    )


def downgrade() -> None:
    op.drop_table('trip_states')
