"""e-waybills per Order 29: consignment lists, issued waybills, passes and the national format's content

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

The carrier's waybill stands once its checks pass (交通运输部令2019年第29号 Art. 24); only a waybill that needs
a pass waits for public security. Existing waybills keep working: one approved is issued; one still submitted
(waiting for the approval no longer given) is issued too, or waits for its pass when it carries highly toxic
(剧毒) cargo. Their status history keeps the old states. The downgrade maps issued back to approved and
awaiting_pass to submitted.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

VERSION_COLUMNS = (
    ('shared_trip', sa.String(length=40), 'one trip of several waybills, one vehicle'),
    ('shipper_contact', sa.String(length=40), None),
    ('consignee_contact', sa.String(length=40), None),
    ('loader_name', sa.String(length=200), '装货人'),
    ('loader_contact', sa.String(length=40), None),
    ('vehicle_plate_colour', sa.String(length=8), '车牌颜色'),
    ('vehicle_transport_certificate', sa.String(length=40), '道路运输证号'),
    ('trailer_plate_colour', sa.String(length=8), None),
    ('trailer_transport_certificate', sa.String(length=40), None),
    ('tank_number', sa.String(length=40), '罐体编号'),
    ('tank_capacity_m3', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), None),
    ('tank_inspection_valid_until', sa.Date(), None),
    ('driver_phone', sa.String(length=40), None),
    ('escort_phone', sa.String(length=40), None),
    ('dispatcher', sa.String(length=100), '调度人'),
    ('dispatched_on', sa.Date(), None),
    ('waste_manifest_number', sa.String(length=40), '危险废物转移联单号'),
    ('carrier_permit_number', sa.String(length=60), '道路危险货物运输经营许可证号, from the carrier\'s permit at issue'),
)


def upgrade() -> None:
    op.create_table('consignments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('shipper_id', sa.Uuid(), nullable=False),
    sa.Column('carrier_id', sa.Uuid(), nullable=False),
    sa.Column('consignee_id', sa.Uuid(), nullable=False),
    sa.Column('loading_site_id', sa.Uuid(), nullable=True),
    sa.Column('unloading_site_id', sa.Uuid(), nullable=True),
    sa.Column('shipper_contact', sa.String(length=40), nullable=True),
    sa.Column('consignee_contact', sa.String(length=40), nullable=True),
    sa.Column('loader_name', sa.String(length=200), nullable=True, comment='装货人'),
    sa.Column('loader_contact', sa.String(length=40), nullable=True),
    sa.Column('emergency_phone', sa.String(length=40), nullable=False),
    sa.Column('waste_manifest_number', sa.String(length=40), nullable=True, comment='危险废物转移联单号'),
    sa.Column('ship_on', sa.Date(), nullable=True, comment='the day the shipper wants it carried'),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['carrier_id'], ['enterprises.id'], name=op.f('fk_consignments_carrier_id_enterprises')),
    sa.ForeignKeyConstraint(['consignee_id'], ['enterprises.id'], name=op.f('fk_consignments_consignee_id_enterprises')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_consignments_created_by_users')),
    sa.ForeignKeyConstraint(['loading_site_id'], ['sites.id'], name=op.f('fk_consignments_loading_site_id_sites')),
    sa.ForeignKeyConstraint(['shipper_id'], ['enterprises.id'], name=op.f('fk_consignments_shipper_id_enterprises')),
    sa.ForeignKeyConstraint(['unloading_site_id'], ['sites.id'], name=op.f('fk_consignments_unloading_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consignments')),
    sa.UniqueConstraint('number', name=op.f('uq_consignments_number'))
    )
    with op.batch_alter_table('consignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consignments_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consignments_shipper_id'), ['shipper_id'], unique=False)
    op.create_table('consignment_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consignment_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('chemical_id', sa.Uuid(), nullable=True),
    sa.Column('un_number', sa.String(length=4), nullable=True),
    sa.Column('proper_shipping_name', sa.String(length=500), nullable=True),
    sa.Column('hazard_class', sa.String(length=8), nullable=True),
    sa.Column('packing_group', sa.String(length=3), nullable=True),
    sa.Column('quantity_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False),
    sa.Column('packaging_kind', sa.String(length=40), nullable=False),
    sa.Column('packaging_count', sa.Integer(), nullable=False),
    sa.Column('hazards', sa.String(length=1000), nullable=False, comment='危险特性'),
    sa.Column('first_aid', sa.String(length=1000), nullable=False, comment='急救措施'),
    sa.Column('spill_response', sa.String(length=1000), nullable=False, comment='泄漏应急处置'),
    sa.Column('fire_response', sa.String(length=1000), nullable=False, comment='消防措施'),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_consignment_lines_batch_id_batches')),
    sa.ForeignKeyConstraint(['chemical_id'], ['chemicals.id'], name=op.f('fk_consignment_lines_chemical_id_chemicals')),
    sa.ForeignKeyConstraint(['consignment_id'], ['consignments.id'], name=op.f('fk_consignment_lines_consignment_id_consignments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consignment_lines')),
    sa.UniqueConstraint('consignment_id', 'line_no', name=op.f('uq_consignment_lines_consignment_id'))
    )
    with op.batch_alter_table('consignment_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consignment_lines_consignment_id'), ['consignment_id'], unique=False)

    with op.batch_alter_table('waybill_versions', schema=None) as batch_op:
        for name, type_, comment in VERSION_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True, comment=comment))
    with op.batch_alter_table('corridors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_pass', sa.Boolean(), server_default=sa.false(), nullable=False,
                                      comment='the authority requires a pass (通行证) to use it'))
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_number', sa.String(length=40), nullable=True,
                                      comment='通行证 number, granted by public security'))
        batch_op.add_column(sa.Column('consignment_id', sa.Uuid(), nullable=True,
                                      comment='the shipper\'s consignment list (托运清单)'))
        batch_op.create_foreign_key(batch_op.f('fk_waybills_consignment_id_consignments'), 'consignments',
                                    ['consignment_id'], ['id'])
    _migrate_statuses()


def _migrate_statuses() -> None:
    """Approved becomes issued; submitted is issued, or awaits its pass when a line's chemical is 剧毒."""
    toxic = ("EXISTS (SELECT 1 FROM waybill_versions v JOIN waybill_lines l ON l.version_id = v.id "
             "JOIN batches b ON b.id = l.batch_id JOIN chemicals c ON c.id = b.chemical_id "
             "WHERE v.waybill_id = waybills.id AND v.version = waybills.version AND c.highly_toxic)")
    op.execute("UPDATE waybills SET status = 'issued' WHERE status = 'approved'")
    op.execute(f"UPDATE waybills SET status = 'awaiting_pass' WHERE status = 'submitted' AND {toxic}")
    op.execute("UPDATE waybills SET status = 'issued' WHERE status = 'submitted'")


def downgrade() -> None:
    op.execute("UPDATE waybills SET status = 'approved' WHERE status = 'issued'")
    op.execute("UPDATE waybills SET status = 'submitted' WHERE status = 'awaiting_pass'")
    with op.batch_alter_table('waybills', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_waybills_consignment_id_consignments'), type_='foreignkey')
        batch_op.drop_column('consignment_id')
        batch_op.drop_column('pass_number')
    with op.batch_alter_table('corridors', schema=None) as batch_op:
        batch_op.drop_column('requires_pass')
    with op.batch_alter_table('waybill_versions', schema=None) as batch_op:
        for name, _type, _comment in reversed(VERSION_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('consignment_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consignment_lines_consignment_id'))
    op.drop_table('consignment_lines')
    with op.batch_alter_table('consignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consignments_shipper_id'))
        batch_op.drop_index(batch_op.f('ix_consignments_carrier_id'))
    op.drop_table('consignments')
