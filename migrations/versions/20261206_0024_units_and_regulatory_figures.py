"""units within a site (GB 18218-2018 §3.5/§3.6), design maximums and exposed population with history

Every existing site gets a default unit (a production unit for a plant, a storage unit otherwise); its
stock stays where it is, since the account of a site's default unit names no unit. Site accounts may name a
unit: PostgreSQL adds the column and key in place; SQLite rebuilds ``ledger_accounts`` (which drops its
append-only triggers, made again exactly as 0004 made them). The design maximums and population changes are
append-only, like the ledger. Chemicals may carry several GB 18218 categories (comma-separated).

Hazardous waste: every declaration carries its 名录 edition (those made before were under the 2021 edition:
the column's default fills them without touching a row, so the append-only triggers stay quiet); codes an
administrator adds to the shipped table; the manifest's carrier check and the receiver's discrepancy.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

HISTORY_TABLES = ('unit_design_maxima', 'site_population_changes')
ACCOUNT_FK = 'fk_ledger_accounts_unit_id_site_units'


def upgrade() -> None:
    op.create_table('site_units',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('production', 'storage', name='unitkind', native_enum=False, length=40), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False, comment='where stock lands when a movement names no unit'),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_units_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_units')),
    sa.UniqueConstraint('site_id', 'name', name='uq_site_units_name')
    )
    with op.batch_alter_table('site_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_units_site_id'), ['site_id'], unique=False)
        batch_op.create_index('uq_site_units_default', ['site_id'], unique=True,
                              postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))

    op.create_table('unit_design_maxima',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('chemical_id', sa.Uuid(), nullable=False),
    sa.Column('quantity_kg', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False, comment='design maximum, kg (GB 18218 §4.2.2)'),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('set_by', sa.Uuid(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity_kg >= 0', name=op.f('ck_unit_design_maxima_quantity_not_negative')),
    sa.ForeignKeyConstraint(['chemical_id'], ['chemicals.id'], name=op.f('fk_unit_design_maxima_chemical_id_chemicals')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_unit_design_maxima_set_by_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['site_units.id'], name=op.f('fk_unit_design_maxima_unit_id_site_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_design_maxima'))
    )
    with op.batch_alter_table('unit_design_maxima', schema=None) as batch_op:
        batch_op.create_index('ix_unit_design_maxima_unit_chemical', ['unit_id', 'chemical_id', 'set_at'], unique=False)

    op.create_table('site_population_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('exposed_population', sa.Integer(), nullable=True, comment='None: not known (α by policy)'),
    sa.Column('previous', sa.Integer(), nullable=True, comment='the value it replaced'),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('set_by', sa.Uuid(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('exposed_population >= 0', name=op.f('ck_site_population_changes_population_not_negative')),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_site_population_changes_set_by_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_population_changes_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_population_changes'))
    )
    with op.batch_alter_table('site_population_changes', schema=None) as batch_op:
        batch_op.create_index('ix_site_population_changes_site_set_at', ['site_id', 'set_at'], unique=False)
    for table in HISTORY_TABLES:
        _append_only(table)

    _default_units()
    _account_units_upgrade()

    _waste_upgrade()

    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.alter_column('major_hazard_category', existing_type=sa.String(length=4), type_=sa.String(length=40),
                              existing_nullable=True,
                              comment='GB 18218 Table 2 hazard categories (J1-J5, W1.1-W11), comma-separated: several hazards',
                              existing_comment='GB 18218 Table 2 hazard category (J1-J5, W1.1-W11) for chemicals not in Table 1')


def _waste_upgrade() -> None:
    with op.batch_alter_table('waste_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('catalogue_edition', sa.String(length=4), server_default='2021', nullable=False, comment='the 国家危险废物名录 edition in force when it was generated'))
    op.create_table('waste_codes',
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=False),
    sa.Column('characteristics', sa.JSON(), nullable=False, comment='what a waste of this code may be declared with'),
    sa.Column('description_zh', sa.String(length=500), nullable=False),
    sa.Column('edition', sa.String(length=4), nullable=False, comment='the 名录 edition the code is taken from'),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('added_by', sa.Uuid(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_waste_codes_added_by_users')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_waste_codes'))
    )
    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carrier_checked_at', sa.DateTime(timezone=True), nullable=True, comment='when the carrier checked the waste against the manifest, before carriage'))
        batch_op.add_column(sa.Column('carrier_checked_by', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('discrepancy', sa.String(length=500), nullable=True, comment='what the receiver found not as stated'))
        batch_op.create_foreign_key(batch_op.f('fk_waste_manifests_carrier_checked_by_users'), 'users', ['carrier_checked_by'], ['id'])


def _waste_downgrade() -> None:
    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_waste_manifests_carrier_checked_by_users'), type_='foreignkey')
        batch_op.drop_column('discrepancy')
        batch_op.drop_column('carrier_checked_by')
        batch_op.drop_column('carrier_checked_at')
    op.drop_table('waste_codes')
    # SQLite drops a column by rebuilding the table, which drops its triggers: made again as 0015 made them.
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('waste_batches', 'catalogue_edition')
        return
    with op.batch_alter_table('waste_batches', recreate='always') as batch_op:
        batch_op.drop_column('catalogue_edition')
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER waste_batches_no_{operation.lower()} BEFORE {operation} ON waste_batches "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table waste_batches is append-only: {operation} refused'); END")


def _default_units() -> None:
    """One default unit per existing site: its stock (the account naming no unit) is that unit's."""
    bind = op.get_bind()
    sites = bind.execute(sa.text('SELECT id, kind FROM sites')).all()
    units = sa.table('site_units', sa.column('id', sa.Uuid()), sa.column('site_id', sa.Uuid()),
                     sa.column('name', sa.String()), sa.column('kind', sa.String()),
                     sa.column('is_default', sa.Boolean()), sa.column('active', sa.Boolean()))
    rows = [{'id': uuid.uuid4(), 'site_id': uuid.UUID(str(site_id)), 'name': '默认单元',
             'kind': 'production' if kind == 'plant' else 'storage', 'is_default': True, 'active': True}
            for site_id, kind in sites]
    if rows:
        op.bulk_insert(units, rows)


def _account_units_upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('ledger_accounts', sa.Column('unit_id', sa.Uuid(), nullable=True, comment="the unit of a site account; none: the site's default unit"))
        op.create_foreign_key(ACCOUNT_FK, 'ledger_accounts', 'site_units', ['unit_id'], ['id'])
        _account_indexes(op)
        return
    with op.batch_alter_table('ledger_accounts', recreate='always') as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Uuid(), nullable=True, comment="the unit of a site account; none: the site's default unit"))
        batch_op.create_foreign_key(ACCOUNT_FK, 'site_units', ['unit_id'], ['id'])
        _account_indexes(batch_op)
    _sqlite_account_triggers()


def _account_indexes(target) -> None:
    kwargs = {'table_name': 'ledger_accounts'} if target is op else {}
    target.drop_index('uq_ledger_accounts_site', **kwargs)
    target.create_index('uq_ledger_accounts_site', columns=['site_id'], unique=True,
                        postgresql_where=sa.text("kind = 'site' AND unit_id IS NULL"),
                        sqlite_where=sa.text("kind = 'site' AND unit_id IS NULL"), **kwargs)
    target.create_index('uq_ledger_accounts_unit', columns=['unit_id'], unique=True,
                        postgresql_where=sa.text('unit_id IS NOT NULL'), sqlite_where=sa.text('unit_id IS NOT NULL'),
                        **kwargs)


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION hazledger_refuse_ledger_change()")
        return
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table {table} is append-only: {operation} refused'); END")


def _sqlite_account_triggers() -> None:
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER ledger_accounts_no_{operation.lower()} BEFORE {operation} ON ledger_accounts "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table ledger_accounts is append-only: {operation} refused'); END")


def downgrade() -> None:
    with op.batch_alter_table('chemicals', schema=None) as batch_op:
        batch_op.alter_column('major_hazard_category', existing_type=sa.String(length=40), type_=sa.String(length=4),
                              existing_nullable=True,
                              comment='GB 18218 Table 2 hazard category (J1-J5, W1.1-W11) for chemicals not in Table 1',
                              existing_comment='GB 18218 Table 2 hazard categories (J1-J5, W1.1-W11), comma-separated: several hazards')
    _waste_downgrade()
    # Accounts of units other than the default would collide with the default's under the old key: the
    # downgrade refuses rather than merge stock.
    if op.get_bind().execute(sa.text('SELECT count(*) FROM ledger_accounts WHERE unit_id IS NOT NULL')).scalar():
        raise RuntimeError('ledger accounts name units other than a default: cannot downgrade below 0024')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('uq_ledger_accounts_unit', table_name='ledger_accounts')
        op.drop_index('uq_ledger_accounts_site', table_name='ledger_accounts')
        op.create_index('uq_ledger_accounts_site', 'ledger_accounts', ['site_id'], unique=True,
                        postgresql_where=sa.text("kind = 'site'"))
        op.drop_constraint(ACCOUNT_FK, 'ledger_accounts', type_='foreignkey')
        op.drop_column('ledger_accounts', 'unit_id')
    else:
        with op.batch_alter_table('ledger_accounts', recreate='always') as batch_op:
            batch_op.drop_index('uq_ledger_accounts_unit')
            batch_op.drop_index('uq_ledger_accounts_site')
            batch_op.create_index('uq_ledger_accounts_site', ['site_id'], unique=True,
                                  sqlite_where=sa.text("kind = 'site'"))
            batch_op.drop_constraint(ACCOUNT_FK, type_='foreignkey')
            batch_op.drop_column('unit_id')
        _sqlite_account_triggers()
    for table in reversed(HISTORY_TABLES):
        op.drop_table(table)  # and its triggers
    with op.batch_alter_table('site_units', schema=None) as batch_op:
        batch_op.drop_index('uq_site_units_default', postgresql_where=sa.text('is_default'),
                            sqlite_where=sa.text('is_default'))
        batch_op.drop_index(batch_op.f('ix_site_units_site_id'))
    op.drop_table('site_units')
