"""waybills

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('resource_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id'))
    )
    op.create_table('waybills',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'in_transit', 'delivered', 'closed', 'cancelled', name='waybillstatus', native_enum=False, length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, comment='the current content version'),
    sa.Column('row_version', sa.Integer(), nullable=False, comment='bumped on every change; clients send it back'),
    sa.Column('shipper_id', sa.Uuid(), nullable=False),
    sa.Column('consignee_id', sa.Uuid(), nullable=False),
    sa.Column('carrier_id', sa.Uuid(), nullable=False),
    sa.Column('corridor_id', sa.Uuid(), nullable=True, comment='permitted corridor'),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='last change; every change bumps row_version'),
    sa.Column('departed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carrier_id'], ['enterprises.id'], name=op.f('fk_waybills_carrier_id_enterprises')),
    sa.ForeignKeyConstraint(['consignee_id'], ['enterprises.id'], name=op.f('fk_waybills_consignee_id_enterprises')),
    sa.ForeignKeyConstraint(['corridor_id'], ['corridors.id'], name=op.f('fk_waybills_corridor_id_corridors')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_waybills_created_by_users')),
    sa.ForeignKeyConstraint(['shipper_id'], ['enterprises.id'], name=op.f('fk_waybills_shipper_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybills')),
    sa.UniqueConstraint('number', name=op.f('uq_waybills_number'))
    )
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waybills_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waybills_consignee_id'), ['consignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waybills_shipper_id'), ['shipper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waybills_status'), ['status'], unique=False)

    op.create_table('waybill_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'in_transit', 'delivered', 'closed', 'cancelled', name='waybillstatus', native_enum=False, length=40), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'submitted', 'approved', 'rejected', 'in_transit', 'delivered', 'closed', 'cancelled', name='waybillstatus', native_enum=False, length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_waybill_events_actor_id_users')),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_waybill_events_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybill_events'))
    )
    with op.batch_alter_table('waybill_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waybill_events_waybill_id'), ['waybill_id'], unique=False)

    op.create_table('waybill_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Uuid(), nullable=True),
    sa.Column('trailer_id', sa.Uuid(), nullable=True),
    sa.Column('driver_id', sa.Uuid(), nullable=True),
    sa.Column('escort_id', sa.Uuid(), nullable=True),
    sa.Column('loading_site_id', sa.Uuid(), nullable=True),
    sa.Column('unloading_site_id', sa.Uuid(), nullable=True),
    sa.Column('departure_earliest', sa.DateTime(timezone=True), nullable=True),
    sa.Column('departure_latest', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emergency_contact', sa.String(length=40), nullable=True),
    sa.Column('warnings', sa.JSON(), nullable=False, comment='check warnings kept with the record'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['personnel.id'], name=op.f('fk_waybill_versions_driver_id_personnel')),
    sa.ForeignKeyConstraint(['escort_id'], ['personnel.id'], name=op.f('fk_waybill_versions_escort_id_personnel')),
    sa.ForeignKeyConstraint(['loading_site_id'], ['sites.id'], name=op.f('fk_waybill_versions_loading_site_id_sites')),
    sa.ForeignKeyConstraint(['trailer_id'], ['vehicles.id'], name=op.f('fk_waybill_versions_trailer_id_vehicles')),
    sa.ForeignKeyConstraint(['unloading_site_id'], ['sites.id'], name=op.f('fk_waybill_versions_unloading_site_id_sites')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], name=op.f('fk_waybill_versions_vehicle_id_vehicles')),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_waybill_versions_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybill_versions')),
    sa.UniqueConstraint('waybill_id', 'version', name=op.f('uq_waybill_versions_waybill_id'))
    )
    with op.batch_alter_table('waybill_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waybill_versions_waybill_id'), ['waybill_id'], unique=False)

    op.create_table('waybill_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('chemical_id', sa.Uuid(), nullable=True),
    sa.Column('un_number', sa.String(length=4), nullable=True),
    sa.Column('proper_shipping_name', sa.String(length=500), nullable=True),
    sa.Column('hazard_class', sa.String(length=8), nullable=True),
    sa.Column('packing_group', sa.String(length=3), nullable=True),
    sa.Column('tunnel_code', sa.String(length=8), nullable=True),
    sa.Column('quantity_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('packaging_kind', sa.String(length=40), nullable=True),
    sa.Column('packaging_count', sa.Integer(), nullable=True),
    sa.Column('delivered_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_waybill_lines_batch_id_batches')),
    sa.ForeignKeyConstraint(['chemical_id'], ['chemicals.id'], name=op.f('fk_waybill_lines_chemical_id_chemicals')),
    sa.ForeignKeyConstraint(['version_id'], ['waybill_versions.id'], name=op.f('fk_waybill_lines_version_id_waybill_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybill_lines')),
    sa.UniqueConstraint('version_id', 'line_no', name=op.f('uq_waybill_lines_version_id'))
    )
    with op.batch_alter_table('waybill_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waybill_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waybill_lines_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('waybill_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waybill_lines_version_id'))
        batch_op.drop_index(batch_op.f('ix_waybill_lines_batch_id'))

    op.drop_table('waybill_lines')
    with op.batch_alter_table('waybill_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waybill_versions_waybill_id'))

    op.drop_table('waybill_versions')
    with op.batch_alter_table('waybill_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waybill_events_waybill_id'))

    op.drop_table('waybill_events')
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waybills_status'))
        batch_op.drop_index(batch_op.f('ix_waybills_shipper_id'))
        batch_op.drop_index(batch_op.f('ix_waybills_consignee_id'))
        batch_op.drop_index(batch_op.f('ix_waybills_carrier_id'))

    op.drop_table('waybills')
    op.drop_table('idempotency_keys')
