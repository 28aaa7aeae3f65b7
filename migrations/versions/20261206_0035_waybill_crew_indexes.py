"""Index the vehicle and crew of waybill versions: every submission and departure asks which other waybills
name the same vehicle, trailer, driver or escort (app/services/waybills/trips.py), which otherwise reads every
version ever written.

Revision ID: 0035
Revises: 0028
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = '0035'
down_revision = '0028'
branch_labels = None
depends_on = None

COLUMNS = ('vehicle_id', 'trailer_id', 'driver_id', 'escort_id')


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f'ix_waybill_versions_{column}', 'waybill_versions', [column])


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f'ix_waybill_versions_{column}', table_name='waybill_versions')
