"""A submission reads each kind of record once and writes each kind of row once: more lines or more permits add
no statements, and the whole submission is a small fixed number of them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import event

from app.services.waybills.submission import issue_facts
from models import PermitKind
from models.waybills import Waybill, WaybillVersion
from tests.app.ledger.conftest import grant_permits

API = "/api/v1/waybills"


def open_draft(client, trip, body) -> dict:
    created = client.post(API, json=body, headers=trip.headers["shipper"])
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def statements_to_submit(client, engine, trip, body) -> list[str]:
    return statements_of_submitting(client, engine, trip, open_draft(client, trip, body))


def statements_of_submitting(client, engine, trip, waybill: dict) -> list[str]:
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post(f"{API}/{waybill['id']}/submit", json={"row_version": waybill["row_version"]},
                               headers=trip.headers["shipper"])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.get_json()
    return [s for s in seen if s.split(None, 1)[0].upper() != "BEGIN"]  # SQLite's explicit BEGIN: not a query


def test_more_lines_and_more_permits_add_no_queries(client, engine, session, trip):
    one_line = statements_to_submit(client, engine, trip, trip.draft())
    line = {"batch_id": str(trip.batch.id), "quantity_kg": "3000", "packaging_kind": "tank", "packaging_count": 1}
    for party in (trip.shipper, trip.consignee, trip.carrier):
        grant_permits(session, party, PermitKind.CHEMICALS_OPERATION, PermitKind.SAFE_USE, PermitKind.ROAD_TRANSPORT)
    session.commit()
    three_lines = statements_to_submit(client, engine, trip, trip.draft(lines=[line] * 3))
    assert len(three_lines) == len(one_line), "\n".join(three_lines)


def kinds(statements: list[str]) -> tuple[int, int, int]:
    words = [s.split(None, 1)[0].upper() for s in statements]
    return words.count("SELECT"), words.count("UPDATE"), words.count("INSERT")


def test_a_submission_is_twelve_statements(client, engine, trip):
    """The token; the waybill with its versions and lines, then its events; the named records, the permits (the
    carrier's among them give the document its permit number), the batches (with their Table A entries and
    whether each is waste, whose manifest national.py then asks for) and the stock; the other waybills planned on
    the vehicle or crew (trips.py); the waybill's new status and its event; one executemany giving the lines the
    entry they travel under and its document line (ADR 5.4.1.1.1), which only the submission's checks resolve;
    the version's warnings and issue facts."""
    statements = statements_to_submit(client, engine, trip, trip.draft())
    assert kinds(statements) == (8, 3, 1), "\n".join(statements)


def test_a_catalogue_change_since_the_draft_is_written_at_submission(client, engine, session, trip):
    """One executemany rewrites the lines whose chemical changed in the catalogue after the draft was saved."""
    draft = open_draft(client, trip, trip.draft())
    assert draft["current"]["lines"][0]["proper_shipping_name"] == trip.chemical.name_en
    trip.chemical.name_en = "METHANOL, REVISED"
    session.commit()
    statements = statements_of_submitting(client, engine, trip, draft)
    assert kinds(statements) == (8, 3, 1), "\n".join(statements)
    submitted = client.get(f"{API}/{draft['id']}", headers=trip.headers["shipper"]).get_json()
    assert submitted["current"]["lines"][0]["proper_shipping_name"] == "METHANOL, REVISED"


@dataclass(frozen=True)
class _Permit:
    kind: PermitKind
    number: str
    valid_from: dt.date
    valid_to: dt.date
    revoked: bool = False


def test_the_documents_permit_number_is_of_the_longest_running_road_transport_permit_valid_on_the_trip_date():
    """Read from the permits the checks loaded, not asked again: revoked, expired, not yet valid and other kinds'
    permits never give it."""
    trip = dt.datetime(2026, 12, 7, 8, tzinfo=dt.timezone.utc)
    day = trip.date()
    version = WaybillVersion(departure_earliest=trip, dispatched_on=day)
    permits = [_Permit(PermitKind.ROAD_TRANSPORT, "expired", day - dt.timedelta(days=400), day - dt.timedelta(days=1)),
               _Permit(PermitKind.ROAD_TRANSPORT, "revoked", day, day + dt.timedelta(days=900), revoked=True),
               _Permit(PermitKind.HIGHLY_TOXIC_TRANSPORT_PASS, "pass", day, day + dt.timedelta(days=800)),
               _Permit(PermitKind.ROAD_TRANSPORT, "ends sooner", day - dt.timedelta(9), day + dt.timedelta(5)),
               _Permit(PermitKind.ROAD_TRANSPORT, "runs longest", day, day + dt.timedelta(days=300)),
               _Permit(PermitKind.ROAD_TRANSPORT, "not yet", day + dt.timedelta(days=1), day + dt.timedelta(days=999))]
    waybill = Waybill()
    assert issue_facts(waybill, version, permits) == {"carrier_permit_number": "runs longest", "dispatched_on": day}
    assert issue_facts(waybill, version, permits[:3])["carrier_permit_number"] is None
