"""No enterprise writes into another's records, on any route (trust first).

Like :mod:`tests.app.test_isolation_reads`, the walk goes over ``app.url_map``: every POST/PATCH/PUT/DELETE route
of the API and of the pages whose path names a record is called by an outsider enterprise with the demo firms'
records filled in and a body its view accepts (:data:`API_BODIES`, :data:`PAGE_FORMS`), then with made-up
records: both must be refused alike (404 where its role may call the route, 403 where it may not), and the
database must hold exactly the rows it held before (every row of every table compared, not only counted).
"""
from __future__ import annotations

import copy
import json
import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing.converters import AnyConverter

from models import Base, Role
from models.types import utcnow
from models.waste import DISPOSAL_METHODS
from tests.app.isolation_world import World
from tests.app import test_isolation_reads as reads
from tests.app.test_isolation_reads import expected_status, fillings, made_up_value, path, policy
from tests.factories import auth, valid_national_id, valid_plate

# the fixtures: the world built once per module, each test in a savepoint of it
built_world, connection, world, signed_in = reads.built_world, reads.connection, reads.world, reads.signed_in
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


@dataclass(frozen=True)
class Reference:
    """A create whose body names records: *body* from the outsider's own records (accepted, unless *control* is
    False: then a template only), *swaps* the places in it (dotted paths) that must refuse the demo firms'."""

    body: Callable[[dict[str, str]], dict[str, Any]]
    swaps: dict[str, str]
    control: bool = True


def _an_hour_ago() -> str:
    return (utcnow() - dt.timedelta(hours=1)).isoformat()


def _consume(own: dict[str, str]) -> dict[str, Any]:
    return {"kind": "consume", "batch": own["batch"], "site_id": own["site"], "quantity": "1",
            "occurred_at": _an_hour_ago()}


_LINE = {"quantity_kg": "10", "packaging_kind": "IBC", "packaging_count": 1, "hazards": "易燃液体",
         "first_aid": "脱离现场", "spill_response": "围堵收集", "fire_response": "抗溶泡沫"}
#: Every create an enterprise may call whose body names records. A transfer's or a list's receiving site, its
#: consignee and carrier are the directory's (named by right: the receiver accepts or refuses an offer).
REFERENCES: dict[str, list[Reference]] = {
    "/api/v1/batches": [Reference(lambda o: {"code": "OUT-LOT-2", "chemical_id": o["chemical"], "site_id": o["site"],
                                             "quantity": "10", "produced_at": _an_hour_ago()}, {"site_id": "site"})],
    "/api/v1/movements": [
        Reference(_consume, {"batch": "batch", "site_id": "site"}),
        # A lot's producer beside its code, by id or USCC: another firm's is answered as a made-up one.
        Reference(lambda o: {**_consume(o), "producer": o["enterprise"]}, {"producer": "enterprise"}),
        Reference(lambda o: {**_consume(o), "producer": o["uscc"]}, {"producer": "uscc"}),
        Reference(lambda o: {"kind": "transfer", "batch": o["batch"], "from_site_id": o["site"],
                             "to_site_id": o["other_site"], "quantity": "1", "occurred_at": _an_hour_ago()},
                  {"batch": "batch", "from_site_id": "site", "to_site_id": "unlisted_site"}),
        Reference(lambda o: {"kind": "split", "site_id": o["site"], "occurred_at": _an_hour_ago(),
                             "inputs": [{"batch": o["batch"], "producer": o["enterprise"], "quantity": "1"}],
                             "outputs": [{"code": "OUT-SPLIT", "quantity": "1"}]},
                  {"inputs.0.producer": "enterprise", "inputs.0.batch": "batch"})],
    "/api/v1/movements/batch": [Reference(lambda o: {"items": [{**_consume(o), "producer": o["enterprise"]}]},
                                          {"items.0.batch": "batch", "items.0.site_id": "site",
                                           "items.0.producer": "enterprise"})],
    "/api/v1/transfers": [Reference(lambda o: {"batch": o["batch"], "from_site_id": o["site"],
                                               "to_site_id": o["partner_site"], "quantity": "1",
                                               "occurred_at": _an_hour_ago(), "producer": o["uscc"]},
                                    {"batch": "batch", "from_site_id": "site", "to_site_id": "unlisted_site",
                                     "producer": "uscc"})],
    "/api/v1/consignments": [Reference(lambda o: {
        "carrier_id": o["carrier"], "consignee_id": o["partner"], "loading_site_id": o["site"],
        "unloading_site_id": o["partner_site"], "emergency_phone": "0510-88888888",
        "lines": [{"batch_id": o["batch_id"], **_LINE}]}, {"loading_site_id": "site", "lines.0.batch_id": "batch_id"})],
    "/api/v1/waybills": [Reference(lambda o: {
        "consignee_id": o["partner"], "carrier_id": o["enterprise"], "vehicle_id": o["vehicle"],
        "driver_id": o["person"], "loading_site_id": o["site"]},
        {"vehicle_id": "vehicle", "driver_id": "person", "loading_site_id": "site", "consignment_id": "consignment"})],
    # The outsider carries nothing in transit and produced no waste: these bodies are templates only (a carrier
    # reports an incident on one of its own waybills).
    "/api/v1/incidents": [Reference(lambda o: {"spill": "leak_small", "lon": 121.4, "lat": 31.2},
                                    {"waybill_id": "waybill"}, control=False)],
    "/api/v1/track": [Reference(lambda o: {"fixes": [{"waybill": "", "time": _an_hour_ago(), "lon": 121.45,
                                                      "lat": 31.2}]}, {"fixes.0.waybill": "waybill"}, control=False)],
    "/api/v1/waste-manifests": [Reference(lambda o: {
        "carrier_id": o["carrier"], "disposer_id": o["partner"], "disposer_site_id": o["partner_site"],
        "disposal_method": next(iter(DISPOSAL_METHODS)), "lines": [{"batch": o["batch"], "quantity_kg": "1"}]},
        {"lines.0.batch": "batch", "waybill_id": "waybill", "lines.0.producer": "enterprise"}, control=False)],
    "/api/v1/sites": [Reference(lambda o: {"enterprise_id": o["enterprise"], "name": "外来仓库", "kind": "warehouse",
                                           "lon": 120.45, "lat": 31.62}, {"enterprise_id": "enterprise"})],
    "/api/v1/vehicles": [Reference(lambda o: {"carrier_id": o["enterprise"], "plate": valid_plate(), "kind": "tank",
                                              "hazard_classes": ["3"], "rated_load_kg": "31000",
                                              "tank_media": ["1230"]}, {"carrier_id": "enterprise"})],
    "/api/v1/personnel": [Reference(lambda o: {"employer_id": o["enterprise"], "role": "driver", "name": "外来司机",
                                               "certificate_number": "320205000999",
                                               "national_id": valid_national_id(random.Random(7)),
                                               "qualification_classes": ["3"], "valid_until": "2030-01-31"},
                                    {"employer_id": "enterprise"})],
}
#: Creates an enterprise may call that name no stored record, each with the reason.
NO_REFERENCES = {"/api/v1/hazard/compute": "a computation over the units in its body, nothing stored or read"}


def put(body: dict[str, Any], dotted: str, value: str) -> dict[str, Any]:
    """A deep copy of *body* with *value* at the dotted path (list items by their index)."""
    body = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = value
    return body


def problem(response: Any, named: str) -> dict[str, Any]:
    """The problem document of a refusal without what differs between requests (its id) or names the record
    asked for; its media type beside."""
    document = {key: value for key, value in response.get_json().items() if key not in ("instance", "request_id")}
    return {**json.loads(json.dumps(document).replace(named, "<named>")), "mimetype": response.mimetype}


def test_every_create_is_walked(app: Flask) -> None:
    creates = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/") and not rule.arguments
               and "POST" in rule.methods and Role.ENTERPRISE in (policy(app, rule, "POST") or ())}
    assert creates == set(REFERENCES) | set(NO_REFERENCES)


def test_no_create_names_another_enterprises_record(app: Flask, client: FlaskClient, session: Session,
                                                    world: World) -> None:
    headers = auth(world.outsider_token)
    before, failures = snapshot(session), []
    for url, references in REFERENCES.items():
        for reference in references:
            body = reference.body(world.own)
            for dotted, kind in reference.swaps.items():
                made_up = made_up_value(kind)
                unknown = problem(client.post(url, json=put(body, dotted, made_up), headers=headers), made_up)
                for theirs in world.ids[kind]:
                    answer = problem(client.post(url, json=put(body, dotted, theirs), headers=headers), theirs)
                    if answer["status"] not in (404, 422) or answer != unknown:
                        failures.append((url, dotted, theirs, answer, unknown))
    assert failures == [], "\n".join(map(str, failures))
    assert changed(before, snapshot(session)) == {}
    for url, references in REFERENCES.items():  # the same bodies with the outsider's own records are accepted
        for reference in (r for r in references if r.control):
            response = client.post(url, json=reference.body(world.own), headers=headers)
            assert response.status_code in (200, 201), (url, response.get_json())


#: The pages' forms that create, as :data:`REFERENCES` (their form fields are the API's fields).
PAGE_REFERENCES: dict[str, list[Reference]] = {
    "/firm/batches/new": [Reference(lambda o: {**REFERENCES["/api/v1/batches"][0].body(o), "code": "OUT-LOT-3"},
                                    {"site_id": "site"})],
    "/firm/movements/new": REFERENCES["/api/v1/movements"][:-1],  # the form posts no transformation
}
#: The other forms that create, each with the reason the walk leaves it out.
PAGE_CREATES_NOT_WALKED = {
    "/firm/consignments/new": "lines in numbered form rows; the same service as POST /api/v1/consignments",
    "/firm/waybills/new": "vehicle and crew by plate and certificate at the chosen carrier; the same service as "
                          "POST /api/v1/waybills",
    "/waste/manifests/new": "lines in numbered form rows; the same service as POST /api/v1/waste-manifests",
    "/registry/<any(vehicles, personnel, enterprises, permits):kind>/new": (
        "registers for the firm itself only (no owner field); the same service as POST /api/v1/<kind>"),
    "/admin/users": "administrators only", "/admin/catalogue": "administrators only",
    "/login": "public", "/logout": "public", "/language": "public",
}


def test_every_page_create_is_walked(app: Flask) -> None:
    creates = {rule.rule for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")
               and "POST" in rule.methods and all(isinstance(c, AnyConverter) for c in rule._converters.values())}
    assert creates == set(PAGE_REFERENCES) | set(PAGE_CREATES_NOT_WALKED)


def test_no_page_form_names_another_enterprises_record(signed_in: FlaskClient, session: Session,
                                                       world: World) -> None:
    page = signed_in.get("/firm").get_data(as_text=True)
    token = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1]}
    before, failures = snapshot(session), []
    for url, references in PAGE_REFERENCES.items():
        for reference in references:
            body = {**reference.body(world.own), **token}
            for dotted, kind in reference.swaps.items():
                unknown = signed_in.post(url, data=put(body, dotted, made_up_value(kind)))
                for theirs in world.ids[kind]:
                    response = signed_in.post(url, data=put(body, dotted, theirs))
                    found = reads.leaked(response.get_data(as_text=True), world, sent={"": theirs},
                                         directory=url in reads.DIRECTORY)
                    if response.status_code != unknown.status_code or response.status_code != 422 or found:
                        failures.append((url, dotted, theirs, response.status_code, unknown.status_code, found))
    assert failures == [], "\n".join(map(str, failures))
    assert changed(before, snapshot(session)) == {}
    for url, references in PAGE_REFERENCES.items():
        for reference in references:
            response = signed_in.post(url, data={**reference.body(world.own), **token})
            assert response.status_code == 302, (url, response.get_data(as_text=True)[:500])
