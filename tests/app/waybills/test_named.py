"""Naming a waybill's vehicle and crew by plate and certificate number, at the chosen carrier only."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.waybills.named import NO_CARRIER, NO_PERSON, NO_VEHICLE, SEVERAL, resolve
from models import CrewRole, VehicleKind
from tests.app.waybills.conftest import Trip
from tests.factories import make_carrier, make_person, make_vehicle


def test_each_text_names_the_carriers_active_record_and_empty_texts_name_none(session: Session, trip: Trip) -> None:
    trailer = make_vehicle(session, trip.carrier, plate="苏B1234挂", kind=VehicleKind.TANK_TRAILER)
    found = resolve(session, trip.carrier.id, {
        "vehicle_plate": f" {trip.tanker.plate.lower()} ", "trailer_plate": "苏B 1234挂",
        "driver_certificate": trip.driver.certificate_number, "escort_certificate": None})
    assert found.errors == {}
    assert found.ids == {"vehicle_id": trip.tanker.id, "trailer_id": trailer.id, "driver_id": trip.driver.id,
                         "escort_id": None}


def test_another_carriers_records_are_as_unknown_as_made_up_ones(session: Session, trip: Trip) -> None:
    rival = make_carrier(session)
    theirs = {"vehicle_plate": make_vehicle(session, rival).plate,
              "escort_certificate": make_person(session, rival, role=CrewRole.ESCORT).certificate_number}
    made_up = {"vehicle_plate": "苏E00000", "escort_certificate": "X-0"}
    assert resolve(session, trip.carrier.id, theirs).errors == resolve(session, trip.carrier.id, made_up).errors == {
        "vehicle_plate": [NO_VEHICLE], "escort_certificate": [NO_PERSON]}
    # and so is the carrier's own record once deactivated
    trip.tanker.active = False
    session.flush()
    assert resolve(session, trip.carrier.id, {"vehicle_plate": trip.tanker.plate}).errors == {
        "vehicle_plate": [NO_VEHICLE]}


def test_a_certificate_held_twice_is_decided_by_the_fields_role_or_refused(session: Session, trip: Trip) -> None:
    number = trip.driver.certificate_number
    escort = make_person(session, trip.carrier, role=CrewRole.ESCORT, certificate_number=number)
    found = resolve(session, trip.carrier.id, {"driver_certificate": number, "escort_certificate": number})
    assert found.ids["driver_id"] == trip.driver.id and found.ids["escort_id"] == escort.id
    make_person(session, trip.carrier, role=CrewRole.ESCORT, certificate_number=number)
    found = resolve(session, trip.carrier.id, {"driver_certificate": number, "escort_certificate": number})
    assert found.ids["driver_id"] == trip.driver.id and found.errors == {"escort_certificate": [SEVERAL]}


def test_without_a_carrier_every_given_text_asks_for_one(session: Session) -> None:
    found = resolve(session, None, {"vehicle_plate": "苏B12345", "driver_certificate": ""})
    assert found.errors == {"vehicle_plate": [NO_CARRIER]} and set(found.ids.values()) == {None}


API = "/api/v1/waybills"


def _by_text(trip: Trip, **texts) -> dict:
    body = trip.draft(**texts)
    for field in ("vehicle_id", "driver_id", "escort_id"):
        del body[field]
    return body


def test_the_api_takes_plates_and_certificates_in_place_of_ids(client, trip: Trip) -> None:
    created = client.post(API, json=_by_text(trip, vehicle_plate=trip.tanker.plate,
                                             driver_certificate=trip.driver.certificate_number,
                                             escort_certificate=trip.escort.certificate_number),
                          headers=trip.headers["shipper"])
    assert created.status_code == 201, created.get_json()
    version = created.get_json()["current"]
    assert (version["vehicle_id"], version["driver_id"], version["escort_id"]) == (
        str(trip.tanker.id), str(trip.driver.id), str(trip.escort.id))
    waybill = created.get_json()
    body = {"row_version": waybill["row_version"], "escort_certificate": trip.driver.certificate_number}
    changed = client.patch(f"{API}/{waybill['id']}", json=body, headers=trip.headers["shipper"])
    assert changed.status_code == 200 and changed.get_json()["current"]["escort_id"] == str(trip.driver.id)


def test_the_api_refuses_a_text_naming_nothing_at_the_carrier_and_writes_nothing(
        client, session: Session, trip: Trip) -> None:
    rival = make_carrier(session)
    theirs = make_vehicle(session, rival).plate
    session.commit()
    for texts, errors in (
            ({"vehicle_plate": theirs}, {"vehicle_plate": [NO_VEHICLE]}),
            ({"vehicle_plate": "苏E00000", "driver_certificate": "X-0"},
             {"vehicle_plate": [NO_VEHICLE], "driver_certificate": [NO_PERSON]}),
            ({"vehicle_plate": "not a plate"}, None),
            ({"vehicle_id": str(trip.tanker.id), "vehicle_plate": trip.tanker.plate},
             {"vehicle_plate": ["give vehicle_id or vehicle_plate, not both"]})):
        body = {**_by_text(trip), **texts}
        refused = client.post(API, json=body, headers=trip.headers["shipper"])
        assert refused.status_code == 422, (texts, refused.get_json())
        if errors is not None:
            assert refused.get_json()["errors"] == errors
        else:
            assert set(refused.get_json()["errors"]) == {"vehicle_plate"}
    assert client.get(API, headers=trip.headers["shipper"]).get_json() == []
