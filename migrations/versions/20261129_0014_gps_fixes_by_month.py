"""gps fixes keyed by terminal and time, range-partitioned by month on PostgreSQL

The surrogate id goes: a fix is (terminal_id, at), which is also what makes a retried upload harmless, and a
partitioned table's primary key must contain the partition key. On PostgreSQL the table is partitioned by
month of ``at`` (UTC): one partition per month, created ahead by ``gps_fixes_partition(month)``, plus a
DEFAULT partition that only catches fixes older than the partitioned months (late or historical uploads);
creating a month's partition moves such rows out of the default one first, so the default never blocks it.
Each partition carries the primary key, the (waybill_id, at) index of a trip's track and a BRIN index on
``at`` (time-range scans across vehicles for a few kilobytes). On SQLite the table stays a plain table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = 'at, received_at, lon, lat, speed_kph, waybill_id, terminal_id'

# Month bounds are computed on timestamps without time zone, in UTC: timestamptz arithmetic would follow the
# session's TimeZone. A partition is built beside the table and attached, which takes only a SHARE UPDATE
# EXCLUSIVE lock on gps_fixes (CREATE TABLE ... PARTITION OF would block every insert meanwhile).
PARTITION_FUNCTION = """
CREATE FUNCTION gps_fixes_partition(month timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    first_day timestamp := date_trunc('month', month AT TIME ZONE 'UTC');
    lower_bound timestamptz := first_day AT TIME ZONE 'UTC';
    upper_bound timestamptz := (first_day + interval '1 month') AT TIME ZONE 'UTC';
    name text := 'gps_fixes_' || to_char(first_day, 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('gps_fixes_partition'));
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE gps_fixes INCLUDING DEFAULTS)', name);
    EXECUTE format('WITH moved AS (DELETE FROM gps_fixes_default WHERE at >= %L AND at < %L RETURNING *) '
                   'INSERT INTO %I SELECT * FROM moved', lower_bound, upper_bound, name);
    EXECUTE format('ALTER TABLE gps_fixes ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   name, lower_bound, upper_bound);
    RETURN name;
END $$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    postgresql = _postgresql()
    op.drop_index('ix_gps_fixes_waybill_at', table_name='gps_fixes')
    op.rename_table('gps_fixes', 'gps_fixes_0009')
    if postgresql:  # the key's index names are schema-wide there
        op.drop_constraint('pk_gps_fixes', 'gps_fixes_0009', type_='primary')
        op.drop_constraint('uq_gps_fixes_terminal_at', 'gps_fixes_0009', type_='unique')
    # Eight-byte columns first: no alignment padding in a row stored billions of times.
    op.create_table('gps_fixes',
    sa.Column('at', sa.DateTime(timezone=True), nullable=False, comment='fix time, UTC'),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('lat', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('speed_kph', sa.Double(), nullable=True),
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('terminal_id', sa.String(length=20), nullable=False, comment='JT/T 808 terminal phone number'),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_gps_fixes_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('terminal_id', 'at', name=op.f('pk_gps_fixes')),
    postgresql_partition_by='RANGE (at)',
    )
    op.create_index('ix_gps_fixes_waybill_at', 'gps_fixes', ['waybill_id', 'at'], unique=False)
    op.create_index('ix_gps_fixes_at', 'gps_fixes', ['at'], unique=False, postgresql_using='brin')
    if postgresql:
        op.execute('CREATE TABLE gps_fixes_default PARTITION OF gps_fixes DEFAULT')
        op.execute(PARTITION_FUNCTION)
        op.execute("SELECT gps_fixes_partition(now() + m * interval '1 month') FROM generate_series(-1, 1) AS m")
    op.execute(f'INSERT INTO gps_fixes ({COLUMNS}) SELECT {COLUMNS} FROM gps_fixes_0009')
    op.drop_table('gps_fixes_0009')


def downgrade() -> None:
    postgresql = _postgresql()
    op.drop_index('ix_gps_fixes_at', table_name='gps_fixes')
    op.drop_index('ix_gps_fixes_waybill_at', table_name='gps_fixes')
    op.rename_table('gps_fixes', 'gps_fixes_0014')
    if postgresql:
        op.drop_constraint('pk_gps_fixes', 'gps_fixes_0014', type_='primary')
    op.create_table('gps_fixes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('waybill_id', sa.Uuid(), nullable=False),
    sa.Column('terminal_id', sa.String(length=20), nullable=False, comment='JT/T 808 terminal phone number'),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False, comment='fix time, UTC'),
    sa.Column('lon', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('lat', sa.Double(), nullable=False, comment='WGS-84'),
    sa.Column('speed_kph', sa.Double(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_gps_fixes_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gps_fixes')),
    sa.UniqueConstraint('terminal_id', 'at', name='uq_gps_fixes_terminal_at')
    )
    op.create_index('ix_gps_fixes_waybill_at', 'gps_fixes', ['waybill_id', 'at'], unique=False)
    op.execute(f'INSERT INTO gps_fixes ({COLUMNS}) SELECT {COLUMNS} FROM gps_fixes_0014 ORDER BY at')
    op.drop_table('gps_fixes_0014')  # and, on PostgreSQL, its partitions
    if postgresql:
        op.execute('DROP FUNCTION gps_fixes_partition(timestamptz)')
