"""Incident drafts: from a terminal's emergency alarm or a long stop off the corridor, one per event.

``state`` gains 'draft' (a string column: no type to alter); ``source`` says where an incident comes from
(existing ones: 'report'), ``source_key`` the event a draft comes from (unique: one draft per event), and
``reported_by`` is empty for a draft, which no person reported.

Revision ID: 0039
Revises: 0035
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0039'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='report', nullable=False,
                                      comment="'report' (a person), or a draft's: 'terminal_alarm', 'long_stop'"))
        batch_op.add_column(sa.Column('source_key', sa.String(length=300), nullable=True,
                                      comment='the event a draft comes from: one draft per event'))
        batch_op.create_unique_constraint(batch_op.f('uq_incidents_source_key'), ['source_key'])
        batch_op.alter_column('reported_by', existing_type=sa.Uuid(), nullable=True, comment='none: a draft')


def downgrade() -> None:
    # Before drafts every incident had a reporter: a draft a supervisor acted on gets the supervisor who first
    # moved it; one nobody acted on (no history, nothing else refers to it) goes.
    op.execute("UPDATE incidents SET reported_by = (SELECT e.actor_id FROM incident_events e "
               "WHERE e.incident_id = incidents.id ORDER BY e.at LIMIT 1) WHERE reported_by IS NULL")
    op.execute("DELETE FROM incidents WHERE reported_by IS NULL")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.alter_column('reported_by', existing_type=sa.Uuid(), nullable=False, comment=None)
        batch_op.drop_constraint(batch_op.f('uq_incidents_source_key'), type_='unique')
        batch_op.drop_column('source_key')
        batch_op.drop_column('source')
