"""The warnings a waybill version keeps are catalogue messages with values (``template``, ``values``), shown in
the reader's language; their English ``message`` stays beside them.

Existing warnings get the template of the check that wrote them, read back from their English (the three control
warnings word for word, an overlapping trip with its waybill's number). A warning this cannot read keeps its
English only and is shown as it was written.

Revision ID: 0044
Revises: 0040
Create Date: 2026-12-06
"""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0044'
down_revision = '0040'
branch_labels = None
depends_on = None

#: The controls' warnings as they were written (app/services/waybills/checks.py) as of revision 0039: their
#: templates and values now (the Chinese terms they cite are values: data on an English page).
_FIXED = {
    "restricted chemical (限制): the consignee's end use is subject to review": (
        "restricted chemical ({term}): the consignee's end use is subject to review", {'term': '限制'}),
    "explosive precursor (易制爆): the public-security filing must accompany the cargo": (
        "explosive precursor ({term}): the public-security filing must accompany the cargo", {'term': '易制爆'}),
    "highly toxic (剧毒): departs only with public security's road transport pass (通行证)": (
        "highly toxic ({term}): departs only with public security's road transport pass ({pass_name})",
        {'term': '剧毒', 'pass_name': '通行证'}),
}
_OVERLAP = re.compile(r'^also planned on waybill (?P<number>.+) in an overlapping window$')
_OVERLAP_TEMPLATE = 'also planned on waybill {number} in an overlapping window'


def _templated(warning: Any) -> Any:
    """*warning* with its template and values, when its English says which check wrote it."""
    if not isinstance(warning, dict) or 'template' in warning:
        return warning
    message = str(warning.get('message') or '')
    if message in _FIXED:
        template, values = _FIXED[message]
        return {**warning, 'template': template, 'values': values}
    found = _OVERLAP.match(message)
    if found:
        return {**warning, 'template': _OVERLAP_TEMPLATE, 'values': {'number': found['number']}}
    return warning


def _english_only(warning: Any) -> Any:
    if not isinstance(warning, dict):
        return warning
    return {key: value for key, value in warning.items() if key not in ('template', 'values')}


def _rewrite(change: Any) -> None:
    versions = sa.table('waybill_versions', sa.column('id', sa.Uuid()), sa.column('warnings', sa.JSON()))
    bind = op.get_bind()
    for row in bind.execute(sa.select(versions.c.id, versions.c.warnings)).all():
        if not isinstance(row.warnings, list) or not row.warnings:
            continue
        rewritten = [change(warning) for warning in row.warnings]
        if rewritten != row.warnings:
            bind.execute(versions.update().where(versions.c.id == row.id).values(warnings=rewritten))


def upgrade() -> None:
    _rewrite(_templated)


def downgrade() -> None:
    _rewrite(_english_only)
