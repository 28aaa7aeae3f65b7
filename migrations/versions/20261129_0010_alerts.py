"""alerts and their change feed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False, comment='the episode: one alert per key'),
    sa.Column('kind', sa.Enum('deviation', 'forbidden_zone', 'stop', 'signal_gap', 'time_window', 'overspeed', 'arrival_elsewhere', 'waste_overdue', 'major_hazard', name='alertkind', native_enum=False, length=40), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', 'critical', name='severity', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('open', 'acknowledged', 'closed', name='alertstate', native_enum=False, length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('enterprise_id', sa.Uuid(), nullable=True, comment='the enterprise answerable for it (carrier, site owner)'),
    sa.Column('waybill_id', sa.Uuid(), nullable=True),
    sa.Column('site_id', sa.Uuid(), nullable=True),
    sa.Column('batch_id', sa.Uuid(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False, comment='when the episode began (fix or ledger time)'),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False, comment='latest evidence of the episode'),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True, comment='the episode is over (the alert may stay open)'),
    sa.Column('lon', sa.Double(), nullable=True, comment='where, WGS-84, when it has a place'),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Uuid(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True, comment='the last acknowledging or closing remark'),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_users')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_alerts_batch_id_batches')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_alerts_closed_by_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_alerts_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_alerts_site_id_sites')),
    sa.ForeignKeyConstraint(['waybill_id'], ['waybills.id'], name=op.f('fk_alerts_waybill_id_waybills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('key', name=op.f('uq_alerts_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_alerts_enterprise_opened_at', ['enterprise_id', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_site_id'), ['site_id'], unique=False)
        batch_op.create_index('ix_alerts_state_opened_at', ['state', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_waybill_id'), ['waybill_id'], unique=False)

    op.create_table('alert_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('change', sa.Enum('opened', 'updated', 'acknowledged', 'closed', name='alertchange', native_enum=False, length=40), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True, comment='none for the system'),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_alert_events_actor_id_users')),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_events_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events'))
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_events_alert_id'), ['alert_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_events_alert_id'))

    op.drop_table('alert_events')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_waybill_id'))
        batch_op.drop_index('ix_alerts_state_opened_at')
        batch_op.drop_index(batch_op.f('ix_alerts_site_id'))
        batch_op.drop_index('ix_alerts_enterprise_opened_at')
        batch_op.drop_index(batch_op.f('ix_alerts_batch_id'))

    op.drop_table('alerts')
