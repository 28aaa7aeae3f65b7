"""Zones the authority marks as needing a pass (通行证): a route entering one waits for public security.

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_pass', sa.Boolean(), server_default=sa.false(), nullable=False,
                                      comment='a route entering it needs a pass (通行证)'))


def downgrade() -> None:
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_column('requires_pass')
