"""No enterprise writes into another's records, on any route (trust first).

Like :mod:`tests.app.test_isolation_reads`, the walk goes over ``app.url_map``: every POST/PATCH/PUT/DELETE route
of the API and of the pages whose path names a record is called by an outsider enterprise with the demo firms'
records filled in and a body its view accepts (:data:`API_BODIES`, :data:`PAGE_FORMS`), then with made-up
records: both must be refused alike (404 where its role may call the route, 403 where it may not), and the
database must hold exactly the rows it held before (every row of every table compared, not only counted).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing.converters import AnyConverter

from models import Base
from tests.app.isolation_world import World
from tests.app.test_isolation_reads import (  # noqa: F401 (the fixtures world, signed_in)
    expected_status, fillings, path, policy, signed_in, world,
)
from tests.factories import auth

WRITES = ("POST", "PATCH", "PUT", "DELETE")
#: Tables a refused request may still write: who signed in (the pages' sessions) and nothing else.
BOOKKEEPING = {"web_sessions", "sign_in_failures"}
#: A body each API write accepts, by endpoint (none: an empty JSON object is a valid body).
API_BODIES: dict[str, Any] = {
    "enterprises.Item": {"name": "改名"}, "sites.Item": {"name": "改名"}, "vehicles.Item": {"hazard_classes": ["3"]},
    "personnel.Item": {"qualification_classes": ["3"]}, "permits.Item": {"hazard_classes": ["3"]},
    "sites.SiteUnits": {"name": "二号罐区", "kind": "storage"},
    "sites.site_design_maxima": {"unit_id": None, "un_number": "1230", "quantity_t": "10", "reason": "x"},
    "sites.site_exposed_population": {"exposed_population": 10, "reason": "x"},
    "incidents.transition": {"to": "confirmed"},
    "transfers.Refuse": {"reason": "拒收"}, "transfers.Cancel": {"reason": "撤回"},
    "waste_manifests.manifest_carrier_check": {"matches": True},
    "waste_manifests.manifest_reject": {"reason": "拒收"},
    "waste_manifests.manifest_waybill": {"waybill_id": "6f1d0a52-4b0e-4c4e-9d83-2f1c1b0e7a11"},
    "waybills.waybill_cancel": {"reason": "取消"}, "waybills.waybill_reject": {"reason": "退回"},
    "waybills.waybill_approve": {"pass_number": "沪公危通〔2026〕1号"},
    "waybill_tracking.Track": {"fixes": [{"time": "2026-12-06T08:00:00Z", "lon": 121.45, "lat": 31.2}]},
}
#: The form fields each page's POST needs besides its CSRF token, by endpoint.
PAGE_FORMS = {"web.waybill_cancel": {"reason": "取消"}, "web.waybill_reject": {"reason": "退回"},
              "web.manifest_reject": {"reason": "拒收"}, "web.decide_transfer": {"reason": "拒收"},
              "web.user_password": {"password": "a new long password"}}


def snapshot(session: Session) -> dict[str, set[str]]:
    """Every row of every table (but the sign-in bookkeeping), as it is in the database now."""
    session.expire_all()
    return {table.name: {repr(tuple(row)) for row in session.execute(select(table))}
            for table in Base.metadata.sorted_tables if table.name not in BOOKKEEPING}


def changed(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, int]:
    return {name: len(rows ^ after[name]) for name, rows in before.items() if rows != after[name]}


def write_routes(app: Flask, *, api: bool) -> list[tuple[Any, str]]:
    """The write routes whose path names a record (not only a kind: ``/registry/<any(...)>/new`` creates)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") != api or all(isinstance(c, AnyConverter) for c in rule._converters.values()):
            continue
        found.extend((rule, method) for method in sorted(rule.methods & set(WRITES))
                     if policy(app, rule, method) not in (None, "public"))
    return sorted(found, key=lambda pair: (pair[0].rule, pair[1]))


def test_no_api_write_reaches_another_enterprises_record(app: Flask, client: FlaskClient, session: Session,
                                                         world: World) -> None:
    headers = auth(world.outsider_token)
    before, failures, walked = snapshot(session), [], 0
    for rule, method in write_routes(app, api=True):
        expected, body = expected_status(app, rule, method), API_BODIES.get(rule.endpoint, {})
        for values, made_up in fillings(rule, world):
            response = client.open(path(rule, values), method=method, json=body, headers=headers)
            unknown = client.open(path(rule, made_up), method=method, json=body, headers=headers)
            walked += 1
            if (response.status_code, unknown.status_code) != (expected, expected):
                failures.append((method, path(rule, values), response.status_code, unknown.status_code,
                                 response.get_json().get("errors")))
            elif response.get_json()["code"] != unknown.get_json()["code"]:
                failures.append((method, path(rule, values), response.get_json(), unknown.get_json()))
    assert failures == [], "\n".join(map(str, failures))
    assert walked > 100 and changed(before, snapshot(session)) == {}


def page_answer(client: FlaskClient, method: str, url: str, form: dict[str, str],
                values: dict[str, str]) -> tuple[int, str | None, str]:
    """What a page's form POST answers: its status, where it redirects and what it flashes (the record's id in
    the message replaced, so that another's record and a made-up one compare alike)."""
    response = client.open(url, method=method, data=form)
    with client.session_transaction() as cookie:
        flashed = repr(cookie.pop("_flashes", []))
    for value in values.values():
        flashed = flashed.replace(value, "<id>")
    return response.status_code, response.headers.get("Location"), flashed


def test_no_page_writes_into_another_enterprises_record(app: Flask, signed_in: FlaskClient, session: Session,
                                                        world: World) -> None:
    page = signed_in.get("/firm").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    before, failures = snapshot(session), []
    for rule, method in write_routes(app, api=False):
        expected, form = expected_status(app, rule, method), {"csrf_token": token, **PAGE_FORMS.get(rule.endpoint, {})}
        for values, made_up in fillings(rule, world):
            answer = page_answer(signed_in, method, path(rule, values), form, values)
            if answer != page_answer(signed_in, method, path(rule, made_up), form, made_up) or answer[0] not in (
                    expected, 302):
                failures.append((method, path(rule, values), answer))
    assert failures == [], "\n".join(map(str, failures))
    assert changed(before, snapshot(session)) == {}
