"""user passwords for the web sign-in

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True,
                                      comment='werkzeug scrypt hash for the web sign-in; none: API tokens only'))


def downgrade() -> None:
    # Not a batch (a copy of the table): on SQLite, dropping the old users table would break the foreign keys
    # of the rows that point at it. Both backends drop a plain column in place (SQLite since 3.35).
    op.execute('ALTER TABLE users DROP COLUMN password_hash')
