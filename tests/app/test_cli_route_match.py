"""`hazledger route match` against CONTRACT.md: JSON and GeoJSON output, exit 1 for a road closed to the cargo,
exit 2 with a one-line reason (and nothing on stdout) for bad input."""
import json

import pytest
from click.testing import CliRunner

from app.cli.route import route
from routing.network import load_network
from tests.paths import SHANGHAI_OSM
from tests.routing.simulate import drive, path_line
from tests.routing.test_matching import through, without_tunnel_fixes


def run(*args):
    return CliRunner().invoke(route, [str(a) for a in args])


@pytest.fixture(scope="module")
def cache(network_cache):
    """The prepared networks' folder of the session (the extract prepared once)."""
    return network_cache


@pytest.fixture(scope="module")
def network(cache):
    if not SHANGHAI_OSM.is_file():
        pytest.skip(f"reference data not available: {SHANGHAI_OSM}")
    return load_network(SHANGHAI_OSM, cache_dir=cache)


def tunnel_track(network, directory, name, seed):
    sim = drive(path_line(network, through(network, name)), network, speed_mps=11.0, dt_s=10.0, noise_m=8.0,
                seed=seed)
    path = directory / f"track-{seed}.csv"
    without_tunnel_fixes(network, sim, None).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def people_road(network, tmp_path_factory):
    return tunnel_track(network, tmp_path_factory.mktemp("tracks"), "人民路隧道", 3)


@pytest.fixture(scope="module")
def fuxing_road(network, tmp_path_factory):
    return tunnel_track(network, tmp_path_factory.mktemp("tracks"), "复兴东路隧道 (下层)", 4)


def match(cache, track, *args):
    return run("match", "--network", SHANGHAI_OSM, "--track", track, "--cache-dir", cache, *args)


def test_json_has_the_contract_keys(cache, people_road):
    result = match(cache, people_road)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"ways", "tunnels", "bridges", "closed_for_cargo", "matched_share", "edges", "stretches"} <= set(data)
    assert data["matched_share"] > 0.9
    way = data["ways"][0]
    assert set(way) == {"osm_ids", "name", "enter", "exit"} and way["osm_ids"]
    edge = data["edges"][0]
    assert {"u", "v", "key", "osm_ids", "name", "enter", "exit"} <= set(edge)
    tunnel = next(t for t in data["tunnels"] if t["name"] == "人民路隧道")
    assert tunnel["fixes_inside"] == 0 and tunnel["enter"] < tunnel["exit"]
    assert all(0 < s["confidence"] <= 1 for s in data["stretches"])


def test_geojson_is_a_feature_collection(cache, people_road, tmp_path):
    picture = tmp_path / "match.png"
    result = match(cache, people_road, "--format", "geojson", "--plot", picture)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["kind"] for f in data["features"]} >= {"stretch", "way", "tunnel"}
    assert picture.stat().st_size > 10_000


def test_closed_tunnel_for_the_cargo_exits_1(cache, fuxing_road):
    result = match(cache, fuxing_road, "--un", "1203")
    assert result.exit_code == 1, result.stderr
    closed = json.loads(result.stdout)["closed_for_cargo"]
    assert closed and closed[0]["reason"] == "hazmat=no" and "复兴东路隧道" in closed[0]["name"]
    assert match(cache, fuxing_road).exit_code == 0  # nothing on board: nothing closed


@pytest.mark.parametrize("extra, reason", [
    (("--sigma-m", "-3"), "--sigma-m must be more than zero"),
    (("--radius-m", "0"), "--radius-m must be more than zero"),
    (("--un", "99999"), "not a UN number"),
    (("--plot", "picture.gif"), "--plot file must end in"),
])
def test_bad_options_exit_2(cache, people_road, extra, reason):
    result = match(cache, people_road, *extra)
    assert result.exit_code == 2
    assert reason in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_bad_files_exit_2(cache, tmp_path):
    beijing = tmp_path / "beijing.csv"
    beijing.write_text("time,lon,lat\n2026-01-01T08:00:00Z,116.40,39.90\n2026-01-01T08:00:10Z,116.401,39.901\n",
                       encoding="utf-8")
    elsewhere = match(cache, beijing)
    assert elsewhere.exit_code == 2 and "no fix lies on the network" in elsewhere.stderr
    missing = match(cache, tmp_path / "none.csv")
    assert missing.exit_code == 2 and "track file not found" in missing.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("time,lon,lat\n", encoding="utf-8")
    assert match(cache, empty).exit_code == 2
    network = run("match", "--network", tmp_path / "none.osm", "--track", beijing, "--cache-dir", cache)
    assert network.exit_code == 2 and "network file not found" in network.stderr


def test_check_by_matched_roads_on_a_road_list(cache, people_road, tmp_path):
    corridor = tmp_path / "permit.geojson"
    feature = {"type": "Feature", "geometry": None, "properties": {"road_names": ["人民路隧道"]}}
    corridor.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    args = ("check", "--corridor", corridor, "--track", people_road, "--network", SHANGHAI_OSM, "--cache-dir", cache)
    result = run(*args, "--match", "--end-tolerance-m", "0")
    assert result.exit_code == 1, result.stderr  # the approaches on both banks are not on the list
    data = json.loads(result.stdout)
    assert data["method"] == "map_match"
    assert all(e["roads"] and "人民路隧道" not in e["roads"] for e in data["episodes"] if e["kind"] == "deviation")
    refused = run("check", "--corridor", corridor, "--track", people_road, "--match")
    assert refused.exit_code == 2 and "--match needs the road network" in refused.stderr
