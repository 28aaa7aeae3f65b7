"""Follow a vehicle live (issue 19): a waybill in transit's latest position, track, corridor and open alerts, on a
page that asks for news; supervisors follow any, a carrier its own vehicles, anyone else is told there is none."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Role, User, Waybill
from models.types import utcnow
from tests.app.waybills.conftest import Trip, build_trip, waybill_in_transit
from tests.factories import make_carrier
from tests.web.language import foreign
from tests.web.test_pages import person, sign_in  # noqa: F401 (fixture)

START = utcnow() - dt.timedelta(hours=1)


def _fixes(first: int, count: int) -> list[dict[str, object]]:
    return [{"time": (START + dt.timedelta(minutes=n)).isoformat(), "lon": 120.30 + n * 0.002, "lat": 31.60,
             "speed_kph": 40} for n in range(first, first + count)]


def _report(client: FlaskClient, trip: Trip, waybill: Waybill, first: int, count: int) -> None:
    reply = client.post(f"/api/v1/waybills/{waybill.id}/track", json={"fixes": _fixes(first, count)},
                        headers=trip.headers["carrier"])
    assert reply.status_code == 200, reply.get_json()


@pytest.fixture
def on_the_road(client: FlaskClient, session: Session) -> tuple[Trip, Waybill]:
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)
    session.commit()
    _report(client, trip, waybill, 0, 3)
    return trip, waybill


def test_a_supervisor_follows_the_vehicle_and_each_poll_brings_the_new_fixes(
        client: FlaskClient, person: Callable[..., User], on_the_road: tuple[Trip, Waybill]) -> None:  # noqa: F811
    trip, waybill = on_the_road
    sign_in(client, person(Role.SUPERVISOR))
    page = client.get(f"/waybills/{waybill.id}/live")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    svg = re.search(r'<svg id="trip-map".*?</svg>', html, re.S)[0]
    assert 'class="track"' in svg and 'class="site last-position"' in svg
    assert 'id="fix-count">3<' in html and "120.30400" in html and "follow.js" in html
    news = client.get(f"/waybills/{waybill.id}/live.json").get_json()
    assert news["fixes"] == 3 and news["status"] == "in_transit" and "120.30400" in news["html"]
    _report(client, trip, waybill, 3, 2)
    news = client.get(f"/waybills/{waybill.id}/live.json").get_json()
    assert news["fixes"] == 5 and "120.30800" in news["html"] and "120.30400, " not in news["html"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_follow_page_speaks_one_language(client: FlaskClient, person: Callable[..., User],  # noqa: F811
                                             on_the_road: tuple[Trip, Waybill], language: str) -> None:
    _trip, waybill = on_the_road
    sign_in(client, person(Role.SUPERVISOR))
    client.set_cookie("hazledger_lang", language)
    for path in (f"/waybills/{waybill.id}/live", f"/waybills/{waybill.id}"):
        html = client.get(path).get_data(as_text=True)
        assert foreign(html, language) == [], path
    part = client.get(f"/waybills/{waybill.id}/live.json").get_json()["html"]
    assert foreign(part, language) == []


def test_the_carrier_follows_its_own_vehicle_and_no_one_else_learns_of_it(
        app: Flask, session: Session, person: Callable[..., User],  # noqa: F811
        on_the_road: tuple[Trip, Waybill]) -> None:
    trip, waybill = on_the_road
    paths = (f"/waybills/{waybill.id}/live", f"/waybills/{waybill.id}/live.json")
    for user, status in ((person(Role.ENTERPRISE, enterprise=trip.carrier), 200),
                         (person(Role.ENTERPRISE, enterprise=trip.shipper), 404),  # a party, but not its vehicle
                         (person(Role.ENTERPRISE, enterprise=trip.consignee), 404),
                         (person(Role.ENTERPRISE, enterprise=make_carrier(session, name="另一家运输公司")), 404),
                         (person(Role.AUDITOR), 403)):
        visitor = app.test_client()
        sign_in(visitor, user)
        assert [visitor.get(path).status_code for path in paths] == [status, status], user.role


def test_the_dashboard_and_the_waybill_link_to_the_follow_page(
        client: FlaskClient, person: Callable[..., User], on_the_road: tuple[Trip, Waybill]) -> None:  # noqa: F811
    _trip, waybill = on_the_road
    sign_in(client, person(Role.SUPERVISOR))
    target = f'href="/waybills/{waybill.id}/live"'
    assert target in client.get("/dashboard").get_data(as_text=True)
    assert target in client.get(f"/waybills/{waybill.id}").get_data(as_text=True)
