"""The web form shows the refusals of the checks the e-waybill audit added at their fields (docs/waybill-audit.md);
the draft is saved, not submitted."""
from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Waybill, WaybillStatus
from tests.web.test_waybill_form import World, error_at, form, waybills, world  # noqa: F401 (fixture)

NEW = "/firm/waybills/new"


def _saved_not_submitted(session: Session) -> None:
    assert waybills(session) == 1
    assert session.scalars(select(Waybill.status)).one() is WaybillStatus.DRAFT


def test_a_certificate_expiring_inside_the_departure_window_is_shown_at_its_field(
        session: Session, client: FlaskClient, world: World) -> None:  # noqa: F811
    trip = world.trip
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    trip.driver.valid_until = tomorrow
    session.commit()
    reply = client.post(NEW, data=form(client, trip, action="submit",
                                       departure_latest=f"{tomorrow + dt.timedelta(days=1)}T12:00"))
    assert reply.status_code == 422
    message = error_at(reply.get_data(as_text=True), "driver_certificate")
    assert message is not None and "certificate not valid on" in message
    assert str(tomorrow + dt.timedelta(days=1)) in message
    _saved_not_submitted(session)


def test_a_tank_too_large_for_highly_toxic_goods_is_shown_at_its_field(
        session: Session, client: FlaskClient, world: World) -> None:  # noqa: F811
    trip = world.trip
    trip.chemical.highly_toxic = True
    session.commit()
    reply = client.post(NEW, data=form(client, trip, action="submit", tank_capacity_m3="12"))
    assert reply.status_code == 422
    message = error_at(reply.get_data(as_text=True), "tank_capacity_m3")
    assert message is not None and "holds at most 10 m³" in message
    _saved_not_submitted(session)
