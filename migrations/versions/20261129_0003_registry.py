"""registry: permits, vehicles, personnel; catalogue import keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('permits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('safety_production', 'hazardous_chemicals_operation', 'safe_use', 'road_transport', 'hazardous_waste_operation', 'highly_toxic_purchase', 'highly_toxic_road_transport_pass', name='permitkind', native_enum=False, length=40), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False, comment='the number printed on the permit'),
    sa.Column('holder_id', sa.Uuid(), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=True, comment='issuing authority'),
    sa.Column('hazard_classes', sa.JSON(), nullable=False, comment='scope: ADR classes'),
    sa.Column('un_numbers', sa.JSON(), nullable=False, comment='scope: UN numbers'),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_permits_validity_order')),
    sa.ForeignKeyConstraint(['holder_id'], ['enterprises.id'], name=op.f('fk_permits_holder_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permits')),
    sa.UniqueConstraint('kind', 'number', name='uq_permits_kind_number')
    )
    op.create_index(op.f('ix_permits_holder_id'), 'permits', ['holder_id'])

    op.create_table('personnel',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('employer_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('driver', 'escort', name='crewrole', native_enum=False, length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('certificate_number', sa.String(length=40), nullable=False, comment='从业资格证号'),
    sa.Column('national_id_hash', sa.String(length=160), nullable=False, comment='pbkdf2_sha256$iterations$salt$hash'),
    sa.Column('national_id_masked', sa.String(length=18), nullable=False, comment='e.g. 3202**********1234'),
    sa.Column('qualification_classes', sa.JSON(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False, comment='certificate valid until'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['enterprises.id'], name=op.f('fk_personnel_employer_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personnel'))
    )
    op.create_index(op.f('ix_personnel_employer_id'), 'personnel', ['employer_id'])

    op.create_table('vehicles',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plate', sa.String(length=10), nullable=False, comment='normalized plate, e.g. 苏B12345'),
    sa.Column('carrier_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('tank', 'van', 'flatbed', 'tractor', 'tank_trailer', 'semi_trailer', name='vehiclekind', native_enum=False, length=40), nullable=False),
    sa.Column('hazard_classes', sa.JSON(), nullable=False, comment='permitted ADR classes'),
    sa.Column('rated_load_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False),
    sa.Column('tank_media', sa.JSON(), nullable=False, comment='UN numbers the tank may carry'),
    sa.Column('gps_terminal_id', sa.String(length=20), nullable=True, comment='JT/T 808 terminal phone number'),
    sa.Column('inspection_valid_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('rated_load_kg > 0', name=op.f('ck_vehicles_rated_load_positive')),
    sa.ForeignKeyConstraint(['carrier_id'], ['enterprises.id'], name=op.f('fk_vehicles_carrier_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles')),
    sa.UniqueConstraint('plate', name=op.f('uq_vehicles_plate'))
    )
    op.create_index(op.f('ix_vehicles_carrier_id'), 'vehicles', ['carrier_id'])

    # batch mode: SQLite cannot add a constraint to an existing table, so Alembic copies it.
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transport_category', sa.String(length=1), nullable=True, comment='ADR 1.1.3.6 transport category'))
        batch_op.add_column(sa.Column('source_ref', sa.String(length=40), nullable=True, comment="the entry's key within its source"))
        batch_op.create_unique_constraint('uq_chemicals_source_source_ref', ['source', 'source_ref'])


def downgrade() -> None:
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.drop_constraint('uq_chemicals_source_source_ref', type_='unique')
        batch_op.drop_column('source_ref')
        batch_op.drop_column('transport_category')

    op.drop_index(op.f('ix_vehicles_carrier_id'), table_name='vehicles')
    op.drop_table('vehicles')
    op.drop_index(op.f('ix_personnel_employer_id'), table_name='personnel')
    op.drop_table('personnel')
    op.drop_index(op.f('ix_permits_holder_id'), table_name='permits')
    op.drop_table('permits')
