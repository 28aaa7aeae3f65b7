"""The shipper hands its carrier a consignment list (托运清单, Order 29 Art. 22) from its pages: the API's schema
and service judge it, their field errors are shown beside the fields and nothing is written on bad input; the
lines' UN number, name, class and packing group come from the catalogue; only the list's parties see it."""
from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.users import set_password
from models import Consignment, Role
from tests.app.waybills.conftest import Trip, build_trip
from tests.factories import make_enterprise, make_user
from tests.web.test_pages import PASSWORD, csrf, sign_in
from tests.web.test_waybill_form import _user_of, error_at

NEW = "/firm/consignments/new"


@pytest.fixture
def trip(session: Session, client: FlaskClient) -> Trip:
    """The waybill tests' trip, its shipper signed in (pages in English)."""
    trip = build_trip(session)
    shipper = _user_of(session, trip.shipper)
    session.commit()
    client.set_cookie("hazledger_lang", "en")
    sign_in(client, shipper)
    return trip


def _form(client: FlaskClient, trip: Trip, **fields: str) -> dict[str, str]:
    """The form as a browser posts it: the trip's carrier and consignee, one line of its batch, an empty row."""
    values = {"csrf_token": csrf(client, NEW), "carrier_id": str(trip.carrier.id),
              "consignee_id": str(trip.consignee.id), "loading_site_id": str(trip.loading.id),
              "unloading_site_id": str(trip.unloading.id), "emergency_phone": "0510-86801119",
              "shipper_contact": "", "ship_on": "",
              "lines.0.batch_id": str(trip.batch.id), "lines.0.quantity_kg": "9000",
              "lines.0.packaging_kind": "tank", "lines.0.packaging_count": "1", "lines.0.hazards": "易燃液体",
              "lines.0.first_aid": "脱离现场，就医", "lines.0.spill_response": "围堤收容",
              "lines.0.fire_response": "抗溶性泡沫", **{f"lines.1.{name}": "" for name in ("batch_id", "hazards")}}
    values.update(fields)
    return values


def _lists(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Consignment))


def test_the_shipper_hands_over_a_list_and_sees_it_listed_with_the_catalogues_entry(
        session: Session, client: FlaskClient, trip: Trip) -> None:
    page = client.get(NEW).get_data(as_text=True)
    assert str(trip.batch.id) in page and "UN1230" in page  # the batch offered with what the list will read
    reply = client.post(NEW, data=_form(client, trip))
    assert reply.status_code == 302 and reply.location.endswith("/firm/consignments"), reply.get_data(as_text=True)
    listed = session.scalars(select(Consignment)).one()
    line = listed.lines[0]
    parties = (trip.shipper.id, trip.carrier.id, trip.consignee.id)
    assert (listed.shipper_id, listed.carrier_id, listed.consignee_id) == parties
    catalogue = (trip.chemical.un_number, trip.chemical.hazard_class, "II")
    assert (line.un_number, line.hazard_class, line.packing_group) == catalogue
    assert line.fire_response == "抗溶性泡沫" and len(listed.lines) == 1  # the empty row is left out
    shown = client.get("/firm/consignments").get_data(as_text=True)
    assert listed.number in shown and f"UN{trip.chemical.un_number}" in shown


def test_bad_input_shows_each_fields_error_and_writes_nothing(
        session: Session, client: FlaskClient, trip: Trip) -> None:
    reply = client.post(NEW, data=_form(client, trip, emergency_phone="call us", **{
        "lines.0.quantity_kg": "-5", "lines.0.hazards": "", "lines.0.packaging_count": "0"}))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    for path in ("emergency_phone", "lines.0.quantity_kg", "lines.0.hazards", "lines.0.packaging_count"):
        assert error_at(page, path), path
    assert 'value="call us"' in page  # what was typed is kept
    assert _lists(session) == 0


def test_the_services_refusals_are_shown_at_their_fields_and_write_nothing(
        session: Session, client: FlaskClient, trip: Trip) -> None:
    """A batch the shipper does not know, a consignee's site as the loading site, and an enterprise that is no
    carrier: the service's 404 field errors, beside the fields."""
    stranger = make_enterprise(session, name="外地化工")
    session.commit()
    reply = client.post(NEW, data=_form(client, trip, carrier_id=str(trip.consignee.id),
                                        consignee_id=str(stranger.id), loading_site_id=str(trip.unloading.id),
                                        **{"lines.0.batch_id": str(stranger.id)}))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert error_at(page, "carrier_id") == "no such active carrier"
    assert error_at(page, "loading_site_id") == "no such active site of the shipper"
    assert error_at(page, "lines.0.batch_id") == "no such batch of the shipper"
    assert _lists(session) == 0
    empty = client.post(NEW, data={"csrf_token": csrf(client, NEW)})
    assert empty.status_code == 422 and "<code>lines</code>" in empty.get_data(as_text=True)
    assert _lists(session) == 0


def test_only_the_lists_parties_see_it(session: Session, client: FlaskClient, trip: Trip) -> None:
    assert client.post(NEW, data=_form(client, trip)).status_code == 302
    number = session.scalars(select(Consignment.number)).one()
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    outsider, _ = make_user(session, Role.ENTERPRISE, enterprise=make_enterprise(session, name="宜兴远通危运"))
    set_password(session, outsider, PASSWORD)
    carrier = _user_of(session, trip.carrier)
    session.commit()
    sign_in(client, outsider)
    assert number not in client.get("/firm/consignments").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    sign_in(client, carrier)
    page = client.get("/firm/consignments").get_data(as_text=True)
    assert number in page and "Make the waybill" in page


def test_the_page_without_a_csrf_token_is_refused_and_writes_nothing(
        session: Session, client: FlaskClient, trip: Trip) -> None:
    form = _form(client, trip)
    del form["csrf_token"]
    assert client.post(NEW, data=form).status_code == 400
    assert _lists(session) == 0
