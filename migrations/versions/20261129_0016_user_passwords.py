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
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('password_hash')
