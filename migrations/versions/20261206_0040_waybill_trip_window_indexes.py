"""Index the vehicle and crew of waybill versions with their departure window: the overlapping-trips warning of
a submission (app/services/waybills/trips.py) takes the first five other waybills of each vehicle or crew
member by planned departure, which these indexes give in order, so it reads a few rows however many trips
are planned on the vehicle (the indexes of 0035 gave them all, to be sorted). They replace those indexes,
whose lookups by the column alone they answer too.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None

COLUMNS = ('vehicle_id', 'trailer_id', 'driver_id', 'escort_id')
#: After the column: the order the warning lists the trips in, then the window's end, which the overlap test
#: reads from the index before it visits a row.
WINDOW = ['departure_earliest', 'waybill_id', 'departure_latest']


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f'ix_waybill_versions_{column}_departure', 'waybill_versions', [column, *WINDOW])
        op.drop_index(f'ix_waybill_versions_{column}', table_name='waybill_versions')


def downgrade() -> None:
    for column in COLUMNS:
        op.create_index(f'ix_waybill_versions_{column}', 'waybill_versions', [column])
        op.drop_index(f'ix_waybill_versions_{column}_departure', table_name='waybill_versions')
