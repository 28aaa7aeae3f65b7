"""A corridor given as a road list (准行路线: OSM way ids or road names, issue 20) in the live checks: registered
through the corridor API and CLI against the road network (unknown ids and names refused, naming them, nothing
written); with map matching on, judged by the roads driven, as ``route check --match`` judges it, in one upload or
several; without matching, by the buffer of the listed roads.

The drives are on the real Shanghai extract: the demo corridor's roads (肇嘉浜路 … 天潼路) driven as listed, and
the demo detour (geodata/demo_track_detour.csv), which leaves them for 合肥路, 马当路 and 复兴中路.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import cli
from app.services import road_network
from app.services.corridors import register_corridor
from app.services.monitoring.settings import MonitorSettings
from models import Corridor, Role
from routing.network import Network
from tests.app.monitoring.conftest import alerts_of, replay
from tests.app.monitoring.test_same_as_route_check_matched import _fixes, _route_check, _when
from tests.factories import auth, make_user
from tests.paths import DEMO_CORRIDOR, SHANGHAI_OSM

# The demo corridor's roads, as a permit lists them (tests/routing/test_road_check.py drives them).
ROADS = ["肇嘉浜路", "徐家汇路", "重庆南路", "重庆中路", "成都北路", "北京西路", "北京东路", "福建中路", "福建北路",
         "天潼路"]
#: The unnamed ways between them in the extract (links across junctions, 390 m in all): listed by id.
LINKS = [511187808, 511187809, 511187810, 511187811, 521704053]
DETOUR = {"合肥路", "马当路"}


def by_names(*extra: dict) -> dict:
    """The demo corridor's roads by name (and the unnamed links by id), as a permit lists them."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"name": "准行路线", "road_names": ROADS,
                                                             "osm_way_ids": LINKS}}, *extra]}


def way_ids(network: Network) -> list[int]:
    """The OSM ways of the listed roads and links."""
    edges = network.edges
    named = edges["name"].map(lambda v: bool(set(v if isinstance(v, list) else [v]) & set(ROADS)))
    return sorted({int(w) for ids in edges.loc[named.to_numpy(bool), "osmid"]
                   for w in (ids if isinstance(ids, list) else [ids])} | set(LINKS))


@pytest.fixture
def network(app, network_cache) -> Network:
    if not SHANGHAI_OSM.is_file():
        pytest.skip(f"reference data not available: {SHANGHAI_OSM}")
    app.config.update(NETWORK_PATH=str(SHANGHAI_OSM), CACHE_DIR=str(network_cache))
    with app.app_context():
        return road_network.road_network(wait=True)


@pytest.fixture
def admin(session):
    return auth(make_user(session, Role.ADMIN)[1])


def _register(app, session, geojson: dict) -> Corridor:
    with app.app_context():  # the road lists are found in the app's network
        return register_corridor(session, {"name": "准行路线", "geojson": geojson})


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Corridor))


def test_a_road_list_registers_with_its_roads_centre_lines(client, session, admin, network):
    square = {"type": "Feature", "properties": {"name": "厂区"}, "geometry": {"type": "Polygon", "coordinates": [[
        [121.470, 31.230], [121.472, 31.230], [121.472, 31.232], [121.470, 31.232], [121.470, 31.230]]]}}
    created = client.post("/api/v1/corridors", json={"name": "准行路线", "geojson": by_names(square)}, headers=admin)
    assert created.status_code == 201, created.get_json()
    listed, kept = created.get_json()["geojson"]["features"]
    assert listed["properties"]["road_names"] == ROADS and listed["properties"]["osm_way_ids"] == LINKS
    assert listed["geometry"]["type"] == "MultiLineString"
    assert kept == square
    ids = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": None, "properties": {"osm_way_ids": way_ids(network)}}]}
    assert client.post("/api/v1/corridors", json={"name": "按编号", "geojson": ids}, headers=admin).status_code == 201


@pytest.mark.parametrize("properties, named", [
    ({"osm_way_ids": [1, 2], "road_names": ["肇嘉浜路"]}, "OSM way ids 1, 2"),
    ({"road_names": ["肇嘉浜路", "没有这条路"]}, "road names 没有这条路"),
    ({"osm_way_ids": "1"}, "osm_way_ids must be a list of integers"),
])
def test_unknown_roads_are_422_naming_them_and_write_nothing(client, session, admin, network, properties, named):
    before = _count(session)
    geojson = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None,
                                                          "properties": properties}]}
    response = client.post("/api/v1/corridors", json={"name": "错", "geojson": geojson}, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert named in " ".join(response.get_json()["errors"]["geojson"])
    assert _count(session) == before


def test_a_road_list_without_a_network_is_422(app, client, session, admin, tmp_path):
    app.config.update(NETWORK_PATH=str(tmp_path / "none.osm"))
    before = _count(session)
    response = client.post("/api/v1/corridors", json={"name": "准行路线", "geojson": by_names()}, headers=admin)
    assert response.status_code == 422
    assert "no road network is configured" in " ".join(response.get_json()["errors"]["geojson"])
    assert _count(session) == before


def test_cli_import_of_a_road_list(fresh_database_url, tmp_path, monkeypatch, network):
    monkeypatch.setenv("HAZLEDGER_NETWORK_PATH", str(SHANGHAI_OSM))
    bad = by_names()
    bad["features"][0]["properties"]["osm_way_ids"] = [7, *LINKS]
    (tmp_path / "bad.geojson").write_text(json.dumps(bad), encoding="utf-8")
    (tmp_path / "good.geojson").write_text(json.dumps(by_names()), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(cli, ["--database-url", fresh_database_url, "corridors", "import", *args])

    failed = run(str(tmp_path / "bad.geojson"), "--name", "准行路线")
    assert failed.exit_code == 2 and "OSM way ids 7" in failed.stderr
    done = run(str(tmp_path / "good.geojson"), "--name", "准行路线")  # the name is still free: nothing written
    assert done.exit_code == 0, done.output


def _retimed(frame, t0: dt.datetime) -> list[dict]:
    """A simulated drive's fixes from *t0*."""
    start = dt.datetime.fromisoformat(frame["time"].iloc[0])
    return [{"time": (t0 + (dt.datetime.fromisoformat(t) - start)).isoformat(), "lon": round(lon, 7),
             "lat": round(lat, 7)} for t, lon, lat in zip(frame["time"], frame["lon"], frame["lat"])]


def _deviations(client, road) -> list[dict]:
    return [a for a in alerts_of(client, road) if a["kind"] == "deviation"]


@pytest.mark.parametrize("uploads", [1, 4])
def test_driving_the_listed_roads_raises_no_deviation(client, session, trip, matching, network, uploads):
    from shapely.geometry import shape

    from routing.projection import geometry_to_metric
    from tests.routing.simulate import drive

    line = next(f for f in json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))["features"]
                if f["geometry"]["type"] == "LineString")
    sim = drive(geometry_to_metric(shape(line["geometry"]), network.crs), network, noise_m=10.0, seed=1)
    road, _ = replay(client, session, trip, _register(matching, session, by_names()).id,
                     lambda t0: _retimed(sim.frame, t0), uploads)
    assert [a["details"] for a in _deviations(client, road)] == []


@pytest.mark.parametrize("given, uploads", [("names", 1), ("names", 5), ("ids", 3)])
def test_leaving_the_listed_roads_is_one_deviation_naming_them_as_route_check_match(
        client, session, trip, matching, network, tmp_path, given, uploads):
    geojson = by_names()
    if given == "ids":
        geojson["features"][0]["properties"] = {"osm_way_ids": way_ids(network)}
    record = _register(matching, session, geojson)
    road, fixes = replay(client, session, trip, record.id, _fixes, uploads)
    checked = [e for e in _route_check(tmp_path, matching, fixes, MonitorSettings.from_config(matching.config),
                                       record.geojson) if e["kind"] == "deviation"]
    alerts = _deviations(client, road)
    assert len(checked) == 1 and len(alerts) == 1, (checked, alerts)
    (episode,), (alert,) = checked, alerts
    assert (_when(alert["started_at"]), _when(alert["last_seen_at"])) == (_when(episode["start"]),
                                                                          _when(episode["end"]))
    assert alert["details"]["method"] == "map_match"
    assert DETOUR <= set(alert["details"]["roads"]) and not set(alert["details"]["roads"]) & set(ROADS)
    assert DETOUR <= set(episode["roads"])
    assert all(name in alert["title"] for name in DETOUR)
    report = client.get(f"{road.url}/compliance", headers=trip.headers["supervisor"]).get_json()
    assert report["method"] == "map_match"  # the compliance view (and the waybill's map drawn from it): the same rule
    assert [(e["kind"], _when(e["start"]), e["roads"]) for e in report["episodes"]] == [
        ("deviation", _when(episode["start"]), episode["roads"])]  # the stored fixes' times: to the microsecond


def test_without_map_matching_the_buffer_of_the_listed_roads_applies(app, client, session, trip, network):
    app.config.update(MONITOR_MIN_SECONDS=30)  # as with matching above: the drive is replayed at 1.8 × its speed
    road, _ = replay(client, session, trip, _register(app, session, by_names()).id, _fixes)
    (alert,) = _deviations(client, road)
    assert "method" not in alert["details"] and "roads" not in alert["details"]  # the buffer, as for any corridor
    assert alert["details"]["max_offset_m"] > 300  # the detour is 250-450 m off the listed roads' centre lines
    report = client.get(f"{road.url}/compliance", headers=trip.headers["supervisor"]).get_json()
    assert report["method"] == "buffer" and [e["kind"] for e in report["episodes"]] == ["deviation"]


def test_until_the_network_is_ready_the_buffer_of_the_listed_roads_applies(
        app, client, session, trip, network, monkeypatch):
    monkeypatch.setattr(road_network, "_graphs", {})  # map matching on, its network never ready in this test
    monkeypatch.setattr(road_network, "_graph_threads", {})
    monkeypatch.setattr(road_network, "_prepare_graph", lambda path, cache_dir: None)
    app.config.update(MONITOR_MAP_MATCH=True, MONITOR_MIN_SECONDS=30)
    road, _ = replay(client, session, trip, _register(app, session, by_names()).id, _fixes)
    (alert,) = _deviations(client, road)
    assert alert["details"]["method"] == "buffer" and "roads" not in alert["details"]


def test_a_trip_corridor_reads_its_road_lists_on_the_network_once(network):
    from app.services.monitoring.trip import LoadedCorridor
    from routing.corridors import load_corridor, resolve_road_lists

    document = resolve_road_lists(by_names(), network)
    loaded = LoadedCorridor(load_corridor(document), document=document)
    on_network = loaded.by_roads(network)
    assert on_network is not loaded.corridor and on_network.features[0].roads.any()
    assert loaded.by_roads(network) is on_network  # once per network
    assert loaded.corridor.features[0].roads is None  # the buffer of the stored centre lines, for the facts
    gone = json.loads(json.dumps(document))
    gone["features"][0]["properties"]["osm_way_ids"] = [7]  # a road the network no longer has: by the buffer
    stale = LoadedCorridor(load_corridor(gone), document=gone)
    assert stale.by_roads(network) is stale.corridor
    line = LoadedCorridor(load_corridor(DEMO_CORRIDOR), document=json.loads(DEMO_CORRIDOR.read_text("utf-8")))
    assert line.by_roads(network) is line.corridor  # no road list: the corridor as it is
