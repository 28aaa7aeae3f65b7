"""The waybill form names the vehicle and crew by what the carrier told the shipper (plates, certificate
numbers), looked up at the chosen carrier only: no other carrier's fleet or crew is ever listed, and a plate of
another carrier finds nothing, exactly as a made-up one. Unloading sites are grouped by enterprise."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.users import set_password
from app.services.consignments import create_consignment
from app.services.waybills import service
from app.services.waybills.named import NO_PERSON, NO_VEHICLE
from models import CrewRole, Enterprise, Person, Role, User, Vehicle, VehicleKind, Waybill
from tests.app.waybills.conftest import NATIONAL, Trip, build_trip
from tests.factories import make_carrier, make_enterprise, make_person, make_site, make_user, make_vehicle
from tests.web.test_pages import PASSWORD, csrf, sign_in

NEW = "/firm/waybills/new"


@dataclass
class World:
    trip: Trip
    rival: Enterprise
    rival_tanker: Vehicle
    rival_driver: Person
    rival_escort: Person


def _user_of(session: Session, enterprise: Enterprise) -> User:
    user = session.scalars(select(User).where(User.enterprise_id == enterprise.id)).first()
    set_password(session, user, PASSWORD)
    return user


@pytest.fixture
def world(session: Session, client: FlaskClient) -> World:
    """The trip's shipper signed in (pages in English); a second carrier with its own tanker and crew."""
    trip = build_trip(session)
    rival = make_carrier(session, name="宜兴远通危运")
    soon = dt.date.today() + dt.timedelta(days=200)
    world = World(trip, rival, make_vehicle(session, rival, inspection_valid_until=soon),
                  make_person(session, rival, name="欧阳远驰"),
                  make_person(session, rival, name="司马押运", role=CrewRole.ESCORT))
    shipper = _user_of(session, trip.shipper)
    session.commit()
    client.set_cookie("hazledger_lang", "en")
    sign_in(client, shipper)
    return world


def form(client: FlaskClient, trip: Trip, path: str = NEW, **fields: str) -> dict[str, str]:
    """The form as a browser posts it: the trip's parties, its tanker and crew by plate and certificate."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    values = {"csrf_token": csrf(client, path), "action": "save",
              "consignee_id": str(trip.consignee.id), "carrier_id": str(trip.carrier.id),
              "vehicle_plate": trip.tanker.plate, "trailer_plate": "",
              "driver_certificate": trip.driver.certificate_number,
              "escort_certificate": trip.escort.certificate_number,
              "loading_site_id": str(trip.loading.id), "unloading_site_id": str(trip.unloading.id),
              "departure_earliest": f"{tomorrow}T08:00", "departure_latest": f"{tomorrow}T12:00",
              "emergency_contact": "0510-12345678", "lines.0.batch_id": str(trip.batch.id),
              "lines.0.quantity_kg": "10000", "lines.0.packaging_kind": "tank", "lines.0.packaging_count": "1",
              **NATIONAL, "tank_inspection_valid_until": str(tomorrow + dt.timedelta(days=90))}
    values.update(fields)
    return values


def error_at(page: str, field: str) -> str | None:
    """The text of the field's errors (the values a message names are marked as data: their tags dropped)."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", found[1]) if found else None


def waybills(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Waybill))


def test_the_form_lists_no_carriers_vehicles_or_crew_but_the_firms_own(
        session: Session, client: FlaskClient, world: World) -> None:
    trip = world.trip
    page = client.get(NEW).get_data(as_text=True)
    assert 'id="vehicle_plate"' in page and 'id="driver_certificate"' in page
    for carrier_tanker, carrier_crew in ((trip.tanker, (trip.driver, trip.escort)),
                                         (world.rival_tanker, (world.rival_driver, world.rival_escort))):
        assert carrier_tanker.plate not in page and str(carrier_tanker.id) not in page
        for person in carrier_crew:
            assert person.name not in page and person.certificate_number not in page and str(person.id) not in page
    assert "<datalist" not in page  # the shipper has no fleet of its own

    # A firm that carries its own goods is offered its own fleet and crew (and still no one else's).
    trip.shipper.roles = ["producer", "carrier"]
    own = make_vehicle(session, trip.shipper, plate="苏B0S001")
    own_trailer = make_vehicle(session, trip.shipper, plate="苏B0S01挂", kind=VehicleKind.TANK_TRAILER)
    own_driver = make_person(session, trip.shipper, name="自运驾驶员")
    gone = make_vehicle(session, trip.shipper, plate="苏B0S002", active=False)
    session.commit()
    page = client.get(NEW).get_data(as_text=True)
    suggested = dict(re.findall(r'<datalist id="([a-z_]+)-suggestions">(.*?)</datalist>', page, re.S))
    assert own.plate in suggested["vehicle_plate"] and own_trailer.plate in suggested["trailer_plate"]
    assert own_driver.certificate_number in suggested["driver_certificate"] and own_driver.name in page
    assert gone.plate not in page and "escort_certificate" not in suggested
    assert world.rival_tanker.plate not in page and world.rival_driver.name not in page


def test_plates_and_certificates_name_the_chosen_carriers_records(
        session: Session, client: FlaskClient, world: World) -> None:
    trip = world.trip
    typed = trip.tanker.plate[:2].lower() + "·" + trip.tanker.plate[2:]  # as people type it: 苏b·12345
    reply = client.post(NEW, data=form(client, trip, vehicle_plate=typed,
                                       escort_certificate=f" {trip.escort.certificate_number} "))
    assert reply.status_code == 302, error_at(reply.get_data(as_text=True), "vehicle_plate")
    waybill = session.scalars(select(Waybill).where(Waybill.shipper_id == trip.shipper.id)).one()
    version = waybill.current
    assert (version.vehicle_id, version.trailer_id, version.driver_id, version.escort_id) == (
        trip.tanker.id, None, trip.driver.id, trip.escort.id)

    # Editing shows the records named by the texts that name them.
    page = client.get(f"/firm/waybills/{waybill.id}/edit").get_data(as_text=True)
    for field, value in (("vehicle_plate", trip.tanker.plate), ("driver_certificate", trip.driver.certificate_number),
                         ("escort_certificate", trip.escort.certificate_number), ("trailer_plate", "")):
        assert re.search(rf'id="{field}" name="{field}" type="text" value="{re.escape(value)}"', page), field


@pytest.mark.parametrize("case", ["unknown", "another carrier's", "inactive"])
def test_a_plate_or_certificate_that_names_nothing_at_the_carrier_is_a_field_error_and_nothing_is_written(
        session: Session, client: FlaskClient, world: World, case: str) -> None:
    trip = world.trip
    if case == "unknown":
        plate, certificate = "苏B99999", "NO-SUCH-CERTIFICATE"
    elif case == "another carrier's":
        plate, certificate = world.rival_tanker.plate, world.rival_driver.certificate_number
    else:
        plate = make_vehicle(session, trip.carrier, active=False).plate
        certificate = make_person(session, trip.carrier, active=False).certificate_number
        session.commit()
    reply = client.post(NEW, data=form(client, trip, vehicle_plate=plate, driver_certificate=certificate,
                                       action="submit"))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and waybills(session) == 0
    assert error_at(page, "vehicle_plate") == NO_VEHICLE and error_at(page, "driver_certificate") == NO_PERSON
    assert error_at(page, "escort_certificate") is None
    # What was typed stays, and nothing of the other carrier's records is told.
    assert f'value="{plate}"' in page
    for secret in (world.rival_driver.name, world.rival_escort.name, str(world.rival_tanker.id),
                   str(world.rival_driver.id)):
        assert secret not in page


def test_a_malformed_plate_gets_the_registrys_own_message_and_a_plate_without_a_carrier_asks_for_one(
        session: Session, client: FlaskClient, world: World) -> None:
    page = client.post(NEW, data=form(client, world.trip, vehicle_plate="B-12345")).get_data(as_text=True)
    assert error_at(page, "vehicle_plate").startswith("must start with a province abbreviation")
    page = client.post(NEW, data=form(client, world.trip, carrier_id="")).get_data(as_text=True)
    assert error_at(page, "vehicle_plate") == "choose the carrier first"
    assert error_at(page, "carrier_id") and waybills(session) == 0


def test_a_hand_posted_vehicle_id_is_ignored(session: Session, client: FlaskClient, world: World) -> None:
    reply = client.post(NEW, data=form(client, world.trip, vehicle_plate="",
                                       vehicle_id=str(world.rival_tanker.id)))
    assert reply.status_code == 302
    assert session.scalars(select(Waybill)).one().current.vehicle_id is None


def test_the_submission_checks_of_vehicle_and_crew_are_shown_at_their_texts(
        session: Session, client: FlaskClient, world: World) -> None:
    trip = world.trip
    reply = client.post(NEW, data=form(client, trip, vehicle_plate="", action="submit",
                                       escort_certificate=trip.driver.certificate_number))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and waybills(session) == 1  # saved as a draft, not submitted
    assert error_at(page, "vehicle_plate") == "required to submit"
    assert "the escort must be another person than the driver" in error_at(page, "escort_certificate")


def test_unloading_sites_are_grouped_by_firm_and_one_not_of_the_consignee_is_refused_at_its_field(
        session: Session, client: FlaskClient, world: World) -> None:
    trip = world.trip
    other = make_enterprise(session, name="无锡惠山化学品贸易", roles=["trader"])
    elsewhere = make_site(session, other, name="惠山仓库")
    closed = make_site(session, trip.consignee, name="已停用仓库", active=False)
    session.commit()
    page = client.get(NEW).get_data(as_text=True)
    unloading = re.search(r'<select id="unloading_site_id".*?</select>', page, re.S)[0]
    groups = dict(re.findall(r'<optgroup label="([^"]+)" data-group="([^"]+)"', unloading))
    assert groups[trip.consignee.name] == str(trip.consignee.id) and groups[other.name] == str(other.id)
    assert trip.shipper.name not in groups  # a waybill does not unload where it loads
    assert str(trip.unloading.id) in unloading and str(closed.id) not in unloading

    reply = client.post(NEW, data=form(client, trip, unloading_site_id=str(elsewhere.id)))
    assert reply.status_code == 422 and waybills(session) == 0
    assert error_at(reply.get_data(as_text=True), "unloading_site_id") == "no such site of the consignee"


def test_only_the_shipper_edits_a_waybill(session: Session, client: FlaskClient, world: World) -> None:
    assert client.post(NEW, data=form(client, world.trip)).status_code == 302
    waybill = session.scalars(select(Waybill)).one()
    page = client.get(f"/firm/waybills/{waybill.id}/edit").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)"', page)
    assert groups == [world.trip.consignee.name]  # the consignee is fixed: only its sites are offered
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    consignee = _user_of(session, world.trip.consignee)
    session.commit()
    sign_in(client, consignee)
    assert client.get(f"/waybills/{waybill.id}").status_code == 200  # a party sees it
    assert client.get(f"/firm/waybills/{waybill.id}/edit").status_code == 403


def test_a_rejected_waybill_is_corrected_and_submitted_from_the_form(
        session: Session, client: FlaskClient, world: World) -> None:
    """修改并提交 on a rejected waybill, saved unchanged and then with a changed line, submits it again (issue 15:
    the form's save answered 500, its lines tripping the unique line number)."""
    trip = world.trip
    assert client.post(NEW, data=form(client, trip, action="submit")).status_code == 302
    waybill = session.scalars(select(Waybill)).one()
    supervisor, _token = make_user(session, Role.SUPERVISOR)
    service.reject(session, supervisor, waybill.id, reason="escort certificate unreadable")
    session.commit()
    edit = f"/firm/waybills/{waybill.id}/edit"
    for quantity in ("10000", "9000"):
        session.refresh(waybill)
        reply = client.post(edit, data=form(client, trip, edit, action="submit", row_version=str(waybill.row_version),
                                            **{"lines.0.quantity_kg": quantity}))
        assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
        session.refresh(waybill)
        assert waybill.status != "rejected"
        if quantity == "10000":  # back to rejected for the second correction
            service.reject(session, supervisor, waybill.id, reason="once more")
            session.commit()
    session.refresh(waybill.current.lines[0])
    assert waybill.current.lines[0].quantity_kg == 9000


def test_the_print_view_is_the_national_document_with_a_qr_code_of_its_number(
        session: Session, client: FlaskClient, world: World) -> None:
    trip = world.trip
    assert client.post(NEW, data=form(client, trip, action="submit")).status_code == 302
    waybill = session.scalars(select(Waybill)).one()
    page = client.get(f"/waybills/{waybill.id}").get_data(as_text=True)
    assert f"/waybills/{waybill.id}/print" in page
    printed = client.get(f"/waybills/{waybill.id}/print")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    assert "危险货物道路运输电子运单" in text and f'<title>{waybill.number}</title>' in text and "<svg" in text
    for value in (trip.tanker.plate, trip.driver.certificate_number, NATIONAL["vehicle_transport_certificate"],
                  NATIONAL["dispatcher"], "UN1230", waybill.current.carrier_permit_number):
        assert value in text, value
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    make_user(session, Role.ENTERPRISE, enterprise=world.rival)
    outsider = _user_of(session, world.rival)
    session.commit()
    sign_in(client, outsider)
    assert client.get(f"/waybills/{waybill.id}/print").status_code == 404


def test_the_carrier_makes_the_waybill_from_a_consignment_list_in_the_web(
        session: Session, client: FlaskClient, world: World) -> None:
    """The shipper's list (here through the service, as the API makes it); the carrier opens the waybill from it
    on its consignment page, completes vehicle, crew and content in the form and submits: issued."""
    trip = world.trip
    shipper = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    listed = create_consignment(session, shipper, {
        "carrier_id": trip.carrier.id, "consignee_id": trip.consignee.id, "loading_site_id": trip.loading.id,
        "unloading_site_id": trip.unloading.id, "emergency_phone": "0510-86801119",
        "lines": [{"batch_id": trip.batch.id, "quantity_kg": 9000, "packaging_kind": "tank", "packaging_count": 1,
                   "hazards": "易燃", "first_aid": "就医", "spill_response": "围堤", "fire_response": "泡沫"}]})
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    carrier = _user_of(session, trip.carrier)
    session.commit()
    assert sign_in(client, carrier).status_code == 302
    page = client.get("/firm/consignments").get_data(as_text=True)
    assert listed.number in page and "UN1230" in page
    made = client.post(f"/firm/consignments/{listed.id}/waybill",
                       data={"csrf_token": csrf(client, "/firm/consignments")})
    assert made.status_code == 302, made.get_data(as_text=True)[:500]
    waybill = session.scalars(select(Waybill)).one()
    edit = f"/firm/waybills/{waybill.id}/edit"
    assert made.location.endswith(edit)
    reply = client.post(edit, data=form(client, trip, edit, action="submit", row_version=str(waybill.row_version),
                                        **{"lines.0.quantity_kg": "9000"}))
    assert reply.status_code == 302, reply.get_data(as_text=True)[:3000]
    session.refresh(waybill)
    assert waybill.status == "issued" and waybill.consignment_id == listed.id
