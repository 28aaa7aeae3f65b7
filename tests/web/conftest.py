"""Browser tests: the app served on a loopback port against a committed demo database, driven by headless
Chromium (Debian's chromium + chromium-driver) through selenium.

The served database is PostgreSQL, as in production, whenever the harness has one (the browser tests run once,
not once per backend: they are slow); SQLite only when PostgreSQL is neither installed nor required.

Without Chromium the browser tests are skipped, unless ``HAZLEDGER_REQUIRE_BROWSER`` is set (CI sets it):
then they fail, so a CI machine that lost its browser cannot pass silently.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app, migrate
from app.extensions import db
from app.web.maps import road_network
from tests.conftest import _pg_execute, _require_postgres, copy_database
from tests.paths import REPO
from tests.pg_server import find_bindir
from tests.web.world import load_world

SCREENSHOTS = REPO / "tests" / "screenshots"
PASSWORD = "hazledger-demo"
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1366,900", "--lang=zh-CN")


def _require_browser() -> bool:
    return os.environ.get("HAZLEDGER_REQUIRE_BROWSER", "") not in ("", "0")


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Paths of Chromium and its driver, from Debian's packages (selenium-manager never downloads one)."""
    browser, driver = _binary("chromium", "chromium-browser"), _binary("chromedriver")
    if browser is None or driver is None:
        message = "Chromium or chromedriver not installed (apt-get install chromium chromium-driver)"
        if _require_browser():
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver


@dataclass
class LiveSite:
    url: str
    app: Flask
    world: dict[str, Any]

    def __call__(self, path: str) -> str:
        return self.url + path


def _postgres_available() -> bool:
    """Whether the harness can give a PostgreSQL database (or must: then its absence fails the run)."""
    return bool(os.environ.get("HAZLEDGER_TEST_POSTGRES_URL")) or find_bindir() is not None or _require_postgres()


@contextlib.contextmanager
def demo_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of its own for a served demo: on the harness's PostgreSQL (what the product runs on)
    when there is one, else a SQLite file. Dropped at the end (nothing may still be connected by then)."""
    if not _postgres_available():
        url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'demo.db'}"
        migrate.upgrade(url)
        yield url
        return
    admin = request.getfixturevalue("postgres_admin_url")
    # A copy of the migrated template: migrating a database of its own again took seconds per served demo.
    url = copy_database(request.getfixturevalue("postgres_template_url"), tmp_path_factory.getbasetemp())
    try:
        yield url
    finally:
        _pg_execute(admin, f"DROP DATABASE {url.rsplit('/', 1)[1]}")


@pytest.fixture(scope="session")
def live_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database of :func:`live_site`."""
    with demo_database(request, tmp_path_factory) as url:
        yield url


@contextlib.contextmanager
def serve_world(database_url: str, network_cache: Path) -> Iterator[LiveSite]:
    """The demo (with its trip's alerts) in *database_url*, served by werkzeug in a thread; its maps read the
    road network prepared in *network_cache*."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser tests", "TESTING": True,
                      "CACHE_DIR": str(network_cache), "ALERT_STREAM_LIFETIME_S": 30,
                      # a stream whose page has gone notices at its next keep-alive: the server stops sooner
                      "ALERT_STREAM_HEARTBEAT_S": 2})
    with app.app_context():
        world = load_world(db.session)
    with app.test_request_context():
        road_network()  # parse the OSM extract now, not during the first map a test opens
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are joined when the server closes (socketserver skips daemon threads): no alert stream may
    # still poll the database once it is disposed and dropped. The browsers have quit by then (see ``browsers``),
    # so each stream ends at its next keep-alive, and any at its lifetime.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveSite(f"http://127.0.0.1:{server.server_port}", app, world)
    finally:
        server.shutdown()
        # werkzeug's serve_forever closes the server as it returns, joining the request threads there: wait for it.
        thread.join(timeout=2 * app.config["ALERT_STREAM_LIFETIME_S"])
        assert not thread.is_alive(), "a request to the live site did not end"
        db.dispose(app)


@pytest.fixture(scope="session")
def live_site(chromium: tuple[str, str], live_database_url: str, network_cache: Path) -> Iterator[LiveSite]:
    """The demo served for the browser tests that share it."""
    with serve_world(live_database_url, network_cache) as site:
        yield site


def start_browser(chromium: tuple[str, str]) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='hazledger-chromium-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromium[1]), options=options)
    driver.implicitly_wait(0)
    return driver


@pytest.fixture(scope="session")
def browsers(chromium: tuple[str, str], live_site: LiveSite) -> Iterator[Callable[[int], Any]]:
    """``browsers(n)``: the n-th browser (its own profile, so its own session), started on first use.

    Set up after the live site, so torn down before it: the browsers leave their pages (and close their alert
    streams) before the server waits for its request threads.
    """
    started: dict[int, Any] = {}

    def get(number: int) -> Any:
        if number not in started:
            started[number] = start_browser(chromium)
        return started[number]

    yield get
    for driver in started.values():
        driver.quit()


@pytest.fixture
def browser(browsers: Callable[[int], Any]) -> Any:
    return browsers(1)


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    """Save the whole page as ``tests/screenshots/NAME.png`` (an ignored folder)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(driver: Any, name: str, width: int = 1366) -> Path:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, 600), 6000))
        target = SCREENSHOTS / f"{name}.png"
        driver.save_screenshot(str(target))
        driver.set_window_size(1366, 900)
        return target

    return save
