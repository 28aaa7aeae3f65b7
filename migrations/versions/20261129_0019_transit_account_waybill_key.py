"""transit accounts refer to their waybill by a foreign key

Revision ID: 0019
Revises: 0016
Create Date: 2026-11-29

The ledger came before the waybills, so ``ledger_accounts.waybill_id`` was a bare column; now the database
refuses a transit account naming a waybill that does not exist. PostgreSQL adds the constraint in place
(NOT VALID, then VALIDATE: the check of existing rows does not block writers). SQLite cannot add a foreign
key to a table: the table is rebuilt, which drops its append-only triggers, so they are made again, exactly as
revision 0004 made them.
"""
from alembic import op


revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None

NAME = 'fk_ledger_accounts_waybill_id_waybills'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE ledger_accounts ADD CONSTRAINT {NAME} FOREIGN KEY (waybill_id) '
                   'REFERENCES waybills (id) NOT VALID')
        op.execute(f'ALTER TABLE ledger_accounts VALIDATE CONSTRAINT {NAME}')
        return
    with op.batch_alter_table('ledger_accounts', recreate='always') as batch_op:
        batch_op.create_foreign_key(NAME, 'waybills', ['waybill_id'], ['id'])
    _sqlite_append_only_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(NAME, 'ledger_accounts', type_='foreignkey')
        return
    with op.batch_alter_table('ledger_accounts', recreate='always') as batch_op:
        batch_op.drop_constraint(NAME, type_='foreignkey')
    _sqlite_append_only_triggers()


def _sqlite_append_only_triggers() -> None:
    for operation in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER ledger_accounts_no_{operation.lower()} BEFORE {operation} ON ledger_accounts "
                   f"BEGIN SELECT RAISE(ABORT, 'ledger table ledger_accounts is append-only: {operation} refused'); END")
