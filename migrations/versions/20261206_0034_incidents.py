"""Dangerous-goods incidents (reported → confirmed → contained → closed) and their append-only history.

The history is append-only like the ledger (the same triggers as 0024 makes for its history tables).

Revision ID: 0034
Revises: 0026
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.Enum('reported', 'confirmed', 'contained', 'closed', name='incidentstate', native_enum=False, length=40), nullable=False),
    sa.Column('waybill_id', sa.Uuid(), nullable=True, comment="the vehicle's waybill, when known"),
    sa.Column('carrier_id', sa.Uuid(), nullable=True, comment="the waybill's carrier (who may see it)"),
    sa.Column('spill', sa.Enum('leak_small', 'leak_large', 'fire', 'tank_exposed_to_fire', name='spillkind', native_enum=False, length=40), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('location_source', sa.String(length=20), nullable=False, comment="'reported', or 'last_fix' of the vehicle"),
    sa.Column('night', sa.Boolean(), nullable=False, comment='between sunset and sunrise (ERG Table 1 column)'),
    sa.Column('wind_from_deg', sa.Double(), nullable=True, comment='where the wind blows from; none: unknown'),
    sa.Column('wind_speed_ms', sa.Double(), nullable=True),
    sa.Column('un_number', sa.String(length=4), nullable=True, comment="the cargo's; none: unidentified load"),
    sa.Column('material', sa.String(length=500), nullable=True, comment='proper shipping name of the cargo'),
    sa.Column('hazard_class', sa.String(length=8), nullable=True, comment="the placard's class"),
    sa.Column('capacity_l', sa.Double(), nullable=True, comment='tank capacity, litres (BLEVE distance)'),
    sa.Column('zones', sa.JSON(), nullable=False, comment='ERG 2016 zones, GeoJSON FeatureCollection'),
    sa.Column('zone_id', sa.Uuid(), nullable=True, comment='the temporary no-entry zone while it is open'),
    sa.Column('zone_until', sa.DateTime(timezone=True), nullable=True, comment='when the no-entry zone lapses'),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('reported_by', sa.Uuid(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False, comment='bumped on every change; clients send it back'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name=op.f('ck_incidents_wgs84_range')),
    sa.CheckConstraint('wind_from_deg IS NULL OR (wind_from_deg >= 0 AND wind_from_deg <= 360)', name=op.f('ck_incidents_wind_direction_range')),
    sa.ForeignKeyConstraint(['carrier_id'], ['enterprises.id'], name=op.f('fk_incidents_carrier_id_enterprises')),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_incidents_reported_by_users')),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_incidents_waybill_id_waybills')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_incidents_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index('ix_incidents_state_created_at', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_waybill_id'), ['waybill_id'], unique=False)

    op.create_table('incident_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('from_state', sa.Enum('reported', 'confirmed', 'contained', 'closed', name='incidentstate', native_enum=False, length=40), nullable=True),
    sa.Column('to_state', sa.Enum('reported', 'confirmed', 'contained', 'closed', name='incidentstate', native_enum=False, length=40), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_incident_events_actor_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events'))
    )
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_events_incident_id'), ['incident_id'], unique=False)
    _append_only('incident_events')


def downgrade() -> None:
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_events_incident_id'))
    op.drop_table('incident_events')  # and its triggers
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_waybill_id'))
        batch_op.drop_index('ix_incidents_state_created_at')
        batch_op.drop_index(batch_op.f('ix_incidents_carrier_id'))

    op.drop_table('incidents')


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        return
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {operation} refused'); END")
