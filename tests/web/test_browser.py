"""The pages in a real browser: each role's menu and refusals, a waybill's map, an alert acknowledged on one
session changing live on another's dashboard, an invalid waybill's field errors, a batch's trace."""
from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from app.extensions import db
from app.services.alerts import raise_alert
from models import Alert, AlertKind, AlertState, Severity, Waybill
from models.types import utcnow
from tests.paths import SHANGHAI_OSM
from tests.web.conftest import PASSWORD, LiveSite, _postgres_available

pytestmark = pytest.mark.slow


def wait_until(driver: Any, condition: Callable[[Any], Any], timeout: float = 10) -> Any:
    """Wait for *condition*, retrying while a page is being replaced (its elements vanish or go stale)."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition)


def sign_out(driver: Any) -> None:
    """Leave the current page (closing any alert stream it holds open) and forget every cookie."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def sign_in(driver: Any, site: LiveSite, name: str) -> None:
    sign_out(driver)
    driver.get(site("/login"))
    if driver.find_elements(By.ID, "sign-out"):
        # A request the page left behind was still in flight (the live page polls as it loads): its answer
        # refreshed the session cookie after sign_out cleared it, and /login sent us home. Clear it again.
        sign_out(driver)
        driver.get(site("/login"))
    wait_until(driver, EC.presence_of_element_located((By.ID, "name"))).send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_until(driver, EC.presence_of_element_located((By.ID, "sign-out")))


def submit_and_wait_for_the_next_page(driver: Any, button: Any, timeout: float = 15) -> None:
    """Click a form's submit *button* and wait until the page the form leads to has replaced this one.

    Nothing on the old page says the form went through (the live stream may even show the change there first),
    and reading it while it is being replaced races the navigation: wait for its document to go, then load.
    """
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait_until(driver, EC.staleness_of(old), timeout=timeout)
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete", timeout=timeout)


def state_of(alert_id: str) -> Callable[[Any], str]:
    return lambda d: d.find_element(By.ID, f"alert-{alert_id}").get_attribute("data-state")


def menu(driver: Any) -> list[str]:
    return [a.get_attribute("pathname") for a in driver.find_elements(By.CSS_SELECTOR, ".main-nav a")]


def heading(driver: Any) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def test_the_site_is_served_from_postgresql_whenever_the_harness_has_it(live_site: LiveSite) -> None:
    with live_site.app.app_context():
        backend = db.engine.dialect.name
        assert db.session.scalar(select(func.count()).select_from(Waybill)) > 5  # the demo is there
    assert backend == ("postgresql" if _postgres_available() else "sqlite")


@pytest.mark.parametrize("name, pages, refused", [
    ("demo-supervisor", ["/dashboard", "/waybills", "/trace", "/risk-map", "/waste/manifests", "/registry"],
     ["/firm", "/firm/waybills/new"]),
    ("demo-auditor", ["/waybills", "/trace", "/risk-map", "/waste/manifests", "/registry"], ["/dashboard", "/firm"]),
    ("demo-shipper", ["/waybills", "/waste/manifests", "/registry", "/firm", "/firm/waybills/new", "/firm/batches/new",
                      "/firm/movements/new"], ["/dashboard", "/trace", "/risk-map"]),
])
def test_each_role_sees_its_own_menu_and_is_refused_the_rest(browser: Any, live_site: LiveSite, name: str,
                                                             pages: list[str], refused: list[str]) -> None:
    sign_in(browser, live_site, name)
    assert menu(browser) == pages
    for page in refused:
        browser.get(live_site(page))
        assert heading(browser).startswith("403")


def test_an_enterprise_sees_only_the_waybills_it_is_a_party_to(browser: Any, live_site: LiveSite,
                                                               screenshot: Callable[..., Any]) -> None:
    sign_out(browser)
    browser.get(live_site("/login"))
    screenshot(browser, "login")
    sign_in(browser, live_site, "demo-disposer")
    browser.get(live_site("/waybills"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#waybill-list tbody tr")
    assert len(rows) == 1  # only the waste trip to its disposal centre
    browser.get(live_site(f"/waybills/{live_site.world['trip']}"))
    assert heading(browser).startswith("404")
    sign_in(browser, live_site, "demo-shipper")
    browser.get(live_site("/firm"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#firm-waybills tbody tr")) == 9  # 3 of them Order 29's story
    screenshot(browser, "firm_home")
    browser.get(live_site("/firm/movements/new"))
    Select(browser.find_element(By.ID, "kind")).select_by_value("transfer")
    assert browser.find_element(By.ID, "from_site_id").is_displayed()  # a transfer needs it
    assert not browser.find_element(By.ID, "code").is_displayed()  # only new batches have a code
    screenshot(browser, "movement_form")


def test_a_supervisor_follows_a_waybill_in_transit_to_its_map(browser: Any, live_site: LiveSite,
                                                              screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-supervisor")
    assert browser.current_url == live_site("/dashboard")
    screenshot(browser, "dashboard")
    browser.find_element(By.LINK_TEXT, live_site.world["trip_number"]).click()
    svg = wait_until(browser, timeout=20, condition=EC.presence_of_element_located((By.CSS_SELECTOR, "svg#trip-map")))
    drawn = {css: len(svg.find_elements(By.CSS_SELECTOR, css)) for css in (
        "path.corridor", "path.zone", "path.track", "path.episode-deviation", "path.episode-forbidden_zone",
        "circle.loading", "circle.unloading", "path.roads", "path.route-planned")}
    assert drawn["path.zone"] == 2 and drawn["path.track"] == 1
    assert drawn["path.episode-deviation"] == 1 and drawn["path.episode-forbidden_zone"] == 1
    if SHANGHAI_OSM.is_file():  # the real road network under the map, and the route planned on it
        assert drawn["path.roads"] == 1 and drawn["path.route-planned"] == 1
        # The roads driven, map-matched: the detour over 马当路 among them.
        assert len(svg.find_elements(By.CSS_SELECTOR, "path.driven")) == 1
        assert "马当路" in browser.find_element(By.ID, "roads-driven").text
    assert "© OpenStreetMap contributors, ODbL" in svg.find_element(By.CSS_SELECTOR, "text.attribution").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#episodes tbody tr")) == 2
    assert "UN 1203" in browser.find_element(By.CSS_SELECTOR, "#waybill-lines .transport-line").text
    screenshot(browser, "waybill")


def test_an_acknowledgement_on_one_session_changes_the_other_dashboard_live(
        browsers: Callable[[int], Any], live_site: LiveSite, screenshot: Callable[..., Any]) -> None:
    watcher, actor = browsers(2), browsers(1)
    sign_in(watcher, live_site, "demo-admin")
    watcher.get(live_site("/dashboard"))
    wait_until(watcher, lambda d: d.find_element(By.ID, "live-status").get_attribute("data-live") == "on")
    alert_id = live_site.world["alerts"][0]
    row = watcher.find_element(By.ID, f"alert-{alert_id}")
    assert row.get_attribute("data-state") == "open"

    sign_in(actor, live_site, "demo-supervisor")
    actor.get(live_site(f"/waybills/{live_site.world['trip']}"))
    actor.find_element(By.ID, f"note-{alert_id}").send_keys("已电话联系驾驶员")
    submit_and_wait_for_the_next_page(actor, actor.find_element(By.CSS_SELECTOR,
                                                                f"#alert-{alert_id} button[type=submit]"))
    assert state_of(alert_id)(actor) == "acknowledged"

    # No reload on the watcher: the stream brings the change.
    wait_until(watcher, lambda d: state_of(alert_id)(d) == "acknowledged", timeout=15)
    changed = watcher.find_element(By.ID, f"alert-{alert_id}")
    assert changed.find_elements(By.CSS_SELECTOR, ".ack-form") == []
    assert changed.find_element(By.CSS_SELECTOR, ".alert-state").text == "已确认"
    screenshot(watcher, "dashboard_live")


def test_a_new_alert_appears_live_and_can_be_acknowledged_from_its_new_row(
        browsers: Callable[[int], Any], live_site: LiveSite) -> None:
    watcher = browsers(2)
    sign_in(watcher, live_site, "demo-admin")
    watcher.get(live_site("/dashboard"))
    wait_until(watcher, lambda d: d.find_element(By.ID, "live-status").get_attribute("data-live") == "on")
    before = int(watcher.find_element(By.ID, "open-alert-count").text)
    with live_site.app.app_context():
        alert, _ = raise_alert(db.session, key="signal_gap:browser-test", kind=AlertKind.SIGNAL_GAP,
                               severity=Severity.MEDIUM, title="GPS 信号中断 6 分钟", started_at=utcnow(),
                               waybill_id=uuid.UUID(live_site.world["trip"]))
        db.session.commit()
        alert_id = str(alert.id)

    def counted_row(driver: Any) -> Any:
        """The stream's new row, once it shows the open alert and the count includes it."""
        row = driver.find_element(By.ID, f"alert-{alert_id}")
        counted = driver.find_element(By.ID, "open-alert-count").text == str(before + 1)
        return row if counted and row.get_attribute("data-state") == "open" else None

    row = wait_until(watcher, counted_row, timeout=15)
    assert "信号中断" in row.text
    # The form the script wrote, with its token; looked up afresh, and clicked once it can be.
    button = wait_until(watcher, EC.element_to_be_clickable(
        (By.CSS_SELECTOR, f"#alert-{alert_id} .ack-form button[type=submit]")))
    submit_and_wait_for_the_next_page(watcher, button)
    # The page the acknowledgement led to, rendered by the server: not the old one, which the stream may change.
    assert state_of(alert_id)(watcher) == "acknowledged"
    assert "GPS 信号中断 6 分钟" in watcher.find_element(By.CSS_SELECTOR, ".flash-ok").text
    with live_site.app.app_context():
        acknowledged = db.session.get(Alert, uuid.UUID(alert_id))
        assert acknowledged.state is AlertState.ACKNOWLEDGED and acknowledged.acknowledged_by is not None


ENABLED_SITE_GROUPS = """return [...document.querySelectorAll('#unloading_site_id optgroup:enabled')]
  .map(g => g.dataset.group);"""


def test_an_invalid_waybill_shows_the_api_field_errors_beside_its_fields(
        browser: Any, live_site: LiveSite, screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-shipper")
    browser.get(live_site("/firm/waybills/new"))
    consignee = Select(browser.find_element(By.ID, "consignee_id"))
    consignee.select_by_index(1)
    # The script offers only the chosen consignee's unloading sites.
    groups = browser.execute_script(ENABLED_SITE_GROUPS)
    assert set(groups) <= {consignee.first_selected_option.get_attribute("value")}
    assert browser.find_elements(By.CSS_SELECTOR, "#unloading_site_id optgroup:disabled")
    Select(browser.find_element(By.ID, "carrier_id")).select_by_index(1)
    browser.find_element(By.ID, "vehicle_plate").send_keys("苏B00000")  # no such vehicle at the carrier
    browser.find_element(By.ID, "emergency_contact").send_keys("call me")
    Select(browser.find_element(By.ID, "lines.0.batch_id")).select_by_index(1)
    browser.find_element(By.ID, "lines.0.quantity_kg").send_keys("-5")
    browser.find_element(By.ID, "submit-waybill").click()

    def error_of(field: str) -> str:
        return browser.find_element(By.CSS_SELECTOR, f'.field[data-field="{field}"] .field-error').text

    wait_until(browser, EC.presence_of_element_located((By.ID, "form-errors")))
    assert "格式不正确" in error_of("emergency_contact")  # the schema's own regexp, translated
    assert error_of("lines.0.quantity_kg")
    assert error_of("vehicle_plate") == "所选承运人没有此车牌号的在用车辆"
    assert browser.switch_to.active_element.get_attribute("id") == "form-errors"
    screenshot(browser, "waybill_form_errors")

    for field, value in (("emergency_contact", "0510-86801119"), ("lines.0.quantity_kg", "500"), ("vehicle_plate", "")):
        browser.find_element(By.ID, field).clear()
        browser.find_element(By.ID, field).send_keys(value)
    refused = browser.find_element(By.ID, "waybill-form")
    browser.find_element(By.ID, "submit-waybill").click()
    wait_until(browser, EC.staleness_of(refused))
    wait_until(browser, EC.presence_of_element_located((By.ID, "form-errors")))
    # Saved as a draft; the submission checks refuse it, each error at its field.
    assert "edit" in browser.current_url or browser.find_element(By.ID, "waybill-form").get_attribute("action")
    for missing in ("vehicle_plate", "driver_certificate", "loading_site_id", "unloading_site_id",
                    "departure_earliest"):
        assert error_of(missing) == "提交时必填"
    assert "草稿" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text


def test_an_auditor_traces_a_batch_and_downloads_its_chain(browser: Any, live_site: LiveSite,
                                                           screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-auditor")
    browser.get(live_site("/trace"))
    assert "verified" in browser.find_element(By.ID, "ledger-verification").get_attribute("class")
    screenshot(browser, "trace_index")
    browser.find_element(By.ID, "code").send_keys("WX-MEOH-001")
    browser.find_element(By.CSS_SELECTOR, "main form.filters button").click()
    graph = wait_until(browser, EC.presence_of_element_located((By.ID, "trace-graph")))
    kinds = {kind: len(graph.find_elements(By.CSS_SELECTOR, f".node-{kind}"))
             for kind in ("root", "batch", "transformation", "site", "waybill", "end")}
    assert kinds["root"] == 1 and kinds["batch"] == 2 and kinds["transformation"] == 1
    assert kinds["waybill"] == 2 and kinds["site"] >= 4
    assert [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#trace-batches td.reconciles")] == ["✓ 是"] * 3
    assert "verified" in browser.find_element(By.ID, "ledger-verification").get_attribute("class")
    screenshot(browser, "trace")

    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    for link, key in (("download-json", "batch"), ("download-epcis", "epcisBody")):
        href = browser.find_element(By.ID, link).get_attribute("href")
        with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookie}), timeout=10) as reply:
            assert "attachment" in reply.headers["Content-Disposition"]
            assert key in json.loads(reply.read())


def test_a_supervisor_opens_the_risk_map_from_the_menu(browser: Any, live_site: LiveSite,
                                                       screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-supervisor")
    browser.get_log("browser")  # (reading the console's log empties it)
    browser.find_element(By.CSS_SELECTOR, '.main-nav a[href="/risk-map"]').click()
    svg = wait_until(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "svg#risk-map")))
    assert svg.rect["width"] > 400 and svg.find_elements(By.TAG_NAME, "circle")
    # The demo's chlorine makes the plant a 三级 major hazard source: yellow, or orange if a critical alert is open.
    rows = browser.find_elements(By.CSS_SELECTOR, "#major-hazard-sites tbody tr[data-level]")
    assert rows and "三级" in rows[0].text and rows[0].get_attribute("data-level") in ("yellow", "orange")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#risk-legend li")) == 4
    refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == []
    screenshot(browser, "risk_map")


def test_english_is_a_setting_kept_across_pages(browser: Any, live_site: LiveSite,
                                                screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-supervisor")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    browser.find_element(By.CSS_SELECTOR, "button[name=lang][value=en]").click()
    wait_until(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert heading(browser) == "Supervision dashboard"
    browser.get(live_site(f"/waybills/{live_site.world['trip']}"))
    assert heading(browser).startswith("Waybill")
    screenshot(browser, "waybill_en")
    browser.find_element(By.CSS_SELECTOR, "button[name=lang][value=zh]").click()
    wait_until(browser, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN")


UNLABELLED = """return [...document.querySelectorAll('input:not([type=hidden]), select, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
  .map(e => e.outerHTML.slice(0, 80));"""


@pytest.mark.parametrize("name, pages", [
    ("demo-supervisor", ["/dashboard", "/waybills", "/risk-map"]),
    ("demo-shipper", ["/firm/waybills/new", "/firm/batches/new", "/firm/movements/new", "/firm/consignments/new"]),
])
def test_every_control_is_labelled_and_the_skip_link_comes_first(
        browser: Any, live_site: LiveSite, name: str, pages: list[str]) -> None:
    sign_in(browser, live_site, name)
    for page in pages:
        browser.get(live_site(page))
        assert browser.execute_script(UNLABELLED) == [], page
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert browser.switch_to.active_element.get_attribute("class") == "skip-link"


def test_the_pages_fit_a_tablet(browser: Any, live_site: LiveSite, screenshot: Callable[..., Any]) -> None:
    sign_in(browser, live_site, "demo-supervisor")
    browser.set_window_size(768, 1024)
    try:
        for page in ("/dashboard", f"/waybills/{live_site.world['trip']}"):
            browser.get(live_site(page))
            # Wide tables scroll inside their own box; the page itself never scrolls sideways.
            assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), page
        assert browser.find_element(By.ID, "trip-map").rect["width"] <= 768
        screenshot(browser, "waybill_tablet", width=768)
    finally:
        browser.set_window_size(1366, 900)


def test_a_supervisor_goes_from_the_incident_alarm_to_the_printable_brief(
        browser: Any, live_site: LiveSite, screenshot: Callable[..., Any]) -> None:
    """The demo tanker (gasoline) catches fire where it was last seen: the departments' alerts on the dashboard
    link to the responders' brief. The incident is closed at the end, lifting its zone for the other tests."""
    from app.services.incidents import service as incidents
    from models import User
    from models.incidents import IncidentState

    with live_site.app.app_context():
        supervisor = db.session.scalars(select(User).where(User.name == "demo-supervisor")).one()
        incident = incidents.report(db.session, supervisor, {"waybill_id": uuid.UUID(live_site.world["trip"]),
                                                             "spill": "fire"})
        incident_id = str(incident.id)
    try:
        sign_in(browser, live_site, "demo-supervisor")
        browser.get(live_site("/dashboard"))
        link = wait_until(browser, EC.element_to_be_clickable(
            (By.CSS_SELECTOR, f'a.incident-brief-link[href="/incidents/{incident_id}/brief"]')))
        submit_and_wait_for_the_next_page(browser, link)
        brief = wait_until(browser, EC.presence_of_element_located((By.ID, "incident-brief")))
        assert heading(browser) == "危险货物突发事件应急简报"
        assert "UN1203" in browser.find_element(By.ID, "brief-cargo").text
        assert browser.find_element(By.ID, "emergency-contact").text.strip() not in ("", "未填写")
        kinds = [row.get_attribute("data-kind") for row in brief.find_elements(By.CSS_SELECTOR, "tr.zone-row")]
        assert "fire_isolation" in kinds and "initial_isolation" in kinds
        svg = browser.find_element(By.CSS_SELECTOR, "svg#incident-map")
        assert svg.find_elements(By.CSS_SELECTOR, "path.zone-fire_isolation") and \
            svg.find_elements(By.CSS_SELECTOR, "circle.spill")
        assert browser.find_element(By.ID, "print-brief").is_displayed()
        screenshot(browser, "incident_brief")
    finally:
        with live_site.app.app_context():
            incidents.move(db.session, supervisor, uuid.UUID(incident_id), IncidentState.CLOSED, reason="演练结束")
