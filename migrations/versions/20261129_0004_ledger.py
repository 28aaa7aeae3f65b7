"""ledger: batches, accounts, entries, checkpoints, append-only triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The ledger tables are append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE; on SQLite
triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE). The ORM refuses the same (models/ledger.py).
"""
from alembic import op
import sqlalchemy as sa


LEDGER_TABLES = ('batches', 'ledger_accounts', 'ledger_entries', 'ledger_checkpoints')


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_sequence', sa.BigInteger(), nullable=False),
    sa.Column('last_sequence', sa.BigInteger(), nullable=False),
    sa.Column('merkle_root', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False, comment='first 16 hex of SHA-256 of the public key'),
    sa.Column('public_key', sa.String(length=64), nullable=False, comment='hex ed25519 verify key'),
    sa.Column('signature', sa.String(length=128), nullable=False, comment='hex ed25519 signature of the signed message'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_sequence <= last_sequence', name=op.f('ck_ledger_checkpoints_range_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints')),
    sa.UniqueConstraint('last_sequence', name=op.f('uq_ledger_checkpoints_last_sequence'))
    )
    op.create_table('batches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False, comment='batch (lot) code, unique system-wide'),
    sa.Column('chemical_id', sa.Uuid(), nullable=False),
    sa.Column('producer_id', sa.Uuid(), nullable=False, comment='the enterprise that brought the batch into the ledger'),
    sa.Column('produced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False, comment='quantity at production, kg'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_batches_quantity_positive')),
    sa.ForeignKeyConstraint(['chemical_id'], ['chemicals.id'], name=op.f('fk_batches_chemical_id_chemicals')),
    sa.ForeignKeyConstraint(['producer_id'], ['enterprises.id'], name=op.f('fk_batches_producer_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('code', name=op.f('uq_batches_code'))
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_chemical_id'), ['chemical_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_producer_id'), ['producer_id'], unique=False)

    op.create_table('ledger_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('site', 'transit', 'boundary', name='accountkind', native_enum=False, length=40), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=False, comment='holder: site owner, carrier, or boundary owner'),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('boundary', sa.Enum('produced', 'received', 'transformed', 'consumed', 'disposed', 'loss', 'adjustment', name='boundary', native_enum=False, length=40), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True, comment='vehicle plate or waybill number in transit'),
    sa.Column('waybill_id', sa.Uuid(), nullable=True, comment='the e-waybill of a transit account'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint("(kind = 'boundary') = (boundary IS NOT NULL)", name=op.f('ck_ledger_accounts_boundary_account_has_boundary')),
    sa.CheckConstraint("(kind = 'site') = (site_id IS NOT NULL)", name=op.f('ck_ledger_accounts_site_account_has_site')),
    sa.CheckConstraint("(kind = 'transit') = (reference IS NOT NULL)", name=op.f('ck_ledger_accounts_transit_account_has_reference')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_ledger_accounts_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_ledger_accounts_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts'))
    )
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_accounts_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('uq_ledger_accounts_boundary', ['enterprise_id', 'boundary'], unique=True, postgresql_where=sa.text("kind = 'boundary'"), sqlite_where=sa.text("kind = 'boundary'"))
        batch_op.create_index('uq_ledger_accounts_site', ['site_id'], unique=True, postgresql_where=sa.text("kind = 'site'"), sqlite_where=sa.text("kind = 'site'"))
        batch_op.create_index('uq_ledger_accounts_transit', ['enterprise_id', 'reference'], unique=True, postgresql_where=sa.text("kind = 'transit'"), sqlite_where=sa.text("kind = 'transit'"))

    op.create_table('ledger_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False, comment='position in the chain, from 1'),
    sa.Column('kind', sa.Enum('produce', 'receive', 'transfer', 'load', 'unload', 'consume', 'transform', 'split', 'generate_waste', 'dispose', 'loss', 'adjust', 'reversal', name='entrykind', native_enum=False, length=40), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False, comment='kg moved, > 0'),
    sa.Column('from_account_id', sa.Uuid(), nullable=False),
    sa.Column('to_account_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=False, comment='acting enterprise'),
    sa.Column('document_ref', sa.String(length=100), nullable=True, comment='waybill, invoice or record number'),
    sa.Column('reverses_id', sa.Uuid(), nullable=True, comment='the entry this one reverses (at most once)'),
    sa.Column('transformation_id', sa.Uuid(), nullable=True),
    sa.Column('lineage_role', sa.Enum('input', 'output', name='lineagerole', native_enum=False, length=40), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False, comment='hex SHA-256 of the canonical form'),
    sa.CheckConstraint('(transformation_id IS NULL) = (lineage_role IS NULL)', name=op.f('ck_ledger_entries_lineage_complete')),
    sa.CheckConstraint('from_account_id <> to_account_id', name=op.f('ck_ledger_entries_distinct_accounts')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_ledger_entries_quantity_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ledger_entries_actor_id_users')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_ledger_entries_batch_id_batches')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_ledger_entries_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['from_account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_entries_from_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.ForeignKeyConstraint(['to_account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_entries_to_account_id_ledger_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_ledger_entries_hash')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_entries_reverses_id')),
    sa.UniqueConstraint('sequence', name=op.f('uq_ledger_entries_sequence'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_from_batch', ['from_account_id', 'batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_ledger_entries_to_batch', ['to_account_id', 'batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_transformation_id'), ['transformation_id'], unique=False)

    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION hazledger_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END $$
        """)
        for table in LEDGER_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION hazledger_refuse_ledger_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        return
    for table in LEDGER_TABLES:
        for operation in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: {operation} refused'); END")


def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_transformation_id'))
        batch_op.drop_index('ix_ledger_entries_to_batch')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_occurred_at'))
        batch_op.drop_index('ix_ledger_entries_from_batch')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_batch_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('ledger_accounts', schema=None) as batch_op:
        batch_op.drop_index('uq_ledger_accounts_transit', postgresql_where=sa.text("kind = 'transit'"), sqlite_where=sa.text("kind = 'transit'"))
        batch_op.drop_index('uq_ledger_accounts_site', postgresql_where=sa.text("kind = 'site'"), sqlite_where=sa.text("kind = 'site'"))
        batch_op.drop_index('uq_ledger_accounts_boundary', postgresql_where=sa.text("kind = 'boundary'"), sqlite_where=sa.text("kind = 'boundary'"))
        batch_op.drop_index(batch_op.f('ix_ledger_accounts_enterprise_id'))

    op.drop_table('ledger_accounts')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_producer_id'))
        batch_op.drop_index(batch_op.f('ix_batches_chemical_id'))

    op.drop_table('batches')
    op.drop_table('ledger_checkpoints')
    # Dropping a table drops its triggers; the PostgreSQL function is left alone by that.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION hazledger_refuse_ledger_change()')
