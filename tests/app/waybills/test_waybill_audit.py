"""The checks the e-waybill audit added (docs/waybill-audit.md): a waybill made from a consignment list carries
only the goods the list declares; permits, certificates and inspections hold over the whole departure window.
Each violation is refused (422 problem+json naming the field) and nothing is written."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from models import Batch, EntryKind, Permit, User, VehicleKind
from models.types import utcnow
from tests.app.waybills.conftest import NATIONAL
from tests.app.waybills.test_checks import errors_of
from tests.app.waybills.test_consignments import LISTS, consignment
from tests.app.waybills.test_lifecycle import API, post
from tests.app.waybills.test_order29 import _public_security
from tests.app.waybills.test_submission_queries import kinds, statements_of_submitting
from tests.factories import make_vehicle


def _made_from_list(client, trip, kg: str = "10000", **overrides) -> dict:
    """A draft the carrier makes from a new list of *kg* of the trip's batch; *overrides* go in the waybill."""
    listed = post(client, trip, "shipper", LISTS, consignment(trip, lines=[
        {**consignment(trip)["lines"][0], "quantity_kg": kg}]))
    assert listed.status_code == 201, listed.get_json()
    draft = trip.draft()
    made = {"consignment_id": listed.get_json()["id"],
            **{name: draft[name] for name in ("vehicle_id", "driver_id", "escort_id", "departure_earliest",
                                              "departure_latest", "tank_inspection_valid_until")},
            **{name: value for name, value in NATIONAL.items() if name not in ("shipper_contact", "consignee_contact")},
            **overrides}
    created = post(client, trip, "carrier", API, made)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def _submit(client, trip, waybill: dict, who: str = "carrier"):
    return post(client, trip, who, f"{API}/{waybill['id']}/submit", {"row_version": waybill["row_version"]})


def _unchanged(client, trip, waybill: dict, who: str = "carrier") -> None:
    """Nothing of the refused submission was written: still the draft as it was."""
    now = client.get(f"{API}/{waybill['id']}", headers=trip.headers[who]).get_json()
    assert (now["status"], now["row_version"], len(now["events"])) == (
        "draft", waybill["row_version"], len(waybill["events"]))
    assert now["current"]["warnings"] == waybill["current"]["warnings"]


def _lines(trip, *rows: tuple[Batch, str]) -> list[dict]:
    return [{"batch_id": str(batch.id), "quantity_kg": kg, "packaging_kind": "tank", "packaging_count": 1}
            for batch, kg in rows]


def _second_batch(session, trip) -> Batch:
    """Another batch of the same chemical at the shipper's loading site."""
    shipper_user = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    lifecycle.introduce(session, Actor(shipper_user.id, trip.shipper.id), kind=EntryKind.PRODUCE, code="MEOH-002",
                        chemical_id=trip.chemical.id, site_id=trip.loading.id, quantity=Decimal("5000"),
                        occurred_at=utcnow() - dt.timedelta(hours=1))
    session.commit()
    return session.scalars(select(Batch).where(Batch.code == "MEOH-002")).one()


def test_a_waybill_from_a_list_may_not_carry_more_than_the_list_declares(client, trip):
    waybill = _made_from_list(client, trip, "6000", lines=_lines(trip, (trip.batch, "8000")))
    errors = errors_of(_submit(client, trip, waybill))
    assert list(errors) == ["lines.0.quantity_kg"], errors
    assert "8000.000 kg of batch MEOH-001 asked" in errors["lines.0.quantity_kg"][0]
    assert "declares 6000.000 kg" in errors["lines.0.quantity_kg"][0]
    _unchanged(client, trip, waybill)


def test_a_waybill_from_a_list_may_not_carry_a_batch_the_list_does_not_declare(client, session, trip):
    other = _second_batch(session, trip)
    waybill = _made_from_list(client, trip, "6000", lines=_lines(trip, (trip.batch, "6000"), (other, "1000")))
    errors = errors_of(_submit(client, trip, waybill))
    assert list(errors) == ["lines.1.batch_id"], errors
    assert "batch MEOH-002 is not on consignment list TQ" in errors["lines.1.batch_id"][0]
    _unchanged(client, trip, waybill)


def test_lines_of_one_batch_are_counted_together(client, trip):
    waybill = _made_from_list(client, trip, "6000", lines=_lines(trip, (trip.batch, "3000"), (trip.batch, "3500")))
    errors = errors_of(_submit(client, trip, waybill))
    assert set(errors) == {"lines.0.quantity_kg", "lines.1.quantity_kg"}, errors
    assert "6500.000 kg of batch MEOH-001" in errors["lines.1.quantity_kg"][0]


def test_a_list_may_be_split_over_waybills_but_never_enlarged(client, session, trip):
    """Two vehicles may share one list's goods; what the live waybills carry together stays within it, and a
    cancelled waybill frees its share (a draft holds none: it was never checked)."""
    listed = post(client, trip, "shipper", LISTS, consignment(trip)).get_json()  # 10000 kg
    draft = trip.draft()
    base = {"consignment_id": listed["id"], **{name: draft[name] for name in (
        "vehicle_id", "driver_id", "escort_id", "departure_earliest", "departure_latest",
        "tank_inspection_valid_until")}, **{n: v for n, v in NATIONAL.items() if "contact" not in n}}
    first = post(client, trip, "carrier", API, {**base, "lines": _lines(trip, (trip.batch, "6000"))}).get_json()
    second = post(client, trip, "carrier", API, {**base, "lines": _lines(trip, (trip.batch, "6000"))}).get_json()
    issued = _submit(client, trip, first)
    assert issued.status_code == 200, issued.get_json()
    errors = errors_of(_submit(client, trip, second))
    assert "6000.000 kg already on other waybills" in errors["lines.0.quantity_kg"][0], errors
    _unchanged(client, trip, second)
    cancelled = post(client, trip, "carrier", f"{API}/{first['id']}/cancel",
                     {"reason": "split otherwise", "row_version": issued.get_json()["row_version"]})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert _submit(client, trip, second).status_code == 200


def test_the_whole_list_on_one_waybill_passes(client, trip):
    waybill = _made_from_list(client, trip, "10000")
    assert _submit(client, trip, waybill).get_json()["status"] == "issued"


def _window_over_days(trip, days: int = 2, **overrides) -> dict:
    """A draft whose departure window runs from tomorrow morning *days* days on."""
    body = trip.draft(**overrides)
    earliest = dt.datetime.fromisoformat(body["departure_earliest"])
    body["departure_latest"] = (earliest + dt.timedelta(days=days)).isoformat()
    return body


def _first_day(body: dict) -> dt.date:
    return dt.datetime.fromisoformat(body["departure_earliest"]).date()


def _expires_on_first_day(session, trip, body, what: str) -> None:
    first = _first_day(body)
    if what == "driver":
        trip.driver.valid_until = first
    elif what == "escort":
        trip.escort.valid_until = first
    elif what == "vehicle":
        trip.tanker.inspection_valid_until = first
    elif what == "carrier_permit":
        for permit in session.scalars(select(Permit).where(Permit.holder_id == trip.carrier.id)):
            permit.valid_to = first
    session.commit()


@pytest.mark.parametrize("what, field, words", [
    ("driver", "driver_id", "certificate not valid on"),
    ("escort", "escort_id", "certificate not valid on"),
    ("vehicle", "vehicle_id", "inspection not valid on"),
    ("carrier_permit", "lines.0.batch_id", "carrier"),
])
def test_what_expires_inside_the_departure_window_is_refused(client, session, trip, what, field, words):
    body = _window_over_days(trip)
    _expires_on_first_day(session, trip, body, what)
    created = post(client, trip, "shipper", API, body).get_json()
    errors = errors_of(_submit(client, trip, created, "shipper"))
    assert list(errors) == [field], errors
    assert any(words in message for message in errors[field]), errors
    if what != "carrier_permit":
        last = (_first_day(body) + dt.timedelta(days=2)).isoformat()
        assert last in errors[field][0]
    _unchanged(client, trip, created, "shipper")


@pytest.mark.parametrize("what", ["driver", "escort", "vehicle", "carrier_permit"])
def test_valid_through_the_last_day_of_the_window_passes(client, session, trip, what):
    """The same expiry is no problem when the window closes the day it expires (valid_until is inclusive)."""
    body = _window_over_days(trip, days=0)
    _expires_on_first_day(session, trip, body, what)
    created = post(client, trip, "shipper", API, body).get_json()
    assert _submit(client, trip, created, "shipper").get_json()["status"] == "issued"


def test_the_tank_inspection_must_hold_to_the_last_day_of_the_window(client, session, trip):
    body = _window_over_days(trip)
    body["tank_inspection_valid_until"] = _first_day(body).isoformat()
    created = post(client, trip, "shipper", API, body).get_json()
    errors = errors_of(_submit(client, trip, created, "shipper"))
    assert list(errors) == ["tank_inspection_valid_until"], errors
    _unchanged(client, trip, created, "shipper")


def _carried_as(session, trip, un_number: str, hazard_class: str) -> None:
    """The trip's chemical recast as *un_number* of *hazard_class*, in a van and with a crew permitted for it."""
    trip.chemical.un_number, trip.chemical.hazard_class = un_number, hazard_class
    trip.tanker.kind, trip.tanker.hazard_classes, trip.tanker.tank_media = VehicleKind.VAN, [hazard_class], []
    trip.tanker.rated_load_kg = Decimal("10000")
    trip.driver.qualification_classes = trip.escort.qualification_classes = [hazard_class]
    session.commit()


def _warnings(response) -> str:
    return " ".join(w["message"] for w in response.get_json()["current"]["warnings"])


def _shipper_submits(client, trip, **overrides) -> tuple[dict, object]:
    """The shipper drafts the trip's waybill for 1 t and submits it: the draft as created, the reply."""
    body = trip.draft(**overrides)
    body["lines"][0]["quantity_kg"] = "1000"
    created = post(client, trip, "shipper", API, body).get_json()
    return created, _submit(client, trip, created, "shipper")


def test_explosives_wait_for_public_securitys_transport_permit(client, session, trip):
    """Class 1 (民用爆炸物品, 烟花爆竹) is carried only with public security's permit for the trip, like 剧毒."""
    _carried_as(session, trip, "0081", "1.1")
    created, submitted = _shipper_submits(client, trip)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "awaiting_pass"
    assert "爆炸品" in _warnings(submitted) and "民用爆炸物品运输许可证" in _warnings(submitted)
    granted = client.post(f"{API}/{created['id']}/approve", json={"pass_number": "锡公爆运 2026-0007"},
                          headers=_public_security(session))
    assert granted.status_code == 200, granted.get_json()
    assert granted.get_json()["status"] == "issued"


def test_radioactive_goods_are_issued_with_the_approval_named(client, session, trip):
    _carried_as(session, trip, "2915", "7")
    _created, submitted = _shipper_submits(client, trip)
    assert submitted.get_json()["status"] == "issued", submitted.get_json()
    assert "放射性物品道路运输许可证明" in _warnings(submitted)


def _toxic(trip):
    trip.chemical.highly_toxic = True


def _precursor(trip):
    trip.chemical.explosive_precursor = True


def _explosive(trip):
    trip.chemical.un_number, trip.chemical.hazard_class = "0081", "1.1"
    trip.tanker.hazard_classes, trip.tanker.tank_media = ["1"], ["0081"]
    trip.driver.qualification_classes = trip.escort.qualification_classes = ["1"]


def _in(kind: VehicleKind, rated_kg: str = "30000"):
    def put(trip):
        trip.tanker.kind, trip.tanker.rated_load_kg = kind, Decimal(rated_kg)
        if not kind.is_tank:
            trip.tanker.tank_media = []
    return put


@pytest.mark.parametrize("goods, vehicle, capacity, field, words", [
    (_toxic, _in(VehicleKind.FLATBED, "10000"), "10", "vehicle_id", "is a flatbed: 剧毒化学品 travel only"),
    (_precursor, _in(VehicleKind.FLATBED), "10", "vehicle_id", "is a flatbed: 易制爆危险化学品 travel only"),
    (_explosive, _in(VehicleKind.FLATBED, "10000"), "10", "vehicle_id", "is a flatbed: 爆炸品"),
    (_toxic, _in(VehicleKind.VAN, "15000"), "10", "vehicle_id", "rated load of at most 10000 kg, not 15000"),
    (_explosive, _in(VehicleKind.VAN, "10000.5"), "10", "vehicle_id", "rated load of at most 10000 kg"),
    (_toxic, _in(VehicleKind.TANK), "10.5", "tank_capacity_m3", "剧毒化学品 holds at most 10 m³, not 10.500 m³"),
    (_explosive, _in(VehicleKind.TANK), "21", "tank_capacity_m3", "爆炸品 holds at most 20 m³"),
])
def test_highly_toxic_and_explosive_goods_go_only_in_the_vehicles_art_8_allows(
        client, session, trip, goods, vehicle, capacity, field, words):
    goods(trip)
    vehicle(trip)
    session.commit()
    created, submitted = _shipper_submits(client, trip, tank_capacity_m3=capacity)
    errors = errors_of(submitted)
    assert list(errors) == [field], errors
    assert words in errors[field][0], errors
    _unchanged(client, trip, created, "shipper")


@pytest.mark.parametrize("goods, vehicle, capacity", [
    (_toxic, _in(VehicleKind.VAN, "10000"), "10"),
    (_toxic, _in(VehicleKind.TANK), "10"),
    (_explosive, _in(VehicleKind.TANK), "20"),
    (_explosive, _in(VehicleKind.VAN, "10000"), "10"),
    (_precursor, _in(VehicleKind.VAN), "10"),  # no load limit for 易制爆 goods
    (lambda trip: None, _in(VehicleKind.FLATBED), "10"),  # nor any rule for other goods
])
def test_within_the_limits_they_are_issued_or_await_their_pass(client, session, trip, goods, vehicle, capacity):
    goods(trip)
    vehicle(trip)
    session.commit()
    _created, submitted = _shipper_submits(client, trip, tank_capacity_m3=capacity)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] in ("issued", "awaiting_pass")


@pytest.mark.parametrize("towing, refused", [(VehicleKind.TANK, True), (VehicleKind.VAN, True),
                                             (VehicleKind.TRACTOR, False)])
def test_a_trailer_only_behind_a_tractor(client, session, trip, towing, refused):
    """No road train (货车列车): a trailer travels in an articulated vehicle (铰接列车) only."""
    trip.tanker.kind, trip.tanker.tank_media = towing, (["1230"] if towing.is_tank else [])
    trailer = make_vehicle(session, trip.carrier, plate="苏B1234挂", kind=VehicleKind.TANK_TRAILER,
                           inspection_valid_until=trip.tanker.inspection_valid_until)
    session.commit()
    body = trip.draft(trailer_id=str(trailer.id), trailer_plate_colour="黄",
                      trailer_transport_certificate="苏交运管危字320200005678")
    created = post(client, trip, "shipper", API, body).get_json()
    submitted = _submit(client, trip, created, "shipper")
    if refused:
        errors = errors_of(submitted)
        assert list(errors) == ["trailer_id"], errors
        assert "is no tractor" in errors["trailer_id"][0]
        _unchanged(client, trip, created, "shipper")
    else:
        assert submitted.get_json()["status"] == "issued", submitted.get_json()


def test_a_departure_window_ending_before_it_begins_is_refused(client, trip):
    body = trip.draft()
    body["departure_latest"] = (dt.datetime.fromisoformat(body["departure_earliest"])
                                - dt.timedelta(hours=1)).isoformat()
    created = post(client, trip, "shipper", API, body).get_json()
    errors = errors_of(_submit(client, trip, created, "shipper"))
    assert errors == {"departure_latest": ["must not be before departure_earliest"]}
    _unchanged(client, trip, created, "shipper")


def test_a_list_adds_two_reads_to_the_submission_and_more_lines_none(client, engine, trip):
    """The list's goods and what its other waybills carry: two statements more than a waybill without a list
    (test_submission_queries), however many lines."""
    one = _made_from_list(client, trip, "10000")
    assert kinds(statements_of_submitting(client, engine, trip, one)) == (10, 3, 1)
    three = _made_from_list(client, trip, "9000", lines=_lines(trip, *[(trip.batch, "3000")] * 3))
    assert kinds(statements_of_submitting(client, engine, trip, three)) == (10, 3, 1)
