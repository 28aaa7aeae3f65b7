"""Each role's whole job through the pages alone, in a real browser: the carrier makes a waybill from a
shipper's consignment list and takes it to arrival; the consignee closes a delivered waybill; public security
grants a pass and a supervisor closes an alert; a waste manifest goes from its generator to disposal.

These tests change what they act on, so they get a demo of their own (a database and a server per module),
not the shared one other browser tests count rows of. Each test sets up what came before its role's job through
the services (another party's part), then does the job through the pages. With ``HAZLEDGER_SCREENSHOTS=<dir>``
each role's final page is saved there as ``<role>.png`` (the guides' screenshots: docs/guides/img).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from app.extensions import db
from app.services import consignments, registry
from app.services.fleet import PERSONNEL
from app.services.waybills import service as waybills
from models import (
    Alert, AlertState, Batch, CrewRole, Enterprise, GpsFix, ManifestStatus, Person, Role, Site, User, Vehicle,
    WasteManifest, Waybill, WaybillStatus,
)
from models.types import utcnow
from tests.factories import auth, make_user
from tests.web.conftest import LiveSite, demo_database, serve_world, start_browser
from tests.web.test_browser import sign_in, wait_until

pytestmark = pytest.mark.slow
#: A second crew of the demo carrier: the demo's own is on the road with the tanker.
SPARE_CREW = (("driver", CrewRole.DRIVER, "赵强", "320281198811020011", "32028100020011"),
              ("escort", CrewRole.ESCORT, "钱伟", "320205199203040022", "32028100040022"))
#: What the carrier writes on a waybill of the demo's van (the national format, docs/e-waybills.md).
VAN = {"vehicle_plate": "苏B23456", "vehicle_plate_colour": "黄", "vehicle_transport_certificate": "苏交运管危字320281002345",
       "driver_phone": "13915200201", "escort_phone": "13915200202", "dispatcher": "周调度"}


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         chromium: tuple[str, str], network_cache: Path) -> Iterator[LiveSite]:
    """The demo served from a database of this module's own, with a spare crew for the carrier."""
    with demo_database(request, tmp_path_factory) as url, serve_world(url, network_cache) as served:
        with served.app.app_context():
            carrier = _firm("carrier")
            for _key, role, name, national_id, certificate in SPARE_CREW:
                registry.create(db.session, PERSONNEL, {
                    "employer_id": carrier.id, "role": role, "name": name, "certificate_number": certificate,
                    "national_id": national_id, "qualification_classes": ["2", "3", "6.1", "8", "9"],
                    "valid_until": dt.date(2099, 12, 31)})
        yield served


@pytest.fixture(scope="module")
def driver(site: LiveSite, chromium: tuple[str, str]) -> Iterator[Any]:
    """This module's browser; it quits before its server stops."""
    browser = start_browser(chromium)
    yield browser
    browser.quit()


#: The guides' screenshots (``make screenshots``): a laptop's window, the page's top (where the role's work
#: shows), in at most 256 colours, so that each stays small in the repository (tests/test_docs.py: <= 150 KB).
SCREENSHOT_SIZE = (1280, 1000)


@pytest.fixture(scope="session")
def role_screenshot() -> Callable[[Any, str], None]:
    """Save the page as ``<role>.png`` in ``$HAZLEDGER_SCREENSHOTS``, when it is set; else nothing. The names
    given here are the images the role guides show (docs/guides/img; tests/test_docs.py keeps them in step)."""
    folder = os.environ.get("HAZLEDGER_SCREENSHOTS")

    def save(browser: Any, role: str) -> None:
        if not folder:
            return
        from PIL import Image

        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.set_window_size(*SCREENSHOT_SIZE)
        browser.execute_script("window.scrollTo(0, 0)")
        target = Path(folder) / f"{role}.png"
        browser.save_screenshot(str(target))
        with Image.open(target) as shot:
            small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(target, optimize=True)
        browser.set_window_size(1366, 900)

    return save


USCC = {"shipper": "91320205MA1XY2KC0M", "carrier": "91320281MA20HL7N1R", "consignee": "91320214MA1Q8T3E5K",
        "disposer": "91320211MA1WD4RT7R"}


def _firm(key: str) -> Enterprise:
    return db.session.scalars(select(Enterprise).where(Enterprise.uscc == USCC[key])).one()


def _user(name: str) -> User:
    return db.session.scalars(select(User).where(User.name == name)).one()


def _site(name: str) -> Site:
    return db.session.scalars(select(Site).where(Site.name == name)).one()


def _batch(code: str) -> Batch:
    return db.session.scalars(select(Batch).where(Batch.code == code)).one()


def _trip_body(*, consignee: str, loading: str, unloading: str, batch: str, kg: str, packaging: str) -> dict[str, Any]:
    """A complete waybill of the van and the spare crew, departing today (as the shipper drafts it)."""
    spare = {key: db.session.scalars(select(Person).where(Person.certificate_number == number)).one().id
             for key, _role, _name, _id, number in SPARE_CREW}
    van = db.session.scalars(select(Vehicle).where(Vehicle.plate == VAN["vehicle_plate"])).one()
    start = window()[0]
    return {"consignee_id": _firm(consignee).id, "carrier_id": _firm("carrier").id, "vehicle_id": van.id,
            "driver_id": spare["driver"], "escort_id": spare["escort"], "loading_site_id": _site(loading).id,
            "unloading_site_id": _site(unloading).id, "departure_earliest": start,
            "departure_latest": start + dt.timedelta(hours=4), "emergency_contact": "0510-86801119",
            "shipper_contact": "0510-86801001", "consignee_contact": "0510-85602002",
            **{k: v for k, v in VAN.items() if k != "vehicle_plate"},
            "lines": [{"batch_id": _batch(batch).id, "quantity_kg": Decimal(kg), "packaging_kind": packaging,
                       "packaging_count": 1}]}


def window() -> tuple[dt.datetime, dt.datetime]:
    """A departure window around now, whole hours: the demo's stock and trips are dated from the moment it
    loaded, and the ledger takes no movement in the future (the actions leave their time empty: now)."""
    start = utcnow().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    return start, start + dt.timedelta(hours=4)


def wall(moment: dt.datetime) -> str:
    """*moment* as a ``datetime-local`` input takes it, in the pages' zone."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def status_of(browser: Any) -> str:
    """The waybill's status, as its badge's class names it."""
    badge = browser.find_element(By.ID, "waybill-status").get_attribute("class").split()
    return next(name.removeprefix("status-") for name in badge if name.startswith("status-"))


def fill(browser: Any, values: dict[str, str]) -> None:
    """Type *values* into the inputs of those ids (a date-time input is set as the browser's picker would)."""
    for field, value in values.items():
        element = browser.find_element(By.ID, field)
        if element.get_attribute("type") in ("datetime-local", "date"):
            browser.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def press(browser: Any, button_id: str) -> None:
    """Click the button (or link) of that id and wait for the page it leads to."""
    follow(browser, browser.find_element(By.ID, button_id))


def follow(browser: Any, element: Any, timeout: float = 20) -> None:
    """Click *element* and wait until a new document has loaded: the old one is marked first, and the browser
    may answer anything while it navigates (a stale element, an inspector error), so those are retried."""
    browser.execute_script("window.hazledgerOld = true")
    element.click()
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.hazledgerOld === undefined && document.readyState === 'complete'"))


def test_the_carrier_makes_the_waybill_from_a_consignment_list_and_takes_it_to_arrival(
        driver: Any, site: LiveSite, role_screenshot: Callable[[Any, str], None]) -> None:
    with site.app.app_context():  # the shipper's part: the list handed to the carrier
        listed = consignments.create_consignment(db.session, _user("demo-shipper"), {
            "carrier_id": _firm("carrier").id, "consignee_id": _firm("consignee").id,
            "loading_site_id": _site("东港厂区").id, "unloading_site_id": _site("梅村厂区").id,
            "loader_name": "东港厂区装卸班", "shipper_contact": "0510-86801001", "consignee_contact": "0510-85602002",
            "emergency_phone": "0510-86801119",
            "lines": [{"batch_id": _batch("WX-MEOH-001").id, "quantity_kg": Decimal("120"), "packaging_kind": "IBC",
                       "packaging_count": 1, "hazards": "易燃液体", "first_aid": "脱离现场", "spill_response": "围堤收容",
                       "fire_response": "抗溶性泡沫"}]})
        number = listed.number
    sign_in(driver, site, "demo-carrier")
    driver.get(site("/firm/consignments"))
    row = driver.find_element(By.XPATH, f"//table[@id='consignments']//tr[td[1][normalize-space()='{number}']]")
    follow(driver, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "/edit" in driver.current_url  # the draft, with the list's parties, sites and goods
    fill(driver, {**VAN, "driver_certificate": SPARE_CREW[0][4], "escort_certificate": SPARE_CREW[1][4],
                  "departure_earliest": wall(window()[0]), "departure_latest": wall(window()[1])})
    press(driver, "submit-waybill")
    assert status_of(driver) == "issued", driver.find_element(By.TAG_NAME, "main").text

    press(driver, "depart-button")
    assert status_of(driver) == "in_transit"
    assert "flash-ok" in driver.find_element(By.CSS_SELECTOR, ".flash").get_attribute("class")

    # More delivered than loaded: the service's error, beside its field; nothing changes.
    fill(driver, {"arrive-delivered-1": "500"})
    press(driver, "arrive-button")
    error = driver.find_element(By.CSS_SELECTOR, '#arrive-form .field[data-field="delivered.1"] .field-error')
    assert "120" in error.text
    assert status_of(driver) == "in_transit"
    fill(driver, {"arrive-delivered-1": "119.5"})
    press(driver, "arrive-button")
    assert status_of(driver) == "delivered"
    assert driver.find_element(By.CSS_SELECTOR, "#waybill-lines tbody td:last-child").text == "119.500"
    assert not driver.find_elements(By.ID, "waybill-actions")  # nothing left for the carrier to do
    role_screenshot(driver, "carrier")
    waybill_number = driver.find_element(By.TAG_NAME, "h1").text.split()[1]
    driver.get(site("/firm/consignments"))  # the list names the waybill made from it
    row = driver.find_element(By.XPATH, f"//table[@id='consignments']//tr[td[1][normalize-space()='{number}']]")
    assert waybill_number in row.text


def test_the_carrier_cancels_a_waybill_before_departure_with_a_reason(driver: Any, site: LiveSite) -> None:
    with site.app.app_context():
        made = waybills.create_draft(db.session, _user("demo-shipper"), _trip_body(
            consignee="consignee", loading="东港厂区", unloading="梅村厂区", batch="WX-MEOH-001", kg="50",
            packaging="IBC"))
        waybill_id = made.id
    sign_in(driver, site, "demo-carrier")
    driver.get(site(f"/waybills/{waybill_id}"))
    press(driver, "cancel-button")  # no reason: the API's schema refuses it, beside the field
    assert driver.find_element(By.CSS_SELECTOR, '#cancel-form .field[data-field="reason"] .field-error').text
    fill(driver, {"cancel-reason": "客户推迟订单"})
    press(driver, "cancel-button")
    assert status_of(driver) == "cancelled"


def test_the_consignee_confirms_receipt_and_closes_the_waybill(
        driver: Any, site: LiveSite, role_screenshot: Callable[[Any, str], None]) -> None:
    with site.app.app_context():  # the shipper's and the carrier's part: the goods delivered
        made = waybills.create_draft(db.session, _user("demo-shipper"), _trip_body(
            consignee="consignee", loading="东港厂区", unloading="梅村厂区", batch="WX-MEOH-001", kg="80",
            packaging="IBC"))
        waybills.submit(db.session, _user("demo-shipper"), made.id)
        waybills.depart(db.session, _user("demo-carrier"), made.id, utcnow() - dt.timedelta(minutes=30))
        waybills.arrive(db.session, _user("demo-carrier"), made.id, utcnow(), {})
        waybill_id = made.id
    sign_in(driver, site, "demo-consignee")
    driver.get(site(f"/waybills/{waybill_id}"))
    assert status_of(driver) == "delivered"
    press(driver, "close-button")
    assert status_of(driver) == "closed"
    role_screenshot(driver, "consignee")


def test_public_security_grants_a_pass_and_a_supervisor_closes_an_alert(
        driver: Any, site: LiveSite, role_screenshot: Callable[[Any, str], None]) -> None:
    with site.app.app_context():
        waiting = db.session.scalars(select(Waybill.id).where(Waybill.status == WaybillStatus.AWAITING_PASS)).first()
    sign_in(driver, site, "demo-police")
    driver.get(site(f"/waybills/{waiting}"))
    assert status_of(driver) == "awaiting_pass"
    press(driver, "approve-button")  # no pass number: the service's error beside the field
    error = driver.find_element(By.CSS_SELECTOR, '#approve-form .field[data-field="pass_number"] .field-error')
    assert error.text == "核发通行证时必填"
    fill(driver, {"approve-pass_number": "锡公(危)通字〔2026〕第0777号"})
    press(driver, "approve-button")
    assert status_of(driver) == "issued"
    assert driver.find_element(By.ID, "pass-number").text == "锡公(危)通字〔2026〕第0777号"

    sign_in(driver, site, "demo-supervisor")
    alert_id = site.world["alerts"][-1]
    driver.get(site("/dashboard"))
    link = wait_until(driver, EC.presence_of_element_located((By.CSS_SELECTOR, f"#alert-{alert_id} td a")))
    follow(driver, link)
    fill(driver, {"note": "已核实：驾驶员按交警指挥绕行，已恢复通行线路"})
    press(driver, "close-alert")
    assert driver.find_element(By.ID, "alert-facts").get_attribute("data-state") == "closed"
    assert driver.find_element(By.ID, "alert-note").text.startswith("已核实")
    assert not driver.find_elements(By.ID, "alert-form")
    with site.app.app_context():
        alert = db.session.get(Alert, uuid.UUID(alert_id))
        assert alert.state is AlertState.CLOSED and alert.closed_by == _user("demo-supervisor").id
    role_screenshot(driver, "supervisor")


def test_a_waste_manifest_goes_from_its_generator_to_disposal(
        driver: Any, site: LiveSite, role_screenshot: Callable[[Any, str], None]) -> None:
    with site.app.app_context():  # the generator's draft waybill of its waste to the disposal centre
        draft = waybills.create_draft(db.session, _user("demo-consignee"), _trip_body(
            consignee="disposer", loading="梅村厂区", unloading="胡埭处置中心", batch="XW-WASTE-000", kg="180",
            packaging="drum"))
        waybill_id, waybill_number = draft.id, draft.number
    sign_in(driver, site, "demo-consignee")  # the generator
    driver.get(site("/waste/manifests"))
    press(driver, "new-manifest")
    for name, text in (("carrier_id", None), ("disposer_id", None), ("disposal_method", "D10"),
                       ("waybill_id", waybill_number), ("lines.0.batch", "XW-WASTE-000")):
        choice = Select(driver.find_element(By.ID, name))
        if text is None:
            choice.select_by_value(str(_firm_id(site, "carrier" if name == "carrier_id" else "disposer")))
        else:
            next(o for o in choice.options if o.text.startswith(text)).click()
    Select(driver.find_element(By.ID, "disposer_site_id")).select_by_visible_text("胡埭处置中心")
    fill(driver, {"lines.0.quantity_kg": "500"})  # more than the generator holds: refused at the field
    press(driver, "open-manifest")
    assert "180" in driver.find_element(By.CSS_SELECTOR, '.field[data-field="lines.0.quantity_kg"] .field-error').text
    fill(driver, {"lines.0.quantity_kg": "180"})
    press(driver, "open-manifest")
    assert driver.find_element(By.ID, "manifest-status").get_attribute("data-status") == "created"
    manifest_number = driver.find_element(By.TAG_NAME, "h1").text.split()[1]

    # The generator writes the manifest's number on its waybill and submits it.
    driver.get(site(f"/firm/waybills/{waybill_id}/edit"))
    fill(driver, {"waste_manifest_number": manifest_number})
    press(driver, "submit-waybill")
    assert status_of(driver) == "issued", driver.find_element(By.TAG_NAME, "main").text

    sign_in(driver, site, "demo-carrier")  # checks the waste against the manifest, carries it
    driver.get(site("/waste/manifests"))
    follow(driver, driver.find_element(By.LINK_TEXT, manifest_number))
    press(driver, "carrier-check-ok")
    driver.get(site(f"/waybills/{waybill_id}"))
    press(driver, "depart-button")
    assert status_of(driver) == "in_transit"
    press(driver, "arrive-button")
    assert status_of(driver) == "delivered"

    sign_in(driver, site, "demo-disposer")  # receives within the deadline shown, disposes
    driver.get(site("/waste/manifests"))
    follow(driver, driver.find_element(By.LINK_TEXT, manifest_number))
    assert driver.find_element(By.ID, "manifest-status").get_attribute("data-status") == "in_transit"
    assert driver.find_element(By.ID, "receipt-due").text != "—"
    press(driver, "receive-button")
    assert driver.find_element(By.ID, "manifest-status").get_attribute("data-status") == "received"
    press(driver, "dispose-button")
    assert driver.find_element(By.ID, "manifest-status").get_attribute("data-status") == "disposed"
    with site.app.app_context():
        manifest = db.session.scalars(select(WasteManifest).where(WasteManifest.number == manifest_number)).one()
        assert manifest.status is ManifestStatus.DISPOSED and manifest.lines[0].received_kg == Decimal("180")
    role_screenshot(driver, "waste")


def _firm_id(site: LiveSite, key: str) -> uuid.UUID:
    with site.app.app_context():
        return _firm(key).id


def test_a_supervisor_follows_the_vehicle_and_a_new_fix_appears_without_reloading(
        driver: Any, site: LiveSite, role_screenshot: Callable[[Any, str], None]) -> None:
    """The follow page asks for news by itself: a position the carrier's terminal reports through the API while
    the page is open shows on it (the count, the time, the marker), and the page was never loaded again."""
    trip = site.world["trip"]
    with site.app.app_context():
        token = make_user(db.session, Role.ENTERPRISE, enterprise=_firm("carrier"))[1]
        db.session.commit()
        last = db.session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat).where(
            GpsFix.waybill_id == uuid.UUID(trip)).order_by(GpsFix.at.desc()).limit(1)).one()
    sign_in(driver, site, "demo-supervisor")
    driver.get(site("/dashboard"))
    follow(driver, driver.find_element(By.CSS_SELECTOR, f'a.follow-link[href="/waybills/{trip}/live"]'))
    wait_until(driver, lambda d: d.find_element(By.ID, "live-status").get_attribute("data-live") == "on", 30)
    before = int(driver.find_element(By.ID, "fix-count").text)
    driver.execute_script("window.hazledgerSamePage = true")
    at = max(utcnow() - dt.timedelta(seconds=5), last.at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=30))
    fix = {"time": at.isoformat(), "lon": last.lon + 0.0005, "lat": last.lat, "speed_kph": 35}
    request = urllib.request.Request(site(f"/api/v1/waybills/{trip}/track"), method="POST",
                                     data=json.dumps({"fixes": [fix]}).encode(),
                                     headers={**auth(token), "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 200
    wait_until(driver, lambda d: d.find_element(By.ID, "fix-count").text == str(before + 1), 60)
    assert driver.execute_script("return window.hazledgerSamePage === true")  # no reload
    assert f"{last.lon + 0.0005:.5f}" in driver.find_element(By.ID, "latest-position").text
    assert driver.find_elements(By.CSS_SELECTOR, "#trip-map circle.last-position")
    role_screenshot(driver, "follow-live")
