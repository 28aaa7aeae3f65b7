"""The waybill list: pages merged from the party indexes hold the same rows, in the same order, as the plain query."""
from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlalchemy import func, select

from app.services.waybills.listing import list_waybills, visible_waybills
from models import Role
from models.types import utcnow
from models.waybills import Waybill, WaybillStatus
from tests.factories import make_carrier, make_enterprise, make_user


@pytest.fixture
def fleet(session):
    """40 waybills among three firms and two carriers, some to itself, some sharing a timestamp."""
    rng = random.Random(7)
    firms = [make_enterprise(session) for _ in range(3)]
    carriers = [make_carrier(session) for _ in range(2)]
    admin, _ = make_user(session, Role.ADMIN)
    start = utcnow()
    for n in range(40):
        session.add(Waybill(number=f"YDTEST-{n:04d}", shipper_id=rng.choice(firms).id,
                            consignee_id=rng.choice(firms).id, carrier_id=rng.choice(carriers).id,
                            status=rng.choice([WaybillStatus.DRAFT, WaybillStatus.CLOSED]), created_by=admin.id,
                            created_at=start - dt.timedelta(minutes=n // 3)))
    session.flush()
    return firms, carriers


def _expected(session, user, status=None, party=None):
    stmt = visible_waybills(user)
    if status:
        stmt = stmt.where(Waybill.status == status)
    if party:
        stmt = stmt.where((Waybill.shipper_id == party) | (Waybill.consignee_id == party)
                          | (Waybill.carrier_id == party))
    return [w.id for w in session.scalars(stmt)]


@pytest.mark.parametrize("who", ["firm", "carrier", "supervisor"])
def test_pages_match_the_plain_query(session, fleet, who):
    firms, carriers = fleet
    enterprise = {"firm": firms[0], "carrier": carriers[0], "supervisor": None}[who]
    user, _ = make_user(session, Role.SUPERVISOR if enterprise is None else Role.ENTERPRISE, enterprise=enterprise)
    parties = (None, firms[1].id, carriers[1].id, firms[0].id)  # the last is the firm itself, for the firm
    for status, party in itertools.product((None, WaybillStatus.CLOSED), parties):
        expected = _expected(session, user, status, party)
        for size in (1, 4, 7):
            seen = []
            for offset in range(0, len(expected) + size, size):
                total, rows = list_waybills(session, user, status=status, party=party, offset=offset, limit=size)
                assert total == len(expected)
                seen += [w.id for w in rows]
            assert seen == expected, (status, party, size)


def test_the_list_is_newest_first(session, fleet):
    user, _ = make_user(session, Role.AUDITOR)
    total, rows = list_waybills(session, user, offset=0, limit=100)
    assert total == session.scalar(select(func.count()).select_from(Waybill)) and len(rows) == total
    assert [w.created_at for w in rows] == sorted((w.created_at for w in rows), reverse=True)
