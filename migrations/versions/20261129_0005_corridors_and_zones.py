"""corridors and zones

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('corridors',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('geojson', sa.JSON(), nullable=False, comment='FeatureCollection, WGS-84'),
    sa.Column('hazard_classes', sa.JSON(), nullable=False, comment='empty: every class'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('min_lon', sa.Double(), nullable=False),
    sa.Column('min_lat', sa.Double(), nullable=False),
    sa.Column('max_lon', sa.Double(), nullable=False),
    sa.Column('max_lat', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corridors')),
    sa.UniqueConstraint('name', name=op.f('uq_corridors_name'))
    )
    op.create_table('zones',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.Enum('no_entry', 'no_stop', name='zonerule', native_enum=False, length=40), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=False, comment='Polygon or MultiPolygon, WGS-84'),
    sa.Column('hazard_classes', sa.JSON(), nullable=False, comment='empty: every class'),
    sa.Column('time_windows', sa.JSON(), nullable=False, comment='[["07:00", "09:00"], ...] local time; empty: always'),
    sa.Column('tz', sa.String(length=40), nullable=False),
    sa.Column('district_adcode', sa.String(length=6), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('min_lon', sa.Double(), nullable=False),
    sa.Column('min_lat', sa.Double(), nullable=False),
    sa.Column('max_lon', sa.Double(), nullable=False),
    sa.Column('max_lat', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('name', name=op.f('uq_zones_name'))
    )


def downgrade() -> None:
    op.drop_table('zones')
    op.drop_table('corridors')
