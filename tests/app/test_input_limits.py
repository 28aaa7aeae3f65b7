"""No input makes a 5xx (issue 25, finding 8): each hostile value below once did, on one backend or both.

Each answers a problem+json 4xx naming what was wrong, and writes nothing.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.input_text import MAX_JSON_DEPTH, nests_too_deep
from models import Batch, Enterprise, Role
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.factories import auth, make_chemical, make_enterprise, make_site, make_user, valid_uscc

PAGED_LISTS = ["enterprises", "chemicals", "permits", "sites", "vehicles", "personnel", "batches", "movements",
               "ledger/checkpoints", "corridors", "zones", "waybills", "alerts", "waste-manifests"]


@pytest.fixture
def admin(session):
    return auth(make_user(session, Role.ADMIN)[1])


def _assert_problem(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if status is not None:
        assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert "Retry-After" not in response.headers
    return response.get_json()


def _enterprise_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


@pytest.mark.parametrize("path", PAGED_LISTS)
@pytest.mark.parametrize("page", [10 ** 18, 10 ** 7])
def test_a_page_beyond_the_bound_is_422(client, admin, path, page):
    body = _assert_problem(client.get(f"/api/v1/{path}?page={page}&page_size=100", headers=admin), 422)
    assert "page" in body["errors"]


def test_the_last_page_within_the_bound_is_an_empty_page(client, admin):
    response = client.get("/api/v1/enterprises?page=1000000&page_size=100", headers=admin)
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("url", [
    "/api/v1/enterprises?q=a%00b", "/api/v1/batches?code_prefix=a%00b", "/api/v1/chemicals?q=%00",
    "/api/v1/batches/A%00B/trace", "/api/v1/waybills?number=%00", "/api/v1/movements?batch=%00",
])
def test_nul_in_the_url_is_422(client, admin, url):
    body = _assert_problem(client.get(url, headers=admin), 422)
    assert body["code"] == "invalid_text"


@pytest.mark.parametrize("text", ["a\0b", "\ud800", "x\udfffy"])
def test_nul_and_lone_surrogates_in_a_body_are_422_and_write_nothing(client, session, admin, text):
    before = _enterprise_count(session)
    payload = json.dumps({"name": text, "uscc": valid_uscc(), "roles": ["producer"]})  # escaped: \\u0000, \\ud800
    body = _assert_problem(client.post("/api/v1/enterprises", data=payload, content_type="application/json",
                                       headers=admin), 422)
    assert body["code"] == "invalid_text" and "name" in body["errors"]
    assert _enterprise_count(session) == before


def test_a_nul_in_a_header_is_422_and_writes_nothing(client, session):
    trip = build_trip(session)
    headers = {**trip.headers["shipper"], "Idempotency-Key": "retry\0one"}  # stored with the reply it keys
    body = _assert_problem(client.post("/api/v1/waybills", json=trip.draft(), headers=headers), 422)
    assert body["errors"] == {"Idempotency-Key": ["Must not contain NUL characters or unpaired surrogates."]}
    assert client.get("/api/v1/waybills", headers=trip.headers["shipper"]).get_json() == []


def test_an_escaped_backslash_before_u0000_is_plain_text(client, admin):
    # "\\u0000" is a backslash and the letters u0000, not a NUL: it passes this check (and fails another).
    payload = '{"name": "a\\\\u0000", "roles": ["producer"]}'
    response = client.post("/api/v1/enterprises", data=payload, content_type="application/json", headers=admin)
    assert response.status_code == 422 and "name" not in response.get_json()["errors"]


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_400(client, session, admin, depth):
    before = _enterprise_count(session)
    payload = '{"name": ' + "[" * depth + "]" * depth + ', "roles": ["producer"]}'
    body = _assert_problem(client.post("/api/v1/enterprises", data=payload, content_type="application/json",
                                       headers=admin), 400)
    assert body["code"] == "malformed_json"
    assert _enterprise_count(session) == before


def test_nesting_within_the_limit_is_read(client, admin):
    payload = '{"name": ' + "[" * 20 + "]" * 20 + ', "roles": ["producer"]}'
    response = client.post("/api/v1/enterprises", data=payload, content_type="application/json", headers=admin)
    assert response.status_code == 422 and "name" in response.get_json()["errors"]


@pytest.mark.parametrize("quantity", [1e30, "1e309", "1" * 32, "1e15", 1e15, "-1e400", "Infinity", "1e-400"])
def test_out_of_range_quantities_are_422_and_write_nothing(client, session, quantity):
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    producer = make_enterprise(session)
    site, chemical = make_site(session, producer), make_chemical(session)
    headers = auth(make_user(session, Role.ENTERPRISE, enterprise=producer)[1])
    for path, payload in (
        ("/api/v1/batches", {"code": "B-1", "chemical_id": str(chemical.id), "site_id": str(site.id),
                             "quantity": quantity, "unit": "kg", "produced_at": now}),
        ("/api/v1/movements", {"kind": "produce", "code": "B-2", "chemical_id": str(chemical.id),
                               "site_id": str(site.id), "quantity": quantity, "unit": "kg", "occurred_at": now}),
    ):
        body = _assert_problem(client.post(path, json=payload, headers=headers), 422)
        assert "quantity" in json.dumps(body["errors"]), body
    assert session.scalar(select(func.count()).select_from(Batch)) == 0


@pytest.mark.parametrize("field", ["capacity_kg", "rated_load_kg"])
def test_registry_quantities_past_the_column_are_422(client, session, admin, field):
    owner = make_enterprise(session, roles=["carrier", "producer"])
    path, payload = (("/api/v1/sites", {"name": "库", "kind": "warehouse", "lon": 120.4, "lat": 31.6})
                     if field == "capacity_kg" else
                     ("/api/v1/vehicles", {"plate": "苏B1X345", "kind": "van"}))
    payload.update({"enterprise_id" if field == "capacity_kg" else "carrier_id": str(owner.id), field: "1e309"})
    body = _assert_problem(client.post(path, json=payload, headers=admin), 422)
    assert field in body["errors"]


@pytest.fixture
def in_transit(session):
    trip = build_trip(session)
    return trip, waybill_in_transit(session, trip)


def test_a_400_digit_speed_is_bad_input(client, in_transit):
    trip, waybill = in_transit
    time = dt.datetime.now(dt.timezone.utc).isoformat()
    payload = '{"fixes": [{"time": "%s", "lon": 120.3, "lat": 31.6, "speed": %s}]}' % (time, "9" * 400)
    response = client.post(f"/api/v1/waybills/{waybill.id}/track", data=payload, content_type="application/json",
                           headers=trip.headers["carrier"])
    if response.status_code == 200:  # a fix with an impossible speed is dropped, not stored
        assert response.get_json()["stored"] == 0
    else:
        _assert_problem(response)


@pytest.mark.parametrize("terminal", [["013912345678"], {"a": 1}, 13912345678])
def test_a_feed_terminal_that_is_not_text_is_422(client, in_transit, terminal):
    trip, _waybill = in_transit
    time = dt.datetime.now(dt.timezone.utc).isoformat()
    payload = {"fixes": [{"terminal": terminal, "time": time, "lon": 120.3, "lat": 31.6}]}
    _assert_problem(client.post("/api/v1/track", json=payload, headers=trip.headers["carrier"]), 422)


@pytest.mark.parametrize("path", ["enterprises", "chemicals", "vehicles", "sites", "personnel"])
def test_an_overlong_search_is_422_not_503(client, admin, path):
    body = _assert_problem(client.get(f"/api/v1/{path}?q={'%25_' * 16_666}", headers=admin), 422)
    assert "query.q" in body["errors"]


def test_a_nul_byte_in_a_csv_body_is_422(client, in_transit):
    trip, _waybill = in_transit
    body = "terminal,time,lon,lat\n0139\0,2026-01-01T08:00:00Z,120.3,31.6\n"
    response = client.post("/api/v1/track", data=body, content_type="text/csv", headers=trip.headers["carrier"])
    assert _assert_problem(response, 422)["code"] == "invalid_text"


def test_brackets_inside_strings_are_not_nesting(client, admin):
    payload = json.dumps({"name": '[{\\"' * 50, "roles": ["producer"]})  # escaped quotes end no string
    response = client.post("/api/v1/enterprises", data=payload, content_type="application/json", headers=admin)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"uscc"}


@pytest.mark.parametrize(("body", "too_deep"), [
    ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
    ('{"a": "' + "[" * 99 + '"}', False),                          # inside a string
    ('{"a": "\\"' + "[" * 99 + '"}', False),                      # after an escaped quote: still inside
    ('{"a": "\\\\", "b": ' + "[" * 40 + "]" * 40 + "}", True),  # after an escaped backslash: outside again
    ('{"fixes": [' + ", ".join(['{"lon": 1}'] * 500) + "]}", False),
])
def test_nesting_is_counted_outside_strings(body, too_deep):
    assert json.loads(body) is not None and nests_too_deep(body.encode()) is too_deep
