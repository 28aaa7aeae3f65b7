"""The pages through Flask's test client: sign-in, CSRF, role refusals, scoping, the alert stream, the
language of the pages. Quick, and run on SQLite and PostgreSQL alike."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import has_policy
from app.services.alerts import raise_alert
from app.services.ledger import lifecycle
from app.services.ledger.posting import Actor
from app.services.users import set_password
from app.services import web_sessions
from app.web.auth import MAX_FAILURES
from models import AlertKind, EntryKind, LedgerEntry, PendingTransfer, PermitKind, Role, Severity, TransferStatus, User
from models.types import utcnow
from tests.app.ledger.conftest import grant_permits
from tests.app.waybills.conftest import build_trip, waybill_in_transit
from tests.factories import make_enterprise, make_user

PASSWORD = "correct horse battery"
WEB = Path(__file__).resolve().parents[2] / "app" / "web"


@pytest.fixture
def person(session: Session) -> Callable[..., User]:
    def make(role: Role = Role.SUPERVISOR, **kwargs: object) -> User:
        user, _ = make_user(session, role, **kwargs)
        set_password(session, user, PASSWORD)
        return user

    return make


def csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD):
    return client.post("/login", data={"name": user.name, "password": password, "csrf_token": csrf(client)})


def test_signing_in_lands_on_the_roles_first_page_and_signing_out_ends_the_session(
        client: FlaskClient, person: Callable[..., User]) -> None:
    reply = sign_in(client, person(Role.SUPERVISOR))
    assert reply.status_code == 302 and reply.location == "/dashboard"
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client, "/dashboard")}).status_code == 302
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize("role, home", [(Role.ADMIN, "/dashboard"), (Role.AUDITOR, "/trace"),
                                        (Role.ENTERPRISE, "/firm")])
def test_each_role_lands_on_the_page_of_its_work(client: FlaskClient, person: Callable[..., User], role: Role,
                                                 home: str) -> None:
    assert sign_in(client, person(role)).location == home
    assert client.get("/").location == home


def test_a_post_without_the_sessions_csrf_token_is_refused(client: FlaskClient, person: Callable[..., User],
                                                           session: Session) -> None:
    user = person(Role.SUPERVISOR)
    assert client.post("/login", data={"name": user.name, "password": PASSWORD}).status_code == 400
    assert client.post("/login", data={"name": user.name, "password": PASSWORD,
                                       "csrf_token": "forged"}).status_code == 400
    sign_in(client, user)
    alert, _ = raise_alert(session, key="k1", kind=AlertKind.DEVIATION, severity=Severity.HIGH, title="off route",
                           started_at=utcnow())
    session.commit()
    url = f"/alerts/{alert.id}/acknowledge"
    assert client.post(url, data={"note": "x"}).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    session.refresh(alert)
    assert alert.state.value == "open"
    assert client.post(url, data={"csrf_token": csrf(client, "/dashboard")}).status_code == 302
    session.refresh(alert)
    assert alert.state.value == "acknowledged" and alert.acknowledged_by == user.id


def test_a_failed_sign_in_does_not_say_which_part_was_wrong_and_is_throttled(
        client: FlaskClient, person: Callable[..., User], session: Session) -> None:
    user = person(Role.AUDITOR)
    wrong = sign_in(client, user, "not the password")
    unknown = client.post("/login", data={"name": "nobody", "password": PASSWORD, "csrf_token": csrf(client)})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).count("用户名或密码错误") == 1
    assert unknown.get_data(as_text=True).count("用户名或密码错误") == 1
    for _ in range(MAX_FAILURES - 1):
        sign_in(client, user, "still not it")
    assert sign_in(client, user, PASSWORD).status_code == 429  # even the right password, for a while
    web_sessions.forget_failures(session, user.name, "127.0.0.1")
    assert sign_in(client, user, PASSWORD).status_code == 302


def test_the_next_page_after_signing_in_stays_on_this_site(client: FlaskClient, person: Callable[..., User]) -> None:
    user = person(Role.SUPERVISOR)
    token = csrf(client)
    for target, expected in (("/waybills", "/waybills"), ("//evil.example/x", "/dashboard"),
                             ("https://evil.example/", "/dashboard")):
        client.post("/logout", data={"csrf_token": token})
        token = csrf(client)
        reply = client.post("/login", data={"name": user.name, "password": PASSWORD, "csrf_token": token,
                                            "next": target})
        assert reply.location == expected
        token = csrf(client, "/waybills")


@pytest.mark.parametrize("role, refused", [
    (Role.AUDITOR, ["/dashboard", "/firm", "/firm/waybills/new"]),
    (Role.ENTERPRISE, ["/dashboard", "/trace", "/trace/ANY"]),
    (Role.SUPERVISOR, ["/firm", "/firm/batches/new", "/firm/movements/new"]),
])
def test_each_role_is_refused_the_pages_of_others(client: FlaskClient, person: Callable[..., User], role: Role,
                                                  refused: list[str]) -> None:
    sign_in(client, person(role))
    for page in refused:
        assert client.get(page).status_code == 403, page


def test_a_visitor_is_sent_to_sign_in_first(client: FlaskClient) -> None:
    reply = client.get("/waybills?status=draft")
    assert reply.status_code == 302 and reply.location == "/login?next=/waybills?status%3Ddraft"


def test_every_page_declares_its_roles(app: Flask) -> None:
    pages = {name: view for name, view in app.view_functions.items() if name.startswith("web.")}
    assert len(pages) > 15
    for name, view in pages.items():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == name)
        assert name == "web.static" or all(has_policy(view, m) for m in rule.methods - {"HEAD", "OPTIONS"}), name


def test_pages_run_no_inline_script_and_cannot_be_framed(client: FlaskClient) -> None:
    reply = client.get("/login")
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*(src=|application/json))", reply.get_data(as_text=True))


def test_a_changed_password_ends_the_sessions_signed_in_with_the_old_one(
        client: FlaskClient, person: Callable[..., User], session: Session) -> None:
    user = person(Role.AUDITOR)
    sign_in(client, user)
    assert client.get("/trace").status_code == 200
    set_password(session, user, "another good password")
    assert client.get("/trace").status_code == 302


def test_a_page_error_is_an_html_page_but_the_api_keeps_problem_json(
        client: FlaskClient, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.AUDITOR))
    page = client.get("/trace/NO-SUCH-BATCH")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert client.get("/api/v1/batches/NO-SUCH-BATCH").mimetype == "application/problem+json"


def test_the_alert_stream_serves_the_changes_a_user_may_see(app: Flask, client: FlaskClient, session: Session,
                                                            person: Callable[..., User]) -> None:
    app.config["ALERT_STREAM_LIFETIME_S"] = 0.2
    firm = make_enterprise(session)
    mine, _ = raise_alert(session, key="mine", kind=AlertKind.SIGNAL_GAP, severity=Severity.LOW, title="gap",
                          started_at=utcnow(), enterprise_id=firm.id)
    raise_alert(session, key="theirs", kind=AlertKind.STOP, severity=Severity.LOW, title="stop",
                started_at=utcnow(), enterprise_id=make_enterprise(session).id)
    session.commit()
    sign_in(client, person(Role.ENTERPRISE, enterprise=firm))
    body = client.get("/alerts/stream?after=0").get_data(as_text=True)
    assert body.startswith("retry: 2000")
    assert re.findall(r"^event: (\w+)$", body, re.M) == ["opened"]
    assert f'"id": "{mine.id}"' in body and '"change": "opened"' in body
    events = [int(n) for n in re.findall(r"^id: (\d+)$", body, re.M)]
    resumed = client.get("/alerts/stream?after=0", headers={"Last-Event-ID": str(events[-1])})
    assert "event:" not in resumed.get_data(as_text=True)


def test_the_trace_page_verifies_again_on_request_and_keeps_its_direction(
        client: FlaskClient, person: Callable[..., User]) -> None:
    sign_in(client, person(Role.AUDITOR))
    page = client.get("/trace").get_data(as_text=True)
    assert 'id="ledger-verification"' in page and 'href="/trace?verify=1"' in page
    assert client.get("/trace?verify=1").status_code == 200
    assert client.get("/trace/NONE?direction=up").status_code == 404


def test_the_session_key_is_made_once_privately_and_kept(tmp_path: Path) -> None:
    from app.web.security import load_secret_key

    target = tmp_path / "instance" / "secret_key"
    first = load_secret_key(target)
    assert len(first) >= 64 and load_secret_key(target) == first
    assert target.stat().st_mode & 0o777 == 0o600 and list(target.parent.iterdir()) == [target]


def test_a_waybills_status_is_drawn_by_one_macro_on_every_page(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    writers = sorted(p.name for p in WEB.glob("templates/*.html") if 'class="status status-' in p.read_text("utf-8"))
    assert writers == ["_manifests.html", "_waybills.html"]  # a waybill's, and a waste manifest's
    trip = build_trip(session)
    waybill = waybill_in_transit(session, trip)
    session.commit()
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.shipper))
    badge = '<span class="status status-in_transit">运输中</span>'
    for page in ("/firm", "/waybills"):
        html = client.get(page).get_data(as_text=True)
        assert f'{waybill.number}</a></td>\n<td>{badge}</td>' in html, page
    html = client.get(f"/waybills/{waybill.id}").get_data(as_text=True)
    assert '<span class="status status-in_transit" id="waybill-status">运输中</span>' in html


def test_a_firms_home_shows_the_stock_it_holds(client: FlaskClient, session: Session,
                                               person: Callable[..., User]) -> None:
    """Produced 25 t, consumed 10 t: the shipper holds 15 t. Its production and consumption accounts, where the
    quantities came from and went, are not stock (before, the sum over all its accounts showed 0)."""
    trip = build_trip(session)
    user = person(Role.ENTERPRISE, enterprise=trip.shipper)
    grant_permits(session, trip.shipper, PermitKind.SAFE_USE)
    lifecycle.retire(session, Actor(user.id, trip.shipper.id), kind=EntryKind.CONSUME, batch_code=trip.batch.code,
                     site_id=trip.loading.id, quantity=Decimal("10000"), occurred_at=utcnow() - dt.timedelta(hours=1))
    session.commit()
    sign_in(client, user)
    row = re.search(r"<td>MEOH-001</td>.*?</tr>", client.get("/firm").get_data(as_text=True), re.S)
    assert row is not None and '<td class="num">15000.000</td>' in row.group(0)


def test_trip_alerts_read_in_the_pages_language_on_the_dashboard_and_its_stream(
        app: Flask, client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    """The title is made from the alert's subject and details in the page's language."""
    app.config["ALERT_STREAM_LIFETIME_S"] = 0.2
    raise_alert(session, key="zone", kind=AlertKind.FORBIDDEN_ZONE, severity=Severity.HIGH, started_at=utcnow(),
                subject="苏B12345 (YD20261129-A)",
                details={"zone": "北侧禁入区", "rule": "no_entry", "duration_s": 130.0})
    session.commit()
    sign_in(client, person(Role.SUPERVISOR))
    chinese = "苏B12345 (YD20261129-A)：驶入禁行区 北侧禁入区"
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<span translate="no">苏B12345 (YD20261129-A)</span>' in page  # its values are data
    assert chinese in re.sub(r"<[^>]+>", "", page)
    assert chinese in client.get("/alerts/stream?after=0").get_data(as_text=True)
    client.set_cookie("hazledger_lang", "en")
    english = re.sub(r"<[^>]+>", "", client.get("/dashboard").get_data(as_text=True))
    assert "苏B12345 (YD20261129-A): in forbidden zone 北侧禁入区" in english


def test_the_movement_form_only_offers_a_transfer_into_another_firms_site(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:
    """Issue 25 finding 2: the form follows the API's rule; the consignee's site gets nothing until it accepts."""
    trip = build_trip(session)
    user = person(Role.ENTERPRISE, enterprise=trip.shipper)
    session.commit()
    before = session.scalar(select(func.count()).select_from(LedgerEntry))
    sign_in(client, user)
    reply = client.post("/firm/movements/new", data={
        "kind": "transfer", "batch": trip.batch.code, "from_site_id": str(trip.loading.id),
        "to_site_id": str(trip.unloading.id), "quantity": "100", "unit": "kg",
        "occurred_at": (utcnow() - dt.timedelta(minutes=5)).astimezone(ZoneInfo("Asia/Shanghai")).strftime(
            "%Y-%m-%dT%H:%M"),
        "csrf_token": csrf(client, "/firm/movements/new")})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == before
    pending = session.scalars(select(PendingTransfer)).one()
    assert pending.receiver_id == trip.consignee.id and pending.status is TransferStatus.PENDING
    # The consignee finds it on its home page and accepts it there: then, and only then, it is posted.
    client.post("/logout", data={"csrf_token": csrf(client, "/firm")})
    sign_in(client, person(Role.ENTERPRISE, enterprise=trip.consignee))
    grant_permits(session, trip.consignee, PermitKind.CHEMICALS_OPERATION)
    session.commit()
    home = client.get("/firm").get_data(as_text=True)
    assert f'id="transfer-{pending.id}"' in home
    refused = client.post(f"/firm/transfers/{pending.id}/refuse", data={"csrf_token": csrf(client, "/firm")})
    assert refused.status_code == 302  # no reason: refused nothing, said so
    accepted = client.post(f"/firm/transfers/{pending.id}/accept", data={"csrf_token": csrf(client, "/firm")})
    assert accepted.status_code == 302
    session.expire_all()
    assert session.get(PendingTransfer, pending.id).status is TransferStatus.ACCEPTED
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == before + 1
    assert f'id="transfer-{pending.id}"' not in client.get("/firm").get_data(as_text=True)
