"""Map matching on the real Shanghai extract: a river tunnel crossed with no fix inside, a dual carriageway driven in
one direction, a break across an impossible gap, stale repeats, the per-fix table for road-aware checks."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from routing._errors import RoutingInputError
from routing.cargo import cargo_from_un
from routing.match_report import match_document, match_geojson
from routing.matching import MatchParameters, match_track, prepare_matching
from routing.network import Network
from routing.projection import to_wgs84
from routing.tracks import Track, track_from_frame
from tests.routing.simulate import START, drive, path_line


@pytest.fixture(scope="module")
def graph(shanghai: Network):
    return prepare_matching(shanghai)


def through(network: Network, name: str, margin_m: float = 1_500.0) -> list[int]:
    """Nodes of a drive from ``margin_m`` before the longest edge of the tunnel ``name`` to ``margin_m`` after."""
    edges = network.edges
    marked = edges[(edges["name"].astype(str) == name) & edges["tunnel"].notna()]
    u, v, _ = marked["length"].idxmax()
    back = nx.single_source_dijkstra_path_length(network.graph.reverse(copy=False), u, weight="length")
    ahead = nx.single_source_dijkstra_path_length(network.graph, v, weight="length")
    origin = min(back, key=lambda n: (abs(back[n] - margin_m), n))
    end = min(ahead, key=lambda n: (abs(ahead[n] - margin_m), n))
    nodes = nx.shortest_path(network.graph, origin, u, weight="length") + nx.shortest_path(
        network.graph, v, end, weight="length")
    assert len(set(nodes)) == len(nodes)
    return nodes


def without_tunnel_fixes(network: Network, sim, line) -> pd.DataFrame:
    """The simulated fixes less those whose true position is in a tunnel (no signal underground)."""
    tunnels = network.edges[network.edges["tunnel"].notna()].geometry.values
    tree = shapely.STRtree(tunnels)
    inside, _ = tree.query(shapely.points(sim.true_x, sim.true_y), predicate="dwithin", distance=0.5)
    keep = np.ones(len(sim.frame), dtype=bool)
    keep[inside] = False
    return sim.frame[keep].reset_index(drop=True)


def test_river_tunnel_without_a_fix_inside_is_on_the_path(shanghai, graph):
    nodes = through(shanghai, "人民路隧道")
    line = path_line(shanghai, nodes)
    sim = drive(line, shanghai, speed_mps=11.0, dt_s=10.0, noise_m=8.0, seed=3)
    frame = without_tunnel_fixes(shanghai, sim, line)
    assert len(frame) <= len(sim.frame) - 10  # the tunnel took minutes without a fix
    track = track_from_frame(frame)
    result = match_track(graph, track)
    assert len(result.stretches) == 1
    document = match_document(result)
    tunnels = [t for t in document["tunnels"] if t["name"] == "人民路隧道"]
    assert len(tunnels) == 1 and tunnels[0]["fixes_inside"] == 0
    enter, leave = pd.Timestamp(tunnels[0]["enter"]), pd.Timestamp(tunnels[0]["exit"])
    times = pd.to_datetime(frame["time"])
    # Inferred between the last fix before the tunnel and the first after it.
    assert times[times <= enter].size and times[times >= leave].size
    assert (leave - enter).total_seconds() > 100
    assert not any("复兴东路" in t["name"] for t in document["tunnels"])
    assert document["closed_for_cargo"] == []


def test_hazmat_no_tunnel_is_closed_for_dangerous_cargo(shanghai, graph, catalogue):
    nodes = through(shanghai, "复兴东路隧道 (下层)")
    sim = drive(path_line(shanghai, nodes), shanghai, speed_mps=11.0, dt_s=10.0, noise_m=8.0, seed=4)
    result = match_track(graph, track_from_frame(without_tunnel_fixes(shanghai, sim, None)))
    petrol = cargo_from_un(["1203"], catalogue)
    closed = match_document(result, cargo=petrol)["closed_for_cargo"]
    assert [c["reason"] for c in closed] == ["hazmat=no"]
    assert closed[0]["name"].startswith("复兴东路隧道") and closed[0]["osm_ids"]
    assert match_document(result)["closed_for_cargo"] == []  # no cargo, nothing closed


def dual_carriageway(network: Network) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The longest one-way edge with a one-way edge of the same name 15–40 m away running the other way."""
    edges = network.edges
    oneway = edges[(edges["oneway"] == True) & (edges["length"] > 250) & edges["name"].notna()]  # noqa: E712
    geoms = oneway.geometry.values
    tree = shapely.STRtree(geoms)
    for i in np.argsort(-oneway["length"].to_numpy(), kind="stable"):
        line = geoms[i]
        for j in tree.query(line.centroid, predicate="dwithin", distance=40):
            other = geoms[j]
            apart = other.distance(line.centroid)
            same_name = str(oneway["name"].iloc[j]) == str(oneway["name"].iloc[i])
            start, end = shapely.get_coordinates(line)[[0, -1]]
            opposite = other.project(shapely.Point(start)) > other.project(shapely.Point(end))
            if j != i and same_name and 15 <= apart <= 40 and opposite:
                return oneway.index[i], oneway.index[j]
    raise AssertionError("no dual carriageway in the extract")


def test_dual_carriageway_is_matched_in_the_direction_driven(shanghai, graph):
    driven, opposite = dual_carriageway(shanghai)
    line = shanghai.edges.geometry[driven]
    sim = drive(line, shanghai, speed_mps=10.0, dt_s=2.0, noise_m=10.0, seed=5)
    result = match_track(graph, track_from_frame(sim.frame), MatchParameters(sigma_m=10.0))
    table = result.fix_table()
    on = list(zip(table["u"], table["v"], table["key"]))
    assert on.count(driven) >= 0.9 * len(on)
    assert opposite not in on
    keys = set(graph.edge_keys(np.array([p.edge for s in result.stretches for p in s.pieces])))
    assert opposite not in keys


def test_fix_table_carries_the_road_class_and_limit(shanghai, graph):
    driven, _ = dual_carriageway(shanghai)
    sim = drive(shanghai.edges.geometry[driven], shanghai, dt_s=5.0, noise_m=5.0, seed=6)
    table = match_track(graph, track_from_frame(sim.frame)).fix_table()
    assert {"u", "v", "key", "highway", "maxspeed", "status", "stretch"} <= set(table.columns)
    assert (table["highway"] == shanghai.edges.loc[driven, "highway"]).mean() > 0.9


def raw_track(lon, lat, seconds) -> Track:
    return Track(lon=np.asarray(lon, float), lat=np.asarray(lat, float),
                 time_ns=START.value + (np.asarray(seconds, float) * 1e9).astype(np.int64), speed_kph=None,
                 points=len(lon))


def test_impossible_gap_breaks_into_two_stretches(shanghai, graph):
    driven, _ = dual_carriageway(shanghai)
    first = drive(shanghai.edges.geometry[driven], shanghai, dt_s=5.0, noise_m=5.0, seed=7).frame
    later = first.copy()
    # The same drive 3 km further east, 5 s after the first ends: no road vehicle covers that.
    x, y = shanghai.edges.geometry[driven].coords[0]
    lon0, _ = to_wgs84(np.array([x, x + 3_000.0]), np.array([y, y]), shanghai.crs)
    later["lon"] = later["lon"] + (lon0[1] - lon0[0])
    seconds = np.arange(len(first) * 2) * 5.0
    track = raw_track(np.concatenate([first["lon"], later["lon"]]), np.concatenate([first["lat"], later["lat"]]),
                      seconds)
    result = match_track(graph, track)
    assert len(result.stretches) >= 2
    assert result.stretches[0].last < len(first) <= result.stretches[1].first
    assert {s.first for s in result.stretches[1:]} >= {result.stretches[1].first}
    assert all(0 < s.confidence <= 1 for s in result.stretches)


def test_stale_repeats_take_the_previous_match(shanghai, graph):
    driven, _ = dual_carriageway(shanghai)
    frame = drive(shanghai.edges.geometry[driven], shanghai, dt_s=2.0, noise_m=5.0, seed=8).frame
    lon, lat = frame["lon"].to_numpy().copy(), frame["lat"].to_numpy().copy()
    lon[10:14], lat[10:14] = lon[9], lat[9]  # the logger repeats fix 9 four times while the car moves on
    result = match_track(graph, raw_track(lon, lat, np.arange(len(lon)) * 2.0))
    assert list(result.status[10:14]) == ["stale"] * 4
    assert (result.edge[10:14] == result.edge[9]).all()
    assert len(result.stretches) == 1


def test_geojson_has_a_line_per_stretch_and_the_tunnels(shanghai, graph):
    nodes = through(shanghai, "人民路隧道")
    sim = drive(path_line(shanghai, nodes), shanghai, speed_mps=11.0, dt_s=10.0, noise_m=8.0, seed=3)
    result = match_track(graph, track_from_frame(without_tunnel_fixes(shanghai, sim, None)))
    collection = match_geojson(result)
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("stretch") == 1 and "tunnel" in kinds and "way" in kinds
    line = next(f for f in collection["features"] if f["properties"]["kind"] == "stretch")
    assert line["geometry"]["type"] == "LineString"
    lon, lat = np.array(line["geometry"]["coordinates"]).T
    assert (abs(lon - 121.49) < 0.1).all() and (abs(lat - 31.23) < 0.1).all()


def test_track_elsewhere_and_bad_parameters_are_refused(shanghai, graph):
    with pytest.raises(RoutingInputError, match="no fix lies on the network"):
        match_track(graph, raw_track([31.23, 31.24], [121.48, 121.49], [0, 10]))  # lon and lat swapped
    with pytest.raises(RoutingInputError, match="--sigma-m"):
        MatchParameters(sigma_m=-1).validated()
