"""Live checks by road while the road network is not ready (issue 20): ingestion does not wait for it, the fixes
are judged by the buffer and the flat limit and the alert says so; fixes a matcher held are judged the same way
when the network goes away, none lost and none judged twice; and at the trip's end (arrival) by their roads."""
from __future__ import annotations

import threading
import uuid

import pytest

from app.services import road_network
from models import TripState
from tests.app.monitoring.conftest import alerts_of, post_fixes
from tests.app.monitoring.test_same_as_route_check_matched import _fixes
from tests.paths import SHANGHAI_OSM


@pytest.fixture
def not_ready(app, monkeypatch):
    """Map matching on, its network's preparation held until the test releases it."""
    release = threading.Event()
    monkeypatch.setattr(road_network, "_graphs", {})
    monkeypatch.setattr(road_network, "_graph_threads", {})
    monkeypatch.setattr(road_network, "_prepare_graph", lambda path, cache_dir: release.wait(60))
    app.config.update(MONITOR_MAP_MATCH=True, NETWORK_PATH=str(SHANGHAI_OSM))
    yield release
    release.set()


def _overspeed(client, road) -> dict:
    found = [a for a in alerts_of(client, road) if a["kind"] == "overspeed"]
    assert len(found) == 1, found
    return found[0]


def test_until_the_network_is_ready_fixes_are_judged_by_the_flat_limit(client, road, not_ready):
    fixes = road.drive().go(121.45, 31.20, kph=95).take()
    post_fixes(client, road, fixes)  # answered without waiting for the network
    details = _overspeed(client, road)["details"]
    assert details["limit_kph"] == 80 and details["method"] == "buffer" and "roads" not in details


@pytest.fixture
def matching(app, network_cache):
    """Map matching on, the network prepared, a lag long enough that only convergence makes a fix final."""
    if not SHANGHAI_OSM.is_file():
        pytest.skip(f"reference data not available: {SHANGHAI_OSM}")
    app.config.update(MONITOR_MAP_MATCH=True, NETWORK_PATH=str(SHANGHAI_OSM), CACHE_DIR=str(network_cache),
                      MONITOR_MATCH_LAG_FIXES=50, MONITOR_MATCH_LAG_S=3600)
    with app.app_context():
        assert road_network.matching_graph(wait=True) is not None


def _held(session, road) -> list:
    """The fixes the trip's matcher holds."""
    state = session.get(TripState, uuid.UUID(road.id))
    session.refresh(state)
    return state.runs["map_match"]["matcher"]["pending"]


def test_fixes_held_by_the_matcher_are_judged_when_the_network_goes_away(client, session, road, matching,
                                                                         monkeypatch):
    fixes = [{**fix, "speed": 95.0} for fix in _fixes(road.t0)[:60]]  # real roads: a match a few fixes behind
    first, second = fixes[:45], fixes[45:]
    post_fixes(client, road, first)
    assert _held(session, road)  # the matcher holds the last fixes until their road is final
    monkeypatch.setattr(road_network, "_graphs", {})
    monkeypatch.setattr(road_network, "_graph_threads", {})
    monkeypatch.setattr(road_network, "_prepare_graph", lambda path, cache_dir: None)
    post_fixes(client, road, second)
    state = session.get(TripState, uuid.UUID(road.id))
    session.refresh(state)
    assert "map_match" not in state.runs
    alert = _overspeed(client, road)
    assert alert["started_at"][:19] == first[0]["time"][:19] and alert["last_seen_at"][:19] == second[-1]["time"][:19]
    assert alert["details"]["points"] == len(first) + len(second)  # every fix judged once
    assert alert["details"]["method"] == "buffer"


def test_arrival_judges_the_fixes_the_matcher_held(client, session, road, matching):
    fixes = [{**fix, "speed": 95.0} for fix in _fixes(road.t0)[:45]]
    post_fixes(client, road, fixes)
    held = len(_held(session, road))
    assert held and _overspeed(client, road)["details"]["points"] == len(fixes) - held
    assert client.post(f"{road.url}/arrive", json={}, headers=road.trip.headers["carrier"]).status_code == 200
    alert = _overspeed(client, road)
    assert alert["details"]["points"] == len(fixes) and alert["last_seen_at"][:19] == fixes[-1]["time"][:19]
    assert alert["ended_at"] is not None and alert["details"]["method"] == "map_match"
