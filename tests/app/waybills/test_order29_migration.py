"""Migration 0022 moves existing waybills to Order 29's states and back: approved ones are issued (and keep
working: they depart), submitted ones are issued or, with 剧毒 cargo, await their pass."""
from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from models import WaybillLine, WaybillStatus
from models.engine import make_engine
from tests.app.waybills.conftest import build_trip, waybill_in_transit


def _statuses(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT number, status FROM waybills")).all())


def test_existing_waybills_move_to_order_29s_states_and_back(fresh_database_url):
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        trip = build_trip(session)
        trip.chemical.highly_toxic = True
        plain, toxic, legacy = (waybill_in_transit(session, trip) for _ in range(3))
        toxic.current.lines.append(WaybillLine(line_no=1, batch_id=trip.batch.id))
        plain.status, toxic.status, legacy.status = WaybillStatus.ISSUED, WaybillStatus.AWAITING_PASS, \
            WaybillStatus.DRAFT
        session.commit()
        numbers = plain.number, toxic.number, legacy.number
    cfg = migrate.alembic_config(fresh_database_url)
    command.downgrade(cfg, "0019")
    assert _statuses(engine) == dict(zip(numbers, ("approved", "submitted", "draft")))
    with engine.begin() as connection:  # a waybill still waiting for the approval the old model gave
        connection.execute(text("UPDATE waybills SET status = 'submitted' WHERE number = :n"), {"n": numbers[2]})
    command.upgrade(cfg, "head")
    assert _statuses(engine) == dict(zip(numbers, ("issued", "awaiting_pass", "issued")))
    engine.dispose()
