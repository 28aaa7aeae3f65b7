"""pending transfers into another enterprise's site; alerts resolved by the system and escalated

A transfer that would credit another enterprise's site now waits in ``pending_transfers`` until the receiver
accepts (the ledger entry is posted then) or refuses. A checkpoint keeps the entry hashes its root covers, so a
re-chained ledger is named at its first differing entry. Alerts record who closed them when nobody did
(``resolved_by = 'system'`` and the ``resolution``) and when an acknowledged alert escalated.

Revision ID: 0020
Revises: 0024
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_transfers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3).with_variant(sa.BigInteger(), 'sqlite'), nullable=False, comment='kg offered, > 0'),
    sa.Column('from_site_id', sa.Uuid(), nullable=False),
    sa.Column('to_site_id', sa.Uuid(), nullable=False),
    sa.Column('sender_id', sa.Uuid(), nullable=False, comment='holds the from site'),
    sa.Column('receiver_id', sa.Uuid(), nullable=False, comment='holds the to site'),
    sa.Column('document_ref', sa.String(length=100), nullable=True, comment='invoice, delivery note or contract'),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False, comment='the handover time the sender states; the acceptance is dated no earlier'),
    sa.Column('offered_by', sa.Uuid(), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'refused', 'cancelled', name='transferstatus', native_enum=False, length=40), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True, comment='who accepted, refused or withdrew it'),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True, comment='why it was refused or withdrawn'),
    sa.Column('entry_id', sa.Uuid(), nullable=True, comment='the entry its acceptance posted'),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_pending_transfers_quantity_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_pending_transfers_batch_id_batches')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_pending_transfers_decided_by_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_pending_transfers_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['from_site_id'], ['sites.id'], name=op.f('fk_pending_transfers_from_site_id_sites')),
    sa.ForeignKeyConstraint(['offered_by'], ['users.id'], name=op.f('fk_pending_transfers_offered_by_users')),
    sa.ForeignKeyConstraint(['receiver_id'], ['enterprises.id'], name=op.f('fk_pending_transfers_receiver_id_enterprises')),
    sa.ForeignKeyConstraint(['sender_id'], ['enterprises.id'], name=op.f('fk_pending_transfers_sender_id_enterprises')),
    sa.ForeignKeyConstraint(['to_site_id'], ['sites.id'], name=op.f('fk_pending_transfers_to_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_transfers')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_pending_transfers_entry_id'))
    )
    with op.batch_alter_table('pending_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_transfers_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_pending_transfers_receiver_offered_at', ['receiver_id', 'offered_at'], unique=False)
        batch_op.create_index('ix_pending_transfers_sender_offered_at', ['sender_id', 'offered_at'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=20), nullable=True, comment="'system' when no person closed it"))
        batch_op.add_column(sa.Column('resolution', sa.String(length=300), nullable=True, comment='why the system closed it'))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True, comment='when its severity last rose'))

    # Added in place (no table rebuild on SQLite): the append-only triggers of 0004 stay as they are.
    op.add_column('ledger_checkpoints', sa.Column('entry_hashes', sa.LargeBinary(), nullable=True, comment="the range's entry hashes, 32 bytes each, in order: the leaves of the signed root"))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_by')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_column('ledger_checkpoints', 'entry_hashes')
    else:  # SQLite drops a column in place since 3.35, which the triggers do not name
        op.execute('ALTER TABLE ledger_checkpoints DROP COLUMN entry_hashes')
    with op.batch_alter_table('pending_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_transfers_sender_offered_at')
        batch_op.drop_index('ix_pending_transfers_receiver_offered_at')
        batch_op.drop_index(batch_op.f('ix_pending_transfers_batch_id'))
    op.drop_table('pending_transfers')
