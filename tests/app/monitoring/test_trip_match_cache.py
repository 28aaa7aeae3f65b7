"""A stored trip's map match is computed once and reused (issue 20 follow-up): by the compliance view, the waybill
map drawn from it and the map's driven roads, until a fix is stored (a late one, older than the newest, too);
behind the waybill's authorisation; bounded; the same as an uncached match; once for two requests at a time.

The trip is the demo detour (geodata/demo_track_detour.csv, 163 fixes) against the demo corridor, with map matching
on over the real Shanghai extract. The matcher's calls are counted (``routing.matching.match_track`` wrapped), not
timed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import threading
import uuid
from collections.abc import Callable

import numpy as np
import pytest

import routing.matching
from app.services import road_network, trip_match
from app.services.corridors import trip_geojson
from app.services.monitoring.settings import MonitorSettings
from app.services.trip_match import MatchCache, match_parameters, stored_track, trip_key
from models import Corridor, Role, User, Waybill
from routing.corridors import load_corridor
from routing.road_check import corridor_episodes
from routing.tracks import read_track
from tests.app.monitoring.conftest import matching  # noqa: F401 (fixture)
from tests.app.waybills.test_tracking import TRACK, on_the_road  # noqa: F401 (fixture)
from tests.web.test_pages import person, sign_in  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def fresh_cache():
    trip_match.CACHE.clear()
    yield
    trip_match.CACHE.clear()


def _count(monkeypatch, name: str, size: Callable[..., int], source=routing.matching) -> list[int]:
    """Count the calls of *source*'s function *name* (``routing.matching``'s by default) made through any module
    that took it by name (each call's *size* of its arguments, in order)."""
    calls: list[int] = []
    real = getattr(source, name)

    def counted(*args, **kwargs):
        calls.append(size(*args, **kwargs))
        return real(*args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, name, None) is real:
            monkeypatch.setattr(module, name, counted)
    return calls


@pytest.fixture
def matches(monkeypatch) -> list[int]:
    """The number of fixes of each call of the whole-track matcher, in order, whoever calls it."""
    return _count(monkeypatch, "match_track", lambda graph, track, params=None: len(track))


@pytest.fixture
def preparations(monkeypatch) -> list[int]:
    """The networks prepared for matching (edges of each), whoever prepares them."""
    return _count(monkeypatch, "prepare_matching", lambda network, *args, **kwargs: len(network.edges))


@pytest.fixture
def driven(client, trip, matching, on_the_road) -> str:  # noqa: F811
    """The waybill's URL once the demo detour is stored."""
    stored = client.post(f"{on_the_road}/track", data=TRACK.read_bytes(), content_type="text/csv",
                         headers=trip.headers["carrier"])
    assert stored.status_code == 200 and stored.get_json()["stored"] == 163, stored.get_json()
    return on_the_road


def _compliance(client, url: str, headers: dict) -> dict:
    response = client.get(f"{url}/compliance", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _post(client, trip, url: str, fixes: list[dict]) -> None:
    body = client.post(f"{url}/track", json={"fixes": fixes}, headers=trip.headers["carrier"]).get_json()
    assert body["stored"] == len(fixes), body


def test_the_second_compliance_request_does_not_match_again(client, trip, driven, matches):
    first = _compliance(client, driven, trip.headers["supervisor"])
    assert first["method"] == "map_match" and matches == [163]
    assert _compliance(client, driven, trip.headers["auditor"]) == first
    assert matches == [163] and trip_match.CACHE.hits == 1


def test_a_new_fix_and_a_late_one_older_than_the_newest_each_match_again(client, trip, driven, matches):
    track = read_track(TRACK)
    _compliance(client, driven, trip.headers["supervisor"])
    when = dt.datetime.fromtimestamp(int(track.time_ns[-1]) / 1e9, dt.timezone.utc) + dt.timedelta(seconds=5)
    _post(client, trip, driven, [{"time": when.isoformat(), "lon": float(track.lon[-1]) + 2e-5,
                                  "lat": float(track.lat[-1])}])
    assert _compliance(client, driven, trip.headers["supervisor"])["points"] == 164
    assert matches == [163, 164]
    # Late and out of order: between the 50th and 51st fixes, halfway between their positions.
    middle = (int(track.time_ns[49]) + int(track.time_ns[50])) // 2
    _post(client, trip, driven, [{"time": dt.datetime.fromtimestamp(middle / 1e9, dt.timezone.utc).isoformat(),
                                  "lon": float(track.lon[49:51].mean()), "lat": float(track.lat[49:51].mean())}])
    assert _compliance(client, driven, trip.headers["supervisor"])["points"] == 165
    assert matches == [163, 164, 165]
    _compliance(client, driven, trip.headers["supervisor"])
    assert matches == [163, 164, 165]


def test_the_page_and_the_api_share_one_match(client, session, trip, driven, matches, preparations,
                                              person: Callable[..., User]):  # noqa: F811
    sign_in(client, person(Role.SUPERVISOR))
    waybill_id = driven.rsplit("/", 1)[1]
    page = client.get(f"/waybills/{waybill_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="driven"' in html and "马当路" in html  # the driven roads drawn, from the compliance view's match
    assert matches == [163]
    _compliance(client, driven, trip.headers["supervisor"])
    assert client.get(f"/waybills/{waybill_id}").status_code == 200
    assert matches == [163]
    assert preparations == []  # on the process's prepared network (matching_graph), not a copy of the page's own


def test_the_page_reads_the_trips_fixes_once(client, driven, matches, monkeypatch,
                                             person: Callable[..., User]):  # noqa: F811
    reads = _count(monkeypatch, "stored_track", lambda session, waybill_id: 1, source=trip_match)
    sign_in(client, person(Role.SUPERVISOR))
    page = client.get(f"/waybills/{driven.rsplit('/', 1)[1]}")
    assert page.status_code == 200 and 'class="driven"' in page.get_data(as_text=True)
    assert reads == [1] and matches == [163]  # the check and the roads driven from one read of the fixes


def test_the_cache_sits_behind_the_waybills_authorisation(client, trip, driven, matches):
    _compliance(client, driven, trip.headers["supervisor"])
    hits = trip_match.CACHE.hits
    refused = client.get(f"{driven}/compliance", headers=trip.headers["outsider"])
    assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert trip_match.CACHE.hits == hits and matches == [163]


def test_the_cached_answer_is_the_uncached_one(app, client, session, trip, driven, matches):
    cached = _compliance(client, driven, trip.headers["supervisor"])
    again = _compliance(client, driven, trip.headers["supervisor"])
    trip_match.CACHE.clear()
    fresh = _compliance(client, driven, trip.headers["supervisor"])
    assert cached == again == fresh and matches == [163, 163]
    # ... and route check --match's rule itself (routing.road_check.corridor_episodes, which matches anew).
    waybill = session.get(Waybill, uuid.UUID(driven.rsplit("/", 1)[1]))
    settings = MonitorSettings.from_config(app.config)
    with app.app_context():
        graph = road_network.matching_graph(wait=True)
        track = stored_track(session, waybill.id)
        document = trip_geojson(session, session.get(Corridor, waybill.corridor_id), holds_pass=False)
        classes = {line.hazard_class for line in waybill.current.lines if line.hazard_class} or None
        episodes, state, result = corridor_episodes(track, load_corridor(document, network=graph.network), graph,
                                                    settings.check_parameters(), hazard_classes=classes,
                                                    match=match_parameters(settings))
    assert [e["kind"] for e in cached["episodes"]] == ["deviation", "forbidden_zone"]
    assert cached["episodes"] == json.loads(app.json.dumps(episodes))
    assert cached["inside_share"] == round(float(1 - state.outside.mean()), 4)
    kept = trip_match.trip_match(waybill.id, track, graph, match_parameters(settings))
    for name in ("edge", "offset_m", "distance_m", "stretch", "status"):
        assert np.array_equal(getattr(kept, name), getattr(result, name)), name
    assert kept.stretches == result.stretches


def _matched(graph, track, params) -> Callable[[], routing.matching.MatchResult]:
    return lambda: routing.matching.match_track(graph, track, params)


def test_the_cache_is_bounded_by_trips_and_by_fixes(app, matching):  # noqa: F811
    with app.app_context():
        graph = road_network.matching_graph(wait=True)
    params = match_parameters(MonitorSettings.from_config(app.config))
    whole = read_track(TRACK)
    tracks = [dataclasses.replace(whole, lon=whole.lon[:n], lat=whole.lat[:n], time_ns=whole.time_ns[:n],
                                  speed_kph=None) for n in (40, 50, 60, 163)]
    keys = [trip_key(uuid.uuid4(), t, graph, params) for t in tracks]
    cache = MatchCache(max_trips=2, max_fixes=120)
    for key, track in zip(keys[:3], tracks):
        cache.get(key, _matched(graph, track, params))
    assert keys[0] not in cache and keys[1] in cache and keys[2] in cache  # two trips at most: the oldest out
    cache.get(keys[1], _matched(graph, tracks[1], params))  # now the most recently used
    cache.get(keys[0], _matched(graph, tracks[0], params))  # 40 + 50 + 60 > 120 fixes: the least recent out
    assert keys[2] not in cache and keys[1] in cache and keys[0] in cache and cache.fixes == 90
    big = cache.get(keys[3], _matched(graph, tracks[3], params))  # more than the bound alone: answered, not kept
    assert len(big.edge) == 163 and keys[3] not in cache and len(cache) == 2
    assert cache.matches == 5 and cache.hits == 1


def test_two_requests_at_once_match_once(app, matching):  # noqa: F811
    with app.app_context():
        graph = road_network.matching_graph(wait=True)
    params = match_parameters(MonitorSettings.from_config(app.config))
    track = read_track(TRACK)
    key = trip_key(uuid.uuid4(), track, graph, params)
    cache = MatchCache()
    both_asked = threading.Event()
    calls: list[int] = []

    def match() -> routing.matching.MatchResult:
        calls.append(1)
        assert both_asked.wait(timeout=60)  # the other request is waiting for this match before it is made
        return routing.matching.match_track(graph, track, params)

    answers: list[routing.matching.MatchResult] = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get(key, match))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(6000):  # polled, at most 60 s: both requests hold or wait for the key's lock
        if cache.waiting(key) == 2:
            break
        threading.Event().wait(0.01)
    both_asked.set()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 2 and answers[0] is answers[1]
    assert calls == [1] and cache.matches == 1 and cache.hits == 1 and key in cache
