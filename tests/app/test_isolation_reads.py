"""No enterprise reads another's records, on any route (trust first: "every endpoint authorises by role and
enterprise").

The tests walk ``app.url_map`` instead of naming endpoints: every GET route of the API and of the pages is called
as an outsider enterprise (a party of none of the demo's records) with the demo firms' ids filled into its path,
and every list is read with no filter and with each query parameter that names a record set to theirs. A route
added later is walked too; one the walk cannot fill fails :func:`test_every_route_with_parameters_is_walked`
until it is given a kind or listed in :data:`NOT_WALKED` with the reason.
"""
from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from app.auth import POLICY_ATTR
from models import (
    Consignment, Enterprise, PendingTransfer, Permit, Person, Role, Site, User, Vehicle, WasteManifest, Waybill,
)
from tests.app.isolation_world import PASSWORD, World, build_world
from tests.factories import auth

API = "/api/v1/"
#: A path parameter's name -> the kind of record it names (``record_id``: the kind of its registry, below).
PARAMETER_KINDS = {
    "waybill_id": "waybill", "alert_id": "alert", "consignment_id": "consignment", "incident_id": "incident",
    "transfer_id": "transfer", "manifest_id": "manifest", "entry_id": "entry", "code": "batch",
    "terminal_id": "terminal", "user_id": "user", "approval_id": "waste_approval",
}
#: ``/api/v1/<registry>/<record_id>`` -> the kind of record; None: shared reference data every role reads.
REGISTRY_KINDS = {"sites": "site", "vehicles": "vehicle", "personnel": "person", "permits": "permit",
                  "enterprises": "enterprise", "chemicals": None, "corridors": None, "zones": None}
#: A list's query parameter that names a record -> the kind of record.
QUERY_KINDS = {"enterprise": "enterprise", "holder": "enterprise", "producer_id": "enterprise", "party": "enterprise",
               "batch": "batch", "code_prefix": "batch", "account_id": "account", "waybill": "waybill",
               "site": "site", "number": "waybill_number"}
#: Routes the walk does not call, each with the reason. A new route with path parameters must be walked or named.
NOT_WALKED = {
    "/api/docs/assets/<path:filename>": "public static files of the API docs",
    "/static/<path:filename>": "public static files of the pages",
    "/docs/<path:name>": "public documentation pages",
}
#: Lists every role reads in full by design, so they may name the demo firms: what they may show of them.
DIRECTORY = {
    "/api/v1/counterparties": "the directory of active enterprises and their active sites (names, USCC, roles) "
                              "that a shipper needs to name its consignee and carrier: nothing private",
    "/firm/waybills/new": "the waybill form offers the directory (consignees, carriers, their unloading sites)",
    "/firm/consignments/new": "the consignment form offers the directory (consignees, carriers, their sites)",
    "/waste/manifests/new": "the manifest form offers the directory (carriers, disposers and their sites)",
    "/firm/movements/new": "the movement form offers the directory's sites to transfer into",
}
#: Texts of the demo that a page shows as static text, not as a record: each with where and why.
STATIC_TEXTS = {"苏B12345": "the waybill form's example plate (waybill_form.html) happens to be the demo tanker's"}


def policy(app: Flask, rule: Rule, method: str) -> Any:
    """The roles (or "public") the view of *rule* declares for *method*, or None when it declares none."""
    view = app.view_functions[rule.endpoint]
    view_class = getattr(view, "view_class", None)
    target = getattr(view_class, method.lower(), None) if view_class else view
    return getattr(target, POLICY_ATTR, None)


def kind_of(rule: Rule, name: str) -> str | None:
    """The kind of record the path parameter *name* of *rule* names (KeyError: the walk cannot fill it)."""
    if name == "record_id":
        return REGISTRY_KINDS[rule.rule.removeprefix(API).split("/")[0]]
    return PARAMETER_KINDS[name]


def fillings(rule: Rule, world: World) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Every way to fill *rule*'s path with the demo firms' records, each with the same path filled with made-up
    records of the same kinds; nothing for a route of shared reference records."""
    choices: dict[str, list[tuple[str, str]]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = [(item, item) for item in sorted(converter.items)]
            continue
        kind = kind_of(rule, name)
        if kind is None:
            return
        choices[name] = [(value, made_up_value(kind)) for value in world.ids[kind]]
    for pairs in itertools.product(*choices.values()):
        yield ({name: real for name, (real, _) in zip(choices, pairs)},
               {name: fake for name, (_, fake) in zip(choices, pairs)})


def made_up_value(kind: str) -> str:
    return {"batch": "NO-SUCH-BATCH", "terminal": "019999999999", "waybill_number": "YD20000101-000000",
            "uscc": "91320200MA0000000D"}.get(
        kind, str(uuid.uuid4()))


def read(client: FlaskClient, url: str, headers: dict[str, str] | None = None,
         follow_redirects: bool = False) -> tuple[Any, str]:
    """GET *url*: the response and its whole body (read at once: a stream must end before the next request)."""
    response = client.get(url, headers=headers, follow_redirects=follow_redirects)
    return response, response.get_data(as_text=True)


def path(rule: Rule, values: dict[str, str]) -> str:
    return rule.build(values, append_unknown=False)[1]


def routes(app: Flask, method: str, *, api: bool, with_parameters: bool) -> list[Rule]:
    found = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.rule in NOT_WALKED or rule.rule.startswith(API) != api:
            continue
        names_records = any(not isinstance(c, AnyConverter) for c in rule._converters.values())
        if names_records == with_parameters and policy(app, rule, method) not in (None, "public"):
            found.append(rule)
    return sorted(found, key=lambda r: r.rule)


def leaked(body: str, world: World, *, sent: dict[str, str], directory: bool = False) -> set[str]:
    """The demo firms' texts in *body*, apart from what the request itself named (a 404 repeats the id asked
    for) and, on a directory, what the directory shows of every enterprise."""
    allowed = set(sent.values()) | set(STATIC_TEXTS)
    if directory:
        allowed |= world.directory_texts
    return {secret for secret in world.secrets - allowed if secret in body}


@pytest.fixture(scope="module")
def built_world(engine: Engine) -> Iterator[tuple[Connection, World]]:
    """The world, built once per module and backend (it is the demo and more: seconds to build) in a
    transaction that is rolled back after the module's last test."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as session:
            world = build_world(session)
            session.commit()
        yield conn, world
        outer.rollback()


@pytest.fixture
def connection(built_world: tuple[Connection, World]) -> Iterator[Connection]:
    """The connection of the built world; what a test writes is in a savepoint rolled back after it, so each
    test finds the world as it was built."""
    conn, _ = built_world
    savepoint = conn.begin_nested()
    yield conn
    savepoint.rollback()


@pytest.fixture
def world(built_world: tuple[Connection, World], app: Flask) -> World:
    app.config.update(ALERT_STREAM_POLL_S=0.02, ALERT_STREAM_HEARTBEAT_S=0.1, ALERT_STREAM_LIFETIME_S=0.3)
    return built_world[1]


def expected_status(app: Flask, rule: Rule, method: str) -> int:
    """404 where an enterprise may call the route (a record it may not know of does not exist for it); 403 where
    its role may not call it at all (the same for every id, so it tells nothing)."""
    roles = policy(app, rule, method)
    return 404 if Role.ENTERPRISE in roles else 403


def test_every_route_with_parameters_is_walked(app: Flask) -> None:
    unfillable = []
    for rule in app.url_map.iter_rules():
        if rule.rule in NOT_WALKED or not rule.arguments:
            continue
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                continue
            try:
                kind_of(rule, name)
            except KeyError:
                unfillable.append((rule.rule, name))
    assert unfillable == []


def test_no_api_record_of_another_enterprise_is_read(app: Flask, client: FlaskClient, world: World) -> None:
    headers = auth(world.outsider_token)
    failures = []
    for rule in routes(app, "GET", api=True, with_parameters=True):
        expected = expected_status(app, rule, "GET")
        for values, made_up in fillings(rule, world):
            response, body = read(client, path(rule, values), headers)
            unknown, _ = read(client, path(rule, made_up), headers)
            if (response.status_code, unknown.status_code) != (expected, expected):
                failures.append((path(rule, values), response.status_code, unknown.status_code))
            elif response.get_json()["code"] != unknown.get_json()["code"] or leaked(body, world, sent=values):
                failures.append((path(rule, values), leaked(body, world, sent=values), body[:300]))
    assert failures == [], "\n".join(map(str, failures))


def list_queries(client: FlaskClient, rule: Rule, world: World) -> Iterator[tuple[str, str]]:
    """The list *rule* unfiltered, then filtered by each of its record-naming query parameters set to each of the
    demo firms' records: (query with their record, the same query with a made-up record)."""
    operation = client.get(f"{API}openapi.json").get_json()["paths"].get(rule.rule, {}).get("get", {})
    parameters = operation.get("parameters", [])
    # A stream replays from the start of its feed (and ends soon: the fixture shortens its life).
    yield ("?after=0", "?after=0") if any(p["name"] == "after" for p in parameters) else ("", "")
    for parameter in parameters:
        kind = QUERY_KINDS.get(parameter["name"]) if parameter["in"] == "query" else None
        for value in world.ids[kind] if kind else ():
            yield f"?{parameter['name']}={value}", f"?{parameter['name']}={made_up_value(kind)}"


def test_no_list_shows_another_enterprises_records(app: Flask, client: FlaskClient, world: World) -> None:
    headers = auth(world.outsider_token)
    failures = []
    for rule in routes(app, "GET", api=True, with_parameters=False):
        expected = expected_status(app, rule, "GET")
        for query, made_up in list_queries(client, rule, world):
            response, body = read(client, rule.rule + query, headers)
            unknown, _ = read(client, rule.rule + made_up, headers)
            found = leaked(body, world, sent={"query": query.partition("=")[2]}, directory=rule.rule in DIRECTORY)
            if response.status_code != unknown.status_code or response.status_code not in (200, expected, 422):
                failures.append((rule.rule + query, response.status_code, unknown.status_code))
            elif found:
                failures.append((rule.rule + query, found))
    assert failures == [], "\n".join(map(str, failures))


@pytest.fixture
def signed_in(client: FlaskClient, world: World) -> FlaskClient:
    """The test client signed in to the pages as the outsider's user."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    reply = client.post("/login", data={"name": world.outsider_user.name, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302
    return client


def test_no_page_of_another_enterprises_record_opens(app: Flask, signed_in: FlaskClient, world: World) -> None:
    failures = []
    for rule in routes(app, "GET", api=False, with_parameters=True):
        expected = expected_status(app, rule, "GET")
        for values, made_up in fillings(rule, world):
            (response, body), (unknown, _) = read(signed_in, path(rule, values)), read(signed_in, path(rule, made_up))
            if (response.status_code, unknown.status_code) != (expected, expected):
                failures.append((path(rule, values), response.status_code, unknown.status_code))
            elif leaked(body, world, sent=values):
                failures.append((path(rule, values), leaked(body, world, sent=values)))
    assert failures == [], "\n".join(map(str, failures))


def test_no_page_lists_another_enterprises_records(app: Flask, signed_in: FlaskClient, world: World) -> None:
    failures = []
    # The pages' filters are not in the OpenAPI document: each page gets every record-naming parameter, set to a
    # record of the demo firms of the kind it names (one: a filter that shows it shows any) and to a made-up one.
    queries = [("", "")] + [(f"?{name}={world.ids[kind][0]}", f"?{name}={made_up_value(kind)}")
                            for name, kind in QUERY_KINDS.items()]
    for rule in routes(app, "GET", api=False, with_parameters=False):
        stream = rule.rule.endswith("/stream")  # replayed from the start of its feed, with no filter
        for (values, _), (query, made_up) in itertools.product(fillings(rule, world), queries[:1 if stream else None]):
            url = path(rule, values) + ("?after=0" if stream else query)
            response, body = read(signed_in, url, follow_redirects=True)
            unknown, _ = read(signed_in, path(rule, values) + ("?after=0" if stream else made_up),
                              follow_redirects=True)
            found = leaked(body, world, sent={"query": query.partition("=")[2]}, directory=rule.rule in DIRECTORY)
            # 403: a page of the firm's role that its kind of firm may not open (an enterprise registers no permits);
            # 422: a filter naming no record the firm may know, as a made-up one does
            if response.status_code not in (200, 403, 422) or response.status_code != unknown.status_code or found:
                failures.append((url, response.status_code, found))
    assert failures == [], "\n".join(map(str, failures))


#: A record read by its id -> who its parties are: the enterprises that see it (every other firm gets 404).
PARTIES = {
    "waybills": (Waybill, lambda r: {r.shipper_id, r.consignee_id, r.carrier_id}),
    "consignments": (Consignment, lambda r: {r.shipper_id, r.consignee_id, r.carrier_id}),
    "transfers": (PendingTransfer, lambda r: {r.sender_id, r.receiver_id}),
    "waste-manifests": (WasteManifest, lambda r: {r.generator_id, r.carrier_id, r.disposer_id}),
    "sites": (Site, lambda r: {r.enterprise_id}), "vehicles": (Vehicle, lambda r: {r.carrier_id}),
    "personnel": (Person, lambda r: {r.employer_id}), "permits": (Permit, lambda r: {r.holder_id}),
    "enterprises": (Enterprise, lambda r: {r.id}),
}


def test_each_demo_firm_reads_exactly_the_records_it_is_a_party_of(
        client: FlaskClient, session: Session, world: World) -> None:
    """The other roles that must not see a record: each of the demo's firms, which share some records (a waybill
    of the shipper, the carrier and the consignee) and not others."""
    demo_firms = select(User.enterprise_id, User.name).where(User.role == Role.ENTERPRISE, User.name.like("demo-%"))
    firms = session.execute(demo_firms).all()
    assert len(firms) == 4
    wrong = []
    for enterprise_id, name in firms:
        headers = auth(world.story["tokens"][name.removeprefix("demo-")])
        for collection, (model, parties) in PARTIES.items():
            for record in session.scalars(select(model)):
                status = client.get(f"{API}{collection}/{record.id}", headers=headers).status_code
                if status != (200 if enterprise_id in parties(record) else 404):
                    wrong.append((name, collection, str(record.id), status))
    assert wrong == [], "\n".join(map(str, wrong))
