"""Cross-province transfers of hazardous waste need the approval of the province the waste leaves.

危险废物转移管理办法 (2021) Art. 21 and 27: a transfer across a province boundary moves only under the approval of
the origin province's ecology department, valid at most twelve months, for the wastes, quantities, 移出人, 接受人
and method it names. ``waste_transfer_approvals`` records such approvals; a manifest records the provinces it
leaves and enters (None where a site's district code is not recorded: existing manifests stay so) and the
approval it moves under.

A 危险废物经营许可证 records its 经营方式 (危险废物经营许可证管理办法 Art. 3): comprehensive (收集、贮存、处置) or
collection only. The hazardous-waste permits already registered are comprehensive (their scope names categories
and disposal methods, which only a comprehensive permit has).

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waste_transfer_approvals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False, comment='the number of the approval decision'),
    sa.Column('origin_province', sa.String(length=2), nullable=False, comment='移出地 province, GB/T 2260 (2 digits)'),
    sa.Column('destination_province', sa.String(length=2), nullable=False, comment='接受地 province, GB/T 2260 (2 digits)'),
    sa.Column('generator_id', sa.Uuid(), nullable=False, comment='移出人'),
    sa.Column('disposer_id', sa.Uuid(), nullable=False, comment='接受人'),
    sa.Column('disposal_method', sa.String(length=3), nullable=False, comment='Basel Convention Annex IV code'),
    sa.Column('wastes', sa.JSON(), nullable=False, comment='approved waste code -> kg (a decimal string)'),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False, comment='last valid day, inclusive'),
    sa.Column('issuer', sa.String(length=200), nullable=True, comment='the approving department'),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.CheckConstraint('valid_from <= valid_to', name=op.f('ck_waste_transfer_approvals_validity_order')),
    sa.ForeignKeyConstraint(['disposer_id'], ['enterprises.id'], name=op.f('fk_waste_transfer_approvals_disposer_id_enterprises')),
    sa.ForeignKeyConstraint(['generator_id'], ['enterprises.id'], name=op.f('fk_waste_transfer_approvals_generator_id_enterprises')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_waste_transfer_approvals_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waste_transfer_approvals')),
    sa.UniqueConstraint('number', name=op.f('uq_waste_transfer_approvals_number'))
    )
    with op.batch_alter_table('waste_transfer_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waste_transfer_approvals_disposer_id'), ['disposer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waste_transfer_approvals_generator_id'), ['generator_id'], unique=False)

    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_province', sa.String(length=2), nullable=True, comment='province (GB/T 2260, 2 digits) the waste leaves; None: no district code recorded'))
        batch_op.add_column(sa.Column('destination_province', sa.String(length=2), nullable=True, comment='province of the receiving site; None: no district code recorded'))
        batch_op.add_column(sa.Column('approval_id', sa.Uuid(), nullable=True, comment="the province's approval of a cross-province transfer (危险废物转移管理办法 Art. 21)"))
        batch_op.create_index(batch_op.f('ix_waste_manifests_approval_id'), ['approval_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_waste_manifests_approval_id_waste_transfer_approvals'), 'waste_transfer_approvals', ['approval_id'], ['id'])

    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waste_operation', sa.Enum('comprehensive', 'collection', name='wasteoperation', native_enum=False, length=40), nullable=True, comment="a 危险废物经营许可证's 经营方式: comprehensive (综合) or collection (收集)"))
    op.execute("UPDATE permits SET waste_operation = 'comprehensive' WHERE kind = 'hazardous_waste_operation'")


def downgrade() -> None:
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_column('waste_operation')
    with op.batch_alter_table('waste_manifests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_waste_manifests_approval_id_waste_transfer_approvals'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_waste_manifests_approval_id'))
        batch_op.drop_column('approval_id')
        batch_op.drop_column('destination_province')
        batch_op.drop_column('origin_province')
    with op.batch_alter_table('waste_transfer_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_transfer_approvals_generator_id'))
        batch_op.drop_index(batch_op.f('ix_waste_transfer_approvals_disposer_id'))
    op.drop_table('waste_transfer_approvals')
