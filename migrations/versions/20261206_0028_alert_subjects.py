"""Alerts say what they are about as data (``subject``): their titles are made from kind, subject and the current
details in the reader's language (app/services/alert_text.py), not read from a sentence stored once.

Existing alerts get their subject from their stored title, as each check wrote it: a trip's label or a site's
name before ``": "`` (a site's, before ``" / "`` its unit), a waste transfer's manifest number from its details,
a waste store's site from ``在 <site>, ``. An alert whose title says none of these keeps a null subject and shows
its stored title as before.

Revision ID: 0028
Revises: 0031
Create Date: 2026-12-06
"""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0031'
branch_labels = None
depends_on = None

#: The kinds whose stored title began "<subject>: ".
_LABELLED = ('deviation', 'forbidden_zone', 'stop', 'signal_gap', 'time_window', 'overspeed', 'arrival_elsewhere',
             'major_hazard')
_WASTE_SITE = re.compile(r' 在 (.+), \d{4}-\d{2}-\d{2} 产生')


def _subject(kind: str, title: str, details: Any) -> str | None:
    """The subject an existing alert's title or details name, or None."""
    if kind.lower() in _LABELLED:
        label, colon, _rest = title.partition(': ')
        return label.split(' / ')[0][:200] if colon else None
    if kind.lower() == 'waste_transfer':
        return str(details['manifest'])[:200] if isinstance(details, dict) and details.get('manifest') else None
    if kind.lower() == 'waste_overdue':
        found = _WASTE_SITE.search(title)
        return found[1][:200] if found else None
    return None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'subject', sa.String(length=200), nullable=True,
            comment="what it is about: the trip's label, the site's name, the manifest's number"))
        batch_op.alter_column('title', existing_type=sa.String(length=300), existing_nullable=False,
                              comment='in English, from kind, subject and details')
    alerts = sa.table('alerts', sa.column('id', sa.Uuid()), sa.column('kind', sa.String()),
                      sa.column('title', sa.String()), sa.column('details', sa.JSON()),
                      sa.column('subject', sa.String()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(alerts.c.id, alerts.c.kind, alerts.c.title, alerts.c.details)).all():
        subject = _subject(str(row.kind), row.title or '', row.details)
        if subject is not None:
            bind.execute(alerts.update().where(alerts.c.id == row.id).values(subject=subject))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column('title', existing_type=sa.String(length=300), existing_nullable=False, comment=None)
        batch_op.drop_column('subject')
