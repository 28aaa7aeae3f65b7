import json

import numpy as np
import pandas as pd
import pytest

from routing._errors import RoutingInputError
from routing.corridors import load_corridor, resolve_road_lists
from routing.projection import geometry_to_metric, geometry_to_wgs84
from routing.timewindows import parse_time_windows

LINE = {"type": "LineString", "coordinates": [[121.47, 31.23], [121.48, 31.23]]}  # about 951 m
BOWTIE = {"type": "Polygon", "coordinates": [[[121.47, 31.23], [121.48, 31.24], [121.48, 31.23],
                                              [121.47, 31.24], [121.47, 31.23]]]}


def fc(*features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}


def test_line_is_buffered_by_buffer_or_width(tmp_path):
    default = load_corridor(fc((LINE, {})), buffer_m=50)
    area = default.area().area
    assert area == pytest.approx(951.5 * 100 + np.pi * 50**2, rel=0.01)
    wide = load_corridor(fc((LINE, {"width_m": 100})), buffer_m=50)
    assert wide.area().area == pytest.approx(951.5 * 200 + np.pi * 100**2, rel=0.01)
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps(fc((LINE, {}))), encoding="utf-8")
    assert load_corridor(path).area().area == pytest.approx(area)
    assert default.crs.to_epsg() == 32651 and default.bbox == (121.47, 31.23, 121.48, 31.23)


def test_forbidden_zones_and_properties():
    square = {"type": "Polygon", "coordinates": [[[121.471, 31.229], [121.472, 31.229], [121.472, 31.231],
                                                  [121.471, 31.231], [121.471, 31.229]]]}
    corridor = load_corridor(fc(
        (LINE, {"name": "main", "hazard_classes": ["3"]}),
        (square, {"role": "forbidden", "rule": "no_stop", "name": "school",
                  "time_windows": [["07:00", "09:00"]], "tz": "Asia/Shanghai"}),
    ))
    (part,) = corridor.parts(forbidden=False)
    (zone,) = corridor.parts(forbidden=True)
    assert part.name == "main" and zone.name == "school" and zone.rule == "no_stop"
    assert corridor.parts(forbidden=False, hazard_classes={"3"}) == [part]
    assert corridor.parts(forbidden=False, hazard_classes={"3", "8"}) == []  # not approved for class 8
    assert zone.windows.spans == ((7 * 3600, 9 * 3600),)


def test_self_intersecting_polygon_is_repaired_and_reported():
    corridor = load_corridor(fc((BOWTIE, {"name": "bow"})))
    assert corridor.area().is_valid and corridor.area().area > 0
    assert any("repaired" in n and "Self-intersection" in n for n in corridor.notes)


def test_polygon_with_no_area_after_repair_is_refused():
    flat = {"type": "Polygon", "coordinates": [[[121.47, 31.23], [121.48, 31.23], [121.47, 31.23],
                                                [121.48, 31.23], [121.47, 31.23]]]}
    with pytest.raises(RoutingInputError, match="no area once repaired"):
        load_corridor(fc((flat, {})))


@pytest.mark.parametrize(("data", "message"), [
    (fc(({"type": "Point", "coordinates": [121.47, 31.23]}, {})), "no usable geometry"),
    ({"type": "FeatureCollection", "features": []}, "no usable geometry"),
    (fc(({"type": "LineString", "coordinates": [[221.47, 31.23], [121.48, 31.23]]}, {})), "out of range"),
    (fc(({"type": "LineString", "coordinates": [[121.47]]}, {})), "unreadable geometry"),
    (fc((LINE, {"width_m": -5})), "width_m"),
    (fc((LINE, {"width_m": "wide"})), "width_m"),
    (fc((LINE, {}), (LINE, {"role": "forbidden", "rule": "no_parking"})), "rule must be"),
    (fc((LINE, {"role": "forbidden"})), "only forbidden zones"),
    (fc((LINE, {"time_windows": [["7am", "9am"]]})), "HH:MM"),
    (fc((LINE, {"tz": "Mars/Olympus"})), "unknown time zone"),
    (fc((None, {"osm_way_ids": [1, 2]})), "network is needed"),
    ({"type": "Topology"}, "FeatureCollection"),
])
def test_bad_corridors(data, message):
    with pytest.raises(RoutingInputError, match=message):
        load_corridor(data)


def test_unreadable_files(tmp_path):
    bad = tmp_path / "c.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="not GeoJSON"):
        load_corridor(bad)
    with pytest.raises(RoutingInputError, match="cannot read"):
        load_corridor(tmp_path / "missing.geojson")


def test_way_id_corridor_resolves_against_the_network(shanghai):
    way = int(shanghai.edges.loc[shanghai.edges["name"] == "人民路隧道", "osmid"].iloc[0])
    corridor = load_corridor(fc((None, {"osm_way_ids": [way], "width_m": 20})), network=shanghai)
    assert corridor.crs == shanghai.crs and corridor.area().area > 0
    with pytest.raises(RoutingInputError, match="none of its OSM way ids"):
        load_corridor(fc((None, {"osm_way_ids": [1]})), network=shanghai)


def test_unknown_roads_of_a_list_are_noted_or_refused(shanghai):
    listed = fc((None, {"osm_way_ids": [1], "road_names": ["人民路隧道", "没有这条路"]}))
    corridor = load_corridor(listed, network=shanghai)
    assert corridor.features[0].roads.any()
    assert corridor.notes == ["corridor feature 1: not in the road network, ignored: OSM way ids 1; "
                              "road names 没有这条路"]
    with pytest.raises(RoutingInputError, match="not in the road network: OSM way ids 1; road names 没有这条路"):
        load_corridor(listed, network=shanghai, strict_roads=True)
    with pytest.raises(RoutingInputError, match="not in the road network: OSM way ids 1"):
        resolve_road_lists(listed, shanghai)


def test_a_resolved_road_list_is_its_roads_with_a_network_and_their_buffer_without(shanghai):
    listed = fc((None, {"road_names": ["人民路隧道"], "width_m": 20}), (LINE, {}))
    resolved = resolve_road_lists(listed, shanghai)
    road, line = resolved["features"]
    assert road["geometry"]["type"] == "MultiLineString" and road["properties"] == listed["features"][0]["properties"]
    assert line == listed["features"][1]
    by_roads = load_corridor(resolved, network=shanghai)
    by_buffer = load_corridor(resolved)
    assert by_roads.features[0].roads.any() and by_buffer.features[0].roads is None
    same = by_roads.features[0].geometry
    assert abs(geometry_to_metric(geometry_to_wgs84(same, shanghai.crs), by_buffer.crs).area
               - by_buffer.features[0].geometry.area) < 1e-3 * same.area  # the same roads, the same buffer


def test_time_windows_evaluate_in_local_time():
    windows = parse_time_windows([["22:00", "06:00"]], "Asia/Shanghai", where="zone")
    stamps = ["2026-01-01T13:00:00Z", "2026-01-01T15:00:00Z", "2026-01-01T23:00:00Z"]
    utc = pd.to_datetime(stamps).as_unit("ns")
    # 21:00, 23:00 and 07:00 in Shanghai.
    assert windows.active(utc.asi8).tolist() == [False, True, False]
    assert parse_time_windows(None, None, where="x").active(utc.asi8).all()
    dicts = parse_time_windows([{"start": "08:00", "end": "09:30"}], "UTC", where="x")
    assert dicts.spans == ((8 * 3600, 9 * 3600 + 1800),)
