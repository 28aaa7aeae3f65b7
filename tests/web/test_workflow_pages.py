"""The workflow pages through Flask's test client, on SQLite and PostgreSQL: each action is the API's (its
roles, schema and service), CSRF-protected, offered only to the party that may take it, 404 for a record the
user may not know, and its errors shown beside its fields without changing anything."""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.waybills.schemas import WaybillIn
from app.services.alerts import raise_alert
from app.services.users import set_password
from app.services.waybills import service
from models import AlertKind, AlertState, Department, Role, Severity, User, Waybill, WaybillStatus
from models.types import utcnow
from tests.app.waste.conftest import WASTE, WasteWorld, waste_world  # noqa: F401 (the fixture)
from tests.app.waybills.conftest import Trip, build_trip
from tests.factories import make_enterprise, make_user, valid_national_id
from tests.web.test_pages import PASSWORD, csrf, sign_in


@pytest.fixture
def trip(session: Session) -> Trip:
    return build_trip(session)


@pytest.fixture
def person(session: Session) -> Callable[..., User]:
    def make(role: Role = Role.SUPERVISOR, department: Department | None = None, **kwargs: object) -> User:
        user, _ = make_user(session, role, **kwargs)
        if department is not None:
            user.department = department
        set_password(session, user, PASSWORD)  # (commits)
        return user

    return make


def _issued(session: Session, trip: Trip, person: Callable[..., User]) -> tuple[Waybill, User, User]:
    """An issued waybill of the trip, and users of its shipper and carrier."""
    shipper = person(Role.ENTERPRISE, enterprise=trip.shipper)
    carrier = person(Role.ENTERPRISE, enterprise=trip.carrier)
    waybill = service.create_draft(session, shipper, WaybillIn().load(trip.draft()))
    service.submit(session, shipper, waybill.id)
    return waybill, shipper, carrier


def _buttons(page: str) -> set[str]:
    return set(re.findall(r'id="(\w+)-button"', page))


def test_the_waybill_page_offers_each_party_only_its_own_actions(
        app: Flask, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    waybill, shipper, carrier = _issued(session, trip, person)
    url = f"/waybills/{waybill.id}"
    for user, offered in ((carrier, {"depart", "cancel"}), (shipper, {"cancel"}),
                          (person(Role.ENTERPRISE, enterprise=trip.consignee), set()),
                          (person(Role.SUPERVISOR), {"reject"}), (person(Role.AUDITOR), set())):
        client = app.test_client()  # a browser of its own
        sign_in(client, user)
        assert _buttons(client.get(url).get_data(as_text=True)) == offered, user.role


def test_an_action_needs_the_sessions_csrf_token_and_the_apis_role(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    waybill, _, carrier = _issued(session, trip, person)
    sign_in(client, carrier)
    assert client.post(f"/waybills/{waybill.id}/depart").status_code == 400
    assert client.post(f"/waybills/{waybill.id}/approve", data={"csrf_token": csrf(client, "/waybills"),
                                                                "pass_number": "X-1"}).status_code == 403
    session.refresh(waybill)
    assert waybill.status is WaybillStatus.ISSUED


def test_another_firms_waybill_is_not_found_and_not_changed(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    waybill, _, _ = _issued(session, trip, person)
    sign_in(client, person(Role.ENTERPRISE, enterprise=make_enterprise(session)))
    reply = client.post(f"/waybills/{waybill.id}/cancel", data={"csrf_token": csrf(client, "/waybills"),
                                                                "reason": "not mine"})
    assert reply.status_code == 404
    session.refresh(waybill)
    assert waybill.status is WaybillStatus.ISSUED


def test_the_shipper_may_not_depart_and_is_told_so_beside_the_action(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    waybill, shipper, _ = _issued(session, trip, person)
    sign_in(client, shipper)
    reply = client.post(f"/waybills/{waybill.id}/depart", data={"csrf_token": csrf(client, "/waybills")})
    assert reply.status_code == 403  # the service's refusal: only the carrier departs


def test_a_stale_row_version_is_refused_and_changes_nothing(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    waybill, _, carrier = _issued(session, trip, person)
    sign_in(client, carrier)
    reply = client.post(f"/waybills/{waybill.id}/cancel", data={
        "csrf_token": csrf(client, "/waybills"), "reason": "late", "row_version": waybill.row_version - 1})
    assert reply.status_code == 422 and 'id="cancel-errors"' in reply.get_data(as_text=True)
    session.refresh(waybill)
    assert waybill.status is WaybillStatus.ISSUED


def test_a_pass_is_granted_only_by_public_security_with_its_number(
        app: Flask, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    trip.chemical.highly_toxic = True  # 剧毒: the waybill awaits its pass
    session.commit()
    waybill, _, _ = _issued(session, trip, person)
    assert waybill.status is WaybillStatus.AWAITING_PASS
    url = f"/waybills/{waybill.id}"
    client = app.test_client()
    sign_in(client, person(Role.SUPERVISOR, department=Department.TRANSPORT))
    assert _buttons(client.get(url).get_data(as_text=True)) == {"reject"}
    client = app.test_client()
    sign_in(client, person(Role.SUPERVISOR, department=Department.PUBLIC_SECURITY))
    assert _buttons(client.get(url).get_data(as_text=True)) == {"approve", "reject"}
    refused = client.post(f"{url}/approve", data={"csrf_token": csrf(client, url)})
    assert refused.status_code == 422
    assert re.search(r'id="approve-pass_number-error">核发通行证时必填<', refused.get_data(as_text=True))
    granted = client.post(f"{url}/approve", data={"csrf_token": csrf(client, url), "pass_number": "锡公通字第1号"})
    assert granted.status_code == 302
    session.refresh(waybill)
    assert waybill.status is WaybillStatus.ISSUED and waybill.pass_number == "锡公通字第1号"


def test_a_supervisor_closes_an_alert_with_a_note_on_its_page(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    alert, _ = raise_alert(session, key="k-close", kind=AlertKind.DEVIATION, severity=Severity.HIGH,
                           title="off route", started_at=utcnow())
    session.commit()
    sign_in(client, person(Role.SUPERVISOR))
    page = f"/alerts/{alert.id}"
    assert 'id="close-alert"' in client.get(page).get_data(as_text=True)
    too_long = client.post(f"{page}/close", data={"csrf_token": csrf(client, page), "note": "x" * 501})
    assert too_long.status_code == 422 and 'id="note-error"' in too_long.get_data(as_text=True)
    session.refresh(alert)
    assert alert.state is AlertState.OPEN
    assert client.post(f"{page}/close", data={"csrf_token": csrf(client, page), "note": "处置完毕",
                                              "next": page}).location == page
    session.refresh(alert)
    assert alert.state is AlertState.CLOSED and alert.note == "处置完毕"


def test_an_enterprise_reads_only_its_alerts_and_may_not_close_them(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    firm, other = make_enterprise(session), make_enterprise(session)
    mine, _ = raise_alert(session, key="k-mine", kind=AlertKind.STOP, severity=Severity.LOW, title="stop",
                          started_at=utcnow(), enterprise_id=firm.id)
    theirs, _ = raise_alert(session, key="k-theirs", kind=AlertKind.STOP, severity=Severity.LOW, title="stop",
                            started_at=utcnow(), enterprise_id=other.id)
    session.commit()
    sign_in(client, person(Role.ENTERPRISE, enterprise=firm))
    assert 'id="close-alert"' not in client.get(f"/alerts/{mine.id}").get_data(as_text=True)
    assert client.get(f"/alerts/{theirs.id}").status_code == 404
    assert client.post(f"/alerts/{mine.id}/close", data={"csrf_token": csrf(client, "/waybills")}).status_code == 403


def test_a_waste_manifest_of_others_is_not_found(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ENTERPRISE, enterprise=make_enterprise(session)))
    assert client.get("/waste/manifests").status_code == 200
    missing = "00000000-0000-0000-0000-000000000001"
    assert client.get(f"/waste/manifests/{missing}").status_code == 404
    assert client.post(f"/waste/manifests/{missing}/receive",
                       data={"csrf_token": csrf(client, "/waybills")}).status_code == 404


def test_a_refused_manifest_form_shows_the_schemas_errors_and_writes_nothing(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ENTERPRISE, enterprise=make_enterprise(session)))
    reply = client.post("/waste/manifests/new", data={"csrf_token": csrf(client, "/waste/manifests/new"),
                                                      "disposal_method": "X99", "lines.0.quantity_kg": "-1"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    for field in ("carrier_id", "disposer_id", "disposer_site_id", "disposal_method", "lines.0.quantity_kg"):
        assert f'id="{field}-error"' in page, field


def test_the_registry_pages_search_with_the_apis_filters_and_flag_what_expires(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    trip.tanker.inspection_valid_until = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    sign_in(client, person(Role.SUPERVISOR))
    page = client.get("/registry/vehicles").get_data(as_text=True)
    assert trip.tanker.plate in page and 'data-validity="expired"' in page
    found = client.get(f"/registry?q={trip.carrier.name[:4]}").get_data(as_text=True)
    assert trip.carrier.name in found and trip.consignee.name not in found
    assert client.get("/registry/permits?valid_on=not-a-date").status_code == 422


def test_an_enterprise_sees_only_its_own_fleet_and_crew(
        app: Flask, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    client = app.test_client()
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.shipper))
    assert trip.tanker.plate not in client.get("/registry/vehicles").get_data(as_text=True)
    client = app.test_client()
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.carrier))
    page = client.get("/registry/personnel").get_data(as_text=True)
    assert trip.driver.certificate_number in page and trip.escort.certificate_number in page


def test_the_permit_question_is_answered_from_the_registry(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.SUPERVISOR))
    today = dt.date.today().isoformat()
    allowed = client.get(f"/registry/permit-check?enterprise={trip.carrier.id}&activity=transport"
                         f"&chemical={trip.chemical.id}&date={today}").get_data(as_text=True)
    assert 'data-allowed="yes"' in allowed
    refused = client.get(f"/registry/permit-check?enterprise={trip.consignee.id}&activity=produce"
                         f"&chemical={trip.chemical.id}&date={today}").get_data(as_text=True)
    assert 'data-allowed="no"' in refused
    assert client.get(f"/registry/permit-check?enterprise={trip.carrier.id}&activity=fly").status_code == 422


def test_an_enterprise_asks_the_permit_question_only_about_itself(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.shipper))
    reply = client.get(f"/registry/permit-check?enterprise={trip.carrier.id}&activity=transport"
                       f"&chemical={trip.chemical.id}&date=2026-01-01")
    assert reply.status_code == 404


def test_a_carrier_registers_a_driver_of_its_own_through_the_apis_schema(
        client: FlaskClient, session: Session, trip: Trip, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.carrier))
    form = "/registry/personnel/new"
    refused = client.post(form, data={"csrf_token": csrf(client, form), "role": "driver", "name": "孙磊",
                                      "certificate_number": "32028100099999", "national_id": "12345",
                                      "qualification_classes": "3, 8", "valid_until": "2030-01-01"})
    assert refused.status_code == 422 and 'id="national_id-error"' in refused.get_data(as_text=True)
    made = client.post(form, data={"csrf_token": csrf(client, form), "role": "driver", "name": "孙磊",
                                   "certificate_number": "32028100099999", "national_id": valid_national_id(),
                                   "qualification_classes": "3, 8", "valid_until": "2030-01-01"})
    assert made.status_code == 302
    listed = client.get("/registry/personnel").get_data(as_text=True)
    assert "32028100099999" in listed and "3, 8" in listed


def test_an_administrator_registers_an_enterprise_and_its_permit(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ADMIN))
    form = "/registry/enterprises/new"
    bad = client.post(form, data={"csrf_token": csrf(client, form), "name": "无锡测试危废处置", "uscc": "123"})
    assert bad.status_code == 422 and 'id="uscc-error"' in bad.get_data(as_text=True)
    uscc = make_enterprise(session).uscc  # a valid code, then its enterprise renamed away
    made = client.post(form, data={"csrf_token": csrf(client, form), "name": "无锡测试危废处置", "uscc": uscc,
                                   "roles": ["waste_disposer", "storage"]})
    assert made.status_code == 422  # the code is taken: the registry's own check, beside the field
    assert 'id="uscc-error"' in made.get_data(as_text=True)
    firm = make_enterprise(session)
    form = "/registry/permits/new"
    granted = client.post(form, data={"csrf_token": csrf(client, form), "holder_id": str(firm.id),
                                      "kind": "hazardous_waste_operation", "number": "JSWX-T-1",
                                      "hazard_classes": "3, 9", "waste_categories": "HW08",
                                      "disposal_methods": "D10", "valid_from": "2026-01-01",
                                      "valid_to": "2028-12-31"})
    assert granted.status_code == 302
    assert "JSWX-T-1" in client.get(f"/registry/permits?enterprise={firm.id}").get_data(as_text=True)


def test_an_enterprise_may_not_register_enterprises_or_permits(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ENTERPRISE))
    assert client.get("/registry/permits/new").status_code == 403
    assert client.get("/registry/vehicles/new").status_code == 200


def test_an_administrator_creates_a_user_and_sets_a_password(
        app: Flask, client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ADMIN))
    page = "/admin/users"
    short = client.post(page, data={"csrf_token": csrf(client, page), "name": "wx-police-1", "role": "supervisor",
                                    "department": "public_security", "password": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.get_data(as_text=True)
    assert session.scalar(select(User).where(User.name == "wx-police-1")) is None  # nothing written
    no_department = client.post(page, data={"csrf_token": csrf(client, page), "name": "wx-police-1",
                                            "role": "supervisor", "password": PASSWORD})
    assert no_department.status_code == 422 and 'id="department-error"' in no_department.get_data(as_text=True)
    made = client.post(page, data={"csrf_token": csrf(client, page), "name": "wx-police-1", "role": "supervisor",
                                   "department": "public_security", "password": PASSWORD})
    assert made.status_code == 302
    police = session.scalars(select(User).where(User.name == "wx-police-1")).one()
    assert police.department is Department.PUBLIC_SECURITY
    other = app.test_client()
    assert sign_in(other, police).status_code == 302
    client.post(f"{page}/{police.id}/password", data={"csrf_token": csrf(client, page),
                                                      "password": "another good password"})
    assert other.get("/dashboard").status_code == 302  # signed out: the old password's session ended


def test_only_an_administrator_manages_users(client: FlaskClient, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.SUPERVISOR))
    assert client.get("/admin/users").status_code == 403


def test_an_administrator_imports_a_catalogue_and_reads_its_report(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.ADMIN))
    page = "/admin/catalogue"
    text = "un_number,class,name_en\n1230,3,METHANOL\n9999,99,NOT A CLASS\n"
    reply = client.post(page, data={"csrf_token": csrf(client, page), "source": "web-test",
                                    "file": (io.BytesIO(text.encode()), "list.csv")},
                        content_type="multipart/form-data")
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert re.search(r'id="report-rows">2<', body) and re.search(r'id="report-rejected">1<', body)
    again = client.post(page, data={"csrf_token": csrf(client, page), "source": "web-test",
                                    "file": (io.BytesIO(text.encode()), "list.csv")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r'id="report-created">0<', again)  # the same file again changes nothing
    unusable = client.post(page, data={"csrf_token": csrf(client, page),
                                       "file": (io.BytesIO(b"a,b\n1,2\n"), "bad.csv")},
                           content_type="multipart/form-data")
    assert unusable.status_code == 422 and 'id="file-error"' in unusable.get_data(as_text=True)


def test_the_carrier_refuses_carriage_and_the_disposer_a_transfer_with_their_reasons(
        app: Flask, session: Session, waste_world: WasteWorld, person: Callable[..., User]) -> None:  # noqa: F811
    world = waste_world
    world.generate()
    first = world.manifest().get_json()["id"]
    second = world.manifest(lines=[{"batch": WASTE, "quantity_kg": "500"}]).get_json()["id"]
    carrier = app.test_client()
    sign_in(carrier, person(Role.ENTERPRISE, enterprise=world.trip.carrier))
    page = f"/waste/manifests/{first}"
    assert 'id="carrier-check-refuse"' in carrier.get(page).get_data(as_text=True)
    silent = carrier.post(f"{page}/carrier-check", data={"csrf_token": csrf(carrier, page), "matches": "false"})
    assert silent.status_code == 422
    assert re.search(r'id="note-error">拒绝运输时必填<', silent.get_data(as_text=True))
    refused = carrier.post(f"{page}/carrier-check", data={"csrf_token": csrf(carrier, page), "matches": "false",
                                                          "note": "桶身破损"})
    assert refused.status_code == 302
    disposer = app.test_client()
    sign_in(disposer, person(Role.ENTERPRISE, enterprise=world.trip.consignee))
    page = f"/waste/manifests/{second}"
    assert disposer.post(f"{page}/reject", data={"csrf_token": csrf(disposer, page)}).status_code == 422
    assert disposer.post(f"{page}/reject", data={"csrf_token": csrf(disposer, page),
                                                 "reason": "超出经营许可范围"}).status_code == 302
    for manifest_id in (first, second):
        assert world.call("get", f"waste-manifests/{manifest_id}").get_json()["status"] == "rejected"
