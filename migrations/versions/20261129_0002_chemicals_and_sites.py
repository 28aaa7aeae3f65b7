"""chemicals and sites

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('chemicals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('un_number', sa.String(length=4), nullable=True, comment='UN number, 4 digits'),
    sa.Column('name_zh', sa.String(length=300), nullable=True),
    sa.Column('name_en', sa.String(length=500), nullable=True, comment='proper shipping name'),
    sa.Column('hazard_class', sa.String(length=8), nullable=True, comment='ADR class or division, e.g. 2.3'),
    sa.Column('classification_code', sa.String(length=12), nullable=True, comment='ADR classification code'),
    sa.Column('packing_group', sa.String(length=3), nullable=True, comment='I, II or III'),
    sa.Column('tunnel_code', sa.String(length=8), nullable=True, comment='ADR tunnel restriction code'),
    sa.Column('cas_numbers', sa.JSON(), nullable=False),
    sa.Column('catalogue_serial', sa.Integer(), nullable=True, comment='serial in 危险化学品目录(2015版)'),
    sa.Column('highly_toxic', sa.Boolean(), nullable=False, comment='剧毒'),
    sa.Column('explosive_precursor', sa.Boolean(), nullable=False, comment='易制爆'),
    sa.Column('key_supervised', sa.Boolean(), nullable=False, comment='重点监管'),
    sa.Column('control_level', sa.Enum('none', 'controlled', 'restricted', 'prohibited', name='controllevel', native_enum=False, length=40), nullable=False),
    sa.Column('major_hazard_threshold_t', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True, comment='GB 18218 threshold, tonnes'),
    sa.Column('source', sa.String(length=40), nullable=False, comment='where the entry came from'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chemicals'))
    )
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chemicals_un_number'), ['un_number'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('plant', 'warehouse', 'tank_farm', 'loading_terminal', 'disposal_facility', name='sitekind', native_enum=False, length=40), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84 longitude, degrees'),
    sa.Column('lat', sa.Double(), nullable=False, comment='WGS-84 latitude, degrees'),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('district_adcode', sa.String(length=6), nullable=True),
    sa.Column('capacity_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name=op.f('ck_sites_wgs84_range')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_sites_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_enterprise_id'), ['enterprise_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_enterprise_id'))

    op.drop_table('sites')
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chemicals_un_number'))

    op.drop_table('chemicals')

