"""While the server prepares the road network in the background, a waybill's map says so (issue 18).

The first preparation of the OSM extract took 25.8 s and held the first map's page for as long; ``serve`` now
starts it when the server starts, and a map asked for meanwhile opens at once, without streets, saying why. The
preparation is held here on an event, so the test sees both states whatever the machine's speed.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.i18n import CATALOGUES
from app.services import road_network as network_service
from app.services.users import set_password
from app.web import maps
from models import Role
from routing import RoutingInputError
from tests.app.monitoring.conftest import register_road, start_trip
from tests.app.waybills.conftest import build_trip
from tests.factories import make_user
from tests.web.test_pages import PASSWORD, sign_in


def _says(page: str, note: str) -> bool:
    with (CATALOGUES / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        chinese = {m.id: m.string for m in read_po(po) if m.id}
    return note in page or chinese[note] in page


@pytest.fixture
def held_network(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """A network whose preparation waits for the event, then finds no extract (a cache folder of this test's own,
    so the process's cache of the real network is not touched)."""
    app.config["CACHE_DIR"] = str(tmp_path / "cache")
    release = threading.Event()

    def load(path: str, *, cache_dir: str) -> None:
        assert release.wait(timeout=120)
        raise RoutingInputError("no extract in this test")

    monkeypatch.setattr(network_service, "load_network", load)
    yield release
    release.set()
    network_service._network.cache_clear()


def test_the_map_says_the_network_is_being_prepared_until_it_is(app: Flask, client: FlaskClient, session: Session,
                                                                held_network: threading.Event) -> None:
    road = start_trip(client, session, build_trip(session), register_road(session).id)
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    set_password(session, supervisor, PASSWORD)
    session.commit()
    sign_in(client, supervisor)
    preparing = maps.prepare_road_network(app)
    assert preparing is not None and preparing.is_alive()
    page = client.get(f"/waybills/{road.id}").get_data(as_text=True)
    assert 'id="trip-map"' in page
    assert _says(page, maps.PREPARING_NOTE) and not _says(page, maps.NO_NETWORK_NOTE)
    held_network.set()
    preparing.join(timeout=120)
    assert not preparing.is_alive()
    page = client.get(f"/waybills/{road.id}").get_data(as_text=True)
    assert not _says(page, maps.PREPARING_NOTE) and _says(page, maps.NO_NETWORK_NOTE)


def test_nothing_is_prepared_without_a_network_file(app: Flask, tmp_path: Path) -> None:
    app.config["NETWORK_PATH"] = str(tmp_path / "absent.osm")
    assert maps.prepare_road_network(app) is None
