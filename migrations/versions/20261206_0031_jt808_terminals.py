"""JT/T 808 terminals known to the gateway, the fixes of vehicles on no trip, vehicles by terminal number.

Revision ID: 0031
Revises: 0034
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The gateway finds a vehicle by its terminal number at each registration and authentication.
    op.create_index(op.f('ix_vehicles_gps_terminal_id'), 'vehicles', ['gps_terminal_id'], unique=False)
    op.create_table(
        'terminals',
        sa.Column('terminal_id', sa.String(length=20), nullable=False,
                  comment='JT/T 808 terminal phone number, as on the vehicle'),
        sa.Column('vehicle_id', sa.Uuid(), nullable=False),
        sa.Column('auth_code', sa.String(length=40), nullable=False,
                  comment='JT/T 808 authentication code issued at registration'),
        sa.Column('edition', sa.Integer(), nullable=False,
                  comment='protocol edition of the header last seen: 2013 or 2019'),
        sa.Column('device_id', sa.String(length=40), nullable=True, comment='terminal ID sent at registration'),
        sa.Column('model', sa.String(length=40), nullable=True),
        sa.Column('connected', sa.Boolean(), nullable=False),
        sa.Column('peer', sa.String(length=64), nullable=True, comment='remote address of the current connection'),
        sa.Column('registered_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'),
                  nullable=False),
        sa.Column('authenticated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disconnected_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_message_id', sa.Integer(), nullable=True, comment='JT/T 808 message id, e.g. 512 = 0x0200'),
        sa.Column('last_fix_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_position', sa.JSON(), nullable=True,
                  comment='the last location report decoded (alarm, status, items)'),
        sa.Column('alarm_flags', sa.BigInteger(), nullable=False, comment='alarm word of the last location report'),
        sa.Column('alarm_since', sa.JSON(), nullable=False, comment='alarm name -> ISO time it was first raised'),
        sa.Column('messages', sa.BigInteger(), nullable=False, comment='messages received since registration'),
        sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_terminals_vehicle_id_vehicles')),
        sa.PrimaryKeyConstraint('terminal_id', name=op.f('pk_terminals')),
    )
    op.create_index(op.f('ix_terminals_vehicle_id'), 'terminals', ['vehicle_id'], unique=False)
    op.create_table(
        'vehicle_fixes',
        sa.Column('at', sa.DateTime(timezone=True), nullable=False, comment='fix time, UTC'),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'),
                  nullable=False),
        sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84'),
        sa.Column('lat', sa.Double(), nullable=False, comment='WGS-84'),
        sa.Column('speed_kph', sa.Double(), nullable=True),
        sa.Column('vehicle_id', sa.Uuid(), nullable=False),
        sa.Column('terminal_id', sa.String(length=20), nullable=False, comment='JT/T 808 terminal phone number'),
        sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_vehicle_fixes_vehicle_id_vehicles')),
        sa.PrimaryKeyConstraint('terminal_id', 'at', name=op.f('pk_vehicle_fixes')),
    )
    op.create_index('ix_vehicle_fixes_vehicle_at', 'vehicle_fixes', ['vehicle_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_vehicle_fixes_vehicle_at', table_name='vehicle_fixes')
    op.drop_table('vehicle_fixes')
    op.drop_index(op.f('ix_terminals_vehicle_id'), table_name='terminals')
    op.drop_table('terminals')
    op.drop_index(op.f('ix_vehicles_gps_terminal_id'), table_name='vehicles')
