"""hazardous waste (profiles, transfer manifests, permit waste scope) and GB 18218 factors (site α, chemical β)

Waste profiles are part of the record: append-only like the ledger tables (0004), by the same trigger
function on PostgreSQL and by RAISE triggers on SQLite.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waste_batches',
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=False, comment='国家危险废物名录 category, HW01-HW50'),
    sa.Column('code', sa.String(length=10), nullable=False, comment='eight-digit waste code, e.g. 900-041-49'),
    sa.Column('characteristics', sa.JSON(), nullable=False, comment='T, C, I, R, In'),
    sa.Column('generating_site_id', sa.Uuid(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False, comment='when it was generated: storage starts then'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_waste_batches_batch_id_batches')),
    sa.ForeignKeyConstraint(['generating_site_id'], ['sites.id'], name=op.f('fk_waste_batches_generating_site_id_sites')),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_waste_batches'))
    )
    with op.batch_alter_table('waste_batches', schema=None) as batch_op:
        batch_op.create_index('ix_waste_batches_generated_at', ['generated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waste_batches_generating_site_id'), ['generating_site_id'], unique=False)

    op.create_table('waste_manifests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('created', 'in_transit', 'received', 'disposed', 'rejected', name='manifeststatus', native_enum=False, length=40), nullable=False),
    sa.Column('generator_id', sa.Uuid(), nullable=False, comment='移出人'),
    sa.Column('carrier_id', sa.Uuid(), nullable=False, comment='承运人'),
    sa.Column('disposer_id', sa.Uuid(), nullable=False, comment='接受人'),
    sa.Column('disposer_site_id', sa.Uuid(), nullable=False, comment='where it is received'),
    sa.Column('waybill_id', sa.Uuid(), nullable=True, comment='the e-waybill that carries it'),
    sa.Column('disposal_method', sa.String(length=3), nullable=False, comment='Basel Convention Annex IV code, e.g. D10'),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('departed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disposed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['carrier_id'], ['enterprises.id'], name=op.f('fk_waste_manifests_carrier_id_enterprises')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_waste_manifests_created_by_users')),
    sa.ForeignKeyConstraint(['disposer_id'], ['enterprises.id'], name=op.f('fk_waste_manifests_disposer_id_enterprises')),
    sa.ForeignKeyConstraint(['disposer_site_id'], ['sites.id'], name=op.f('fk_waste_manifests_disposer_site_id_sites')),
    sa.ForeignKeyConstraint(['generator_id'], ['enterprises.id'], name=op.f('fk_waste_manifests_generator_id_enterprises')),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_waste_manifests_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_manifests')),
    sa.UniqueConstraint('number', name=op.f('uq_waste_manifests_number')),
    sa.UniqueConstraint('waybill_id', name=op.f('uq_waste_manifests_waybill_id'))
    )
    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.create_index('ix_waste_manifests_carrier_created_at', ['carrier_id', 'created_at'], unique=False)
        batch_op.create_index('ix_waste_manifests_disposer_created_at', ['disposer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_waste_manifests_generator_created_at', ['generator_id', 'created_at'], unique=False)

    op.create_table('waste_manifest_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manifest_id', sa.Uuid(), nullable=False),
    sa.Column('from_status', sa.Enum('created', 'in_transit', 'received', 'disposed', 'rejected', name='manifeststatus', native_enum=False, length=40), nullable=True),
    sa.Column('to_status', sa.Enum('created', 'in_transit', 'received', 'disposed', 'rejected', name='manifeststatus', native_enum=False, length=40), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_waste_manifest_events_actor_id_users')),
    sa.ForeignKeyConstraint(['manifest_id'], ['waste_manifests.id'], name=op.f('fk_waste_manifest_events_manifest_id_waste_manifests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_manifest_events'))
    )
    with op.batch_alter_table('waste_manifest_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waste_manifest_events_manifest_id'), ['manifest_id'], unique=False)

    op.create_table('waste_manifest_lines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manifest_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('quantity_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False, comment='what the generator hands over'),
    sa.Column('received_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True, comment='what the waybill delivered to the disposer'),
    sa.CheckConstraint('quantity_kg > 0', name=op.f('ck_waste_manifest_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_waste_manifest_lines_batch_id_batches')),
    sa.ForeignKeyConstraint(['manifest_id'], ['waste_manifests.id'], name=op.f('fk_waste_manifest_lines_manifest_id_waste_manifests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_manifest_lines')),
    sa.UniqueConstraint('manifest_id', 'batch_id', name='uq_waste_manifest_lines_batch'),
    sa.UniqueConstraint('manifest_id', 'line_no', name='uq_waste_manifest_lines_line_no')
    )
    with op.batch_alter_table('waste_manifest_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waste_manifest_lines_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waste_manifest_lines_manifest_id'), ['manifest_id'], unique=False)

    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('major_hazard_category', sa.String(length=4), nullable=True, comment='GB 18218 Table 2 hazard category (J1-J5, W1.1-W11) for chemicals not in Table 1'))
        batch_op.add_column(sa.Column('major_hazard_beta', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True, comment='GB 18218 correction factor β (Table 3/4)'))

    # Existing permits get an empty waste scope: added nullable, filled, then made NOT NULL.
    waste_scope = {'waste_categories': 'waste scope: HW categories', 'waste_codes': 'waste scope: eight-digit codes',
                   'disposal_methods': 'Basel Annex IV codes'}
    with op.batch_alter_table('permits', schema=None) as batch_op:
        for name, comment in waste_scope.items():
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True, comment=comment))
    op.execute("UPDATE permits SET " + ", ".join(f"{name} = '[]'" for name in waste_scope))
    with op.batch_alter_table('permits', schema=None) as batch_op:
        for name, comment in waste_scope.items():
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=False, existing_comment=comment)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exposed_population', sa.Integer(), nullable=True, comment='people living within 500 m of the site boundary (GB 18218 α)'))
        batch_op.create_check_constraint(op.f('ck_sites_population_not_negative'), 'exposed_population >= 0')

    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE TRIGGER waste_batches_append_only BEFORE UPDATE OR DELETE ON waste_batches "
                   "FOR EACH ROW EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        op.execute("CREATE TRIGGER waste_batches_no_truncate BEFORE TRUNCATE ON waste_batches "
                   "FOR EACH STATEMENT EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        return
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER waste_batches_no_{operation.lower()} BEFORE {operation} ON waste_batches "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table waste_batches is append-only: {operation} refused'); END")



def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sites_population_not_negative'), type_='check')
        batch_op.drop_column('exposed_population')

    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_column('disposal_methods')
        batch_op.drop_column('waste_codes')
        batch_op.drop_column('waste_categories')

    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.drop_column('major_hazard_beta')
        batch_op.drop_column('major_hazard_category')

    with op.batch_alter_table('waste_manifest_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_manifest_lines_manifest_id'))
        batch_op.drop_index(batch_op.f('ix_waste_manifest_lines_batch_id'))

    op.drop_table('waste_manifest_lines')
    with op.batch_alter_table('waste_manifest_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_manifest_events_manifest_id'))

    op.drop_table('waste_manifest_events')
    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.drop_index('ix_waste_manifests_generator_created_at')
        batch_op.drop_index('ix_waste_manifests_disposer_created_at')
        batch_op.drop_index('ix_waste_manifests_carrier_created_at')

    op.drop_table('waste_manifests')
    with op.batch_alter_table('waste_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_batches_generating_site_id'))
        batch_op.drop_index('ix_waste_batches_generated_at')

    op.drop_table('waste_batches')  # and its triggers
