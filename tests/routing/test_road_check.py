"""Corridor checks by the matched roads: road-list corridors (准行路线 by name), GPS wandering beyond the buffer,
trip ends off the network; the buffer check beside it for contrast."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from routing.checks import check_track
from routing.corridors import load_corridor
from routing.matching import prepare_matching
from routing.projection import to_metric, to_wgs84
from routing.road_check import check_track_by_roads
from routing.tracks import track_from_frame
from tests.paths import DEMO_CORRIDOR
from tests.routing.simulate import detour_line, detour_nodes, drive

# The demo corridor's roads, as a permit lists them.
ROADS = ["肇嘉浜路", "徐家汇路", "重庆南路", "重庆中路", "成都北路", "北京西路", "北京东路", "福建中路", "福建北路",
         "天潼路"]


@pytest.fixture(scope="module")
def graph(shanghai):
    return prepare_matching(shanghai)


@pytest.fixture(scope="module")
def road_list(shanghai):
    feature = {"type": "Feature", "geometry": None, "properties": {"name": "准行路线", "road_names": ROADS}}
    return load_corridor({"type": "FeatureCollection", "features": [feature]}, network=shanghai)


@pytest.fixture(scope="module")
def line_corridor(shanghai):
    return load_corridor(DEMO_CORRIDOR, network=shanghai)


@pytest.mark.parametrize("seed", [1, 2])
def test_drive_on_the_listed_roads_is_compliant(shanghai, graph, road_list, corridor_line, seed):
    sim = drive(corridor_line, shanghai, noise_m=10.0, seed=seed)
    result = check_track_by_roads(track_from_frame(sim.frame), road_list, graph)
    assert result["compliant"], result["episodes"]
    assert result["method"] == "map_match" and result["matched_share"] > 0.95


def test_detour_off_the_listed_roads_names_the_road(shanghai, graph, road_list, corridor_line):
    a, b, c = detour_nodes(shanghai, corridor_line, along=(3200, 3450), away=(250, 450))
    sim = drive(detour_line(shanghai, corridor_line, a, b, c), shanghai, noise_m=10.0, seed=1)
    result = check_track_by_roads(track_from_frame(sim.frame), road_list, graph)
    deviations = [e for e in result["episodes"] if e["kind"] == "deviation"]
    assert len(deviations) == 1
    assert "马当路" in deviations[0]["roads"] and not set(deviations[0]["roads"]) & set(ROADS)


def wander(shanghai, line, sim, start_m: float, metres: float, fixes: int):
    """The fixes from ``start_m`` along the line moved ``metres`` sideways for ``fixes`` fixes (GPS multipath)."""
    frame = sim.frame.copy()
    along = shapely.line_locate_point(line, shapely.points(sim.true_x, sim.true_y))
    idx = np.flatnonzero(along >= start_m)[:fixes]
    here = shapely.get_coordinates(shapely.line_interpolate_point(line, along[idx]))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, along[idx] + 1.0))
    step = ahead - here
    normal = np.column_stack((-step[:, 1], step[:, 0])) / np.hypot(step[:, 0], step[:, 1])[:, None]
    x, y = to_metric(frame["lon"].to_numpy(), frame["lat"].to_numpy(), shanghai.crs)
    x[idx] += metres * normal[:, 0]
    y[idx] += metres * normal[:, 1]
    frame["lon"], frame["lat"] = to_wgs84(x, y, shanghai.crs)
    return frame


@pytest.mark.parametrize("start_m", [1500.0, 3000.0, 6000.0])
def test_gps_wandering_beyond_the_buffer_is_no_deviation_on_the_matched_road(shanghai, graph, line_corridor,
                                                                             corridor_line, start_m):
    sim = drive(corridor_line, shanghai, noise_m=5.0, seed=1)
    track = track_from_frame(wander(shanghai, corridor_line, sim, start_m, 65.0, 14))  # 15 m past 50 m, 70 s
    assert [e["kind"] for e in check_track(track, line_corridor)["episodes"]] == ["deviation"]
    assert check_track_by_roads(track, line_corridor, graph)["compliant"]


def test_trip_end_in_a_depot_off_the_corridor_is_tolerated(shanghai, graph, line_corridor, corridor_line):
    sim = drive(corridor_line, shanghai, noise_m=5.0, seed=2)
    # The first 20 fixes (100 s) wait 150 m beside the corridor's start, in a depot off the public roads.
    depot = wander(shanghai, corridor_line, sim, 0.0, 150.0, 20).iloc[:20]
    depot = depot.assign(lon=depot["lon"].iloc[0], lat=depot["lat"].iloc[0])
    frame = pd.concat([depot, sim.frame.iloc[20:]], ignore_index=True)
    track = track_from_frame(frame)
    assert [e["kind"] for e in check_track(track, line_corridor)["episodes"]] == ["deviation"]
    assert check_track_by_roads(track, line_corridor, graph)["compliant"]
    strict = check_track_by_roads(track, line_corridor, graph, end_tolerance_m=0.0)
    assert [e["kind"] for e in strict["episodes"]] == ["deviation"]


@pytest.mark.parametrize("props, reason", [
    ({"road_names": "肇嘉浜路"}, "road_names must be a list of strings"),
    ({"road_names": ["没有这条路"]}, "none of its OSM way ids or road names is in the network"),
])
def test_bad_road_lists_are_refused(shanghai, props, reason):
    from routing._errors import RoutingInputError

    feature = {"type": "Feature", "geometry": None, "properties": props}
    with pytest.raises(RoutingInputError, match=reason):
        load_corridor({"type": "FeatureCollection", "features": [feature]}, network=shanghai)


def test_overspeed_is_judged_by_each_matched_roads_limit(shanghai, graph, line_corridor, corridor_line):
    # 75 km/h on the corridor's city roads (no expressway: 60 km/h for dangerous goods, Order 29 Art. 46, or a
    # lower posted limit): an overspeed episode naming its road and limit; the compliant drives above keep 36.
    sim = drive(corridor_line, shanghai, speed_mps=75 / 3.6, noise_m=5.0, seed=1)
    result = check_track_by_roads(track_from_frame(sim.frame), line_corridor, graph)
    overspeed = [e for e in result["episodes"] if e["kind"] == "overspeed"]
    assert overspeed and all(e["limit_kph"] <= 60 < e["max_speed_kph"] for e in overspeed)
    assert {e["road"] for e in overspeed} & set(ROADS)
    assert [e["kind"] for e in check_track(track_from_frame(sim.frame), line_corridor)["episodes"]] == []


def test_off_the_map_a_speed_no_road_allows_is_still_overspeed(shanghai, graph):
    # A straight drive just east of the extract: no road to place a fix on, so no road's limit; 100 km/h for
    # two minutes is over the highest limit any road has for dangerous goods (80 km/h, Order 29 Art. 46).
    lon0, lat0 = 121.56, 31.20
    n = 121
    east = np.arange(n) * (100 / 3.6) / (111_320 * np.cos(np.radians(lat0)))  # one fix a second at 100 km/h
    frame = pd.DataFrame({"time": pd.Timestamp("2026-01-01T08:00:00Z") + pd.to_timedelta(np.arange(n), unit="s"),
                          "lon": lon0 + east, "lat": np.full(n, lat0)})
    line = {"type": "Feature", "properties": {"width_m": 100},
            "geometry": {"type": "LineString", "coordinates": [[lon0 - 0.01, lat0], [lon0 + east[-1] + 0.01, lat0]]}}
    corridor = load_corridor({"type": "FeatureCollection", "features": [line]})
    result = check_track_by_roads(track_from_frame(frame), corridor, graph)
    overspeed = [e for e in result["episodes"] if e["kind"] == "overspeed"]
    assert overspeed and overspeed[0]["limit_kph"] == 80 and overspeed[0]["max_speed_kph"] > 95
