"""A submission reads each kind of record once and writes each kind of row once: more lines or more permits add
no statements, and the whole submission is a small fixed number of them."""
from __future__ import annotations

from sqlalchemy import event

from models import PermitKind
from tests.app.ledger.conftest import grant_permits

API = "/api/v1/waybills"


def statements_to_submit(client, engine, trip, body) -> list[str]:
    created = client.post(API, json=body, headers=trip.headers["shipper"])
    assert created.status_code == 201, created.get_json()
    waybill = created.get_json()
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


def test_a_submission_is_ten_statements(client, engine, trip):
    """The token; the waybill with its versions and lines, then its events; the named records, the permits, the
    batches and the stock; the waybill's new status, its event, the lines' snapshots (one executemany)."""
    statements = statements_to_submit(client, engine, trip, trip.draft())
    kinds = [s.split(None, 1)[0].upper() for s in statements]
    assert (kinds.count("SELECT"), kinds.count("UPDATE"), kinds.count("INSERT")) == (7, 2, 1), "\n".join(statements)
