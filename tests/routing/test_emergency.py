"""ERG 2016 zones against the guidebook's figures, worked by hand from ../shared/data/emergency/erg2016_lookup.csv.

Hand-read rows: chlorine (UN1017) Table 1 small spill 60 m isolation, 300 m day / 1,100 m night; Table 3 road tank
truck 600 m isolation, night 6,700 / 5,000 / 4,100 m (low / moderate / high wind). Phosgene (UN1076, "Phosgene")
large spill 500 m, 3,000 m day, 9,000 m night; its "CG (Weaponized Phosgene)" row 1,000 m, 7,500 m day. LPG
(UN1075, guide 115) fire isolation 1,600 m, BLEVE 22,000 L 1,852 m, 8,000 L 1,323 m, 140,000 L 2,200 m. Guides
127 (flammable liquids) 50 m, large spill 300 m, fire 800 m; guide 111 (unidentified) 100 m, fire 800 m.
"""
import math

import pytest
from shapely.geometry import Point

from routing._errors import RoutingInputError
from routing.emergency import Scenario, compute_zones, downwind_square, guide_for_placard, load_erg
from routing.projection import geometry_to_metric, to_metric, utm_crs
from tests.paths import SHARED_DATA

ERG_CSV = SHARED_DATA / "emergency" / "erg2016_lookup.csv"
LON, LAT = 121.47, 31.23


@pytest.fixture(scope="module")
def erg():
    return load_erg(ERG_CSV)


def zones(result):
    return {z.kind: z for z in result.zones}


def metric(geom):
    return geometry_to_metric(geom, utm_crs(LON, LAT, LON, LAT))


def spill_xy():
    crs = utm_crs(LON, LAT, LON, LAT)
    x, y = to_metric([LON], [LAT], crs)
    return float(x[0]), float(y[0])


def test_chlorine_small_spill_by_night(erg):
    result = compute_zones(erg, Scenario(un_number="1017", night=True, wind_from_deg=0), LON, LAT)
    found = zones(result)
    assert (result.guide, result.basis, result.material) == (124, "table1", "Chlorine")
    assert found["initial_isolation"].distance_m == 60
    assert found["protective_action"].distance_m == 1100
    assert "Table 1" in found["protective_action"].source and "night" in found["protective_action"].source
    # The isolation circle: radius 60 m around the spill.
    circle = metric(found["initial_isolation"].geometry)
    assert circle.area == pytest.approx(math.pi * 60 ** 2, rel=0.01)
    # The protective action zone: a 1,100 m square downwind (the wind from the north blows south), the spill in
    # the middle of its upwind side.
    square = metric(found["protective_action"].geometry)
    assert found["protective_action"].shape == "square_downwind"
    assert square.area == pytest.approx(1100 ** 2, rel=0.01)
    x, y = spill_xy()
    assert square.contains(Point(x, y - 1000)) and square.contains(Point(x + 500, y - 50))
    assert not square.contains(Point(x, y + 100)) and not square.contains(Point(x + 600, y - 500))


def test_chlorine_day_column(erg):
    found = zones(compute_zones(erg, Scenario(un_number="1017"), LON, LAT))
    assert found["protective_action"].distance_m == 300


def test_wind_unknown_draws_a_circle_and_says_so(erg):
    result = compute_zones(erg, Scenario(un_number="1017", night=True), LON, LAT)
    zone = zones(result)["protective_action"]
    assert zone.shape == "circle"
    assert metric(zone.geometry).area == pytest.approx(math.pi * 1100 ** 2, rel=0.01)
    assert any("wind direction unknown" in note for note in result.notes)


def test_phosgene_large_spill(erg):
    day = zones(compute_zones(erg, Scenario(un_number="1076", material_name="PHOSGENE", large=True), LON, LAT))
    night = zones(compute_zones(erg, Scenario(un_number="1076", material_name="Phosgene", large=True, night=True),
                                LON, LAT))
    assert (day["initial_isolation"].distance_m, day["protective_action"].distance_m) == (500, 3000)
    assert night["protective_action"].distance_m == 9000


def test_several_entries_without_a_name_take_the_largest(erg):
    result = compute_zones(erg, Scenario(un_number="1076", large=True), LON, LAT)
    assert result.material == "CG (Weaponized Phosgene)"
    assert zones(result)["protective_action"].distance_m == 7500
    assert any("several ERG entries" in note for note in result.notes)


@pytest.mark.parametrize("speed, expected", [(2.0, 6700), (3.0, 5000), (6.0, 4100)])
def test_chlorine_large_spill_uses_table_3_by_wind(erg, speed, expected):
    found = zones(compute_zones(erg, Scenario(un_number="1017", large=True, night=True, wind_speed_ms=speed),
                                LON, LAT))
    assert found["initial_isolation"].distance_m == 600
    assert found["protective_action"].distance_m == expected
    assert "Table 3" in found["protective_action"].source and "tank truck" in found["protective_action"].source


def test_table_3_unknown_wind_speed_takes_the_largest(erg):
    result = compute_zones(erg, Scenario(un_number="1017", large=True, night=True), LON, LAT)
    assert zones(result)["protective_action"].distance_m == 6700
    assert any("wind speed unknown" in note for note in result.notes)


def test_table_3_container_without_figures_is_refused(erg):
    with pytest.raises(RoutingInputError, match="nurse tank"):
        compute_zones(erg, Scenario(un_number="1017", large=True, container="nurse-tank"), LON, LAT)


def test_gasoline_tanker_on_fire(erg):
    result = compute_zones(erg, Scenario(un_number="1203", hazard_class="3", classification_code="F1", fire=True,
                                         large=True, capacity_l=30000), LON, LAT)
    found = zones(result)
    assert (result.guide, result.basis) == (127, "placard")
    assert found["fire_isolation"].distance_m == 800
    assert "Evacuation - Fire" in found["fire_isolation"].source
    assert found["initial_isolation"].distance_m == 50
    assert found["downwind_evacuation"].distance_m == 300
    # The ERG's BLEVE table is for liquefied petroleum gases: gasoline has no BLEVE distance, and the result says so.
    assert "bleve_evacuation" not in found
    assert any("no BLEVE distance" in note for note in result.notes)


@pytest.mark.parametrize("capacity, row, expected", [(20000, 22000, 1852), (8000, 8000, 1323), (5000, 8000, 1323),
                                                     (140000, 140000, 2200)])
def test_lpg_tank_on_fire_bleve_by_capacity(erg, capacity, row, expected):
    found = zones(compute_zones(erg, Scenario(un_number="1075", fire=True, capacity_l=capacity), LON, LAT))
    assert found["fire_isolation"].distance_m == 1600
    assert found["bleve_evacuation"].distance_m == expected
    assert f"tank of {row} L" in found["bleve_evacuation"].source


@pytest.mark.parametrize("capacity, note", [(None, "capacity unknown"), (200000, "beyond the BLEVE table")])
def test_bleve_capacity_unknown_or_too_large_takes_the_largest_row(erg, capacity, note):
    result = compute_zones(erg, Scenario(un_number="1075", fire=True, capacity_l=capacity), LON, LAT)
    assert zones(result)["bleve_evacuation"].distance_m == 2200
    assert any(note in n for n in result.notes)


def test_unidentified_load(erg):
    quiet = compute_zones(erg, Scenario(), LON, LAT)
    assert (quiet.guide, quiet.basis) == (111, "unidentified")
    assert [(z.kind, z.distance_m) for z in quiet.zones] == [("initial_isolation", 100)]
    burning = zones(compute_zones(erg, Scenario(fire=True), LON, LAT))
    assert burning["fire_isolation"].distance_m == 800


def test_load_known_by_its_placard_only(erg):
    result = compute_zones(erg, Scenario(hazard_class="2", classification_code="2TC", large=True), LON, LAT)
    assert (result.guide, result.basis) == (123, "placard")


@pytest.mark.parametrize("cls, code, guide", [
    ("1", "1.1D", 112), ("1", "1.4S", 114), ("2", "2TOC", 123), ("2", "2F", 118), ("2", "3O", 122),
    ("2", "2A", 121), ("3", "F1", 127), ("4.3", "W2", 139), ("5.2", "P1", 148), ("6.1", "T1", 153),
    ("8", "C1", 153), ("9", "M11", 171), ("9A", "", 171), (None, "", 111), ("", "", 111),
])
def test_guide_for_placard(cls, code, guide):
    assert guide_for_placard(cls, code) == guide


def test_downwind_square_points_downwind():
    # Wind from the west (270°) blows east: the square spans x 0..100, y -50..50.
    minx, miny, maxx, maxy = downwind_square(0.0, 0.0, 100.0, 270.0).bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((0, -50, 100, 50), abs=1e-9)


@pytest.mark.parametrize("scenario, message", [
    (Scenario(un_number="1017", wind_from_deg=361), "wind direction"),
    (Scenario(un_number="1017", wind_speed_ms=-1), "wind speed"),
    (Scenario(un_number="1017", capacity_l=float("nan")), "tank capacity"),
    (Scenario(un_number="12"), "not a UN number"),
    (Scenario(container="ship"), "container"),
])
def test_bad_scenarios_are_refused(erg, scenario, message):
    with pytest.raises(RoutingInputError, match=message):
        compute_zones(erg, scenario, LON, LAT)


def test_bad_location_and_bad_file(erg, tmp_path):
    with pytest.raises(RoutingInputError, match="out of range"):
        compute_zones(erg, Scenario(), 200.0, LAT)
    bad = tmp_path / "erg.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="needs the columns"):
        load_erg(bad)
    with pytest.raises(RoutingInputError, match="cannot read"):
        load_erg(tmp_path / "missing.csv")


def test_geojson_names_every_table(erg):
    collection = compute_zones(erg, Scenario(un_number="1075", fire=True, capacity_l=20000), LON, LAT).to_geojson()
    assert collection["type"] == "FeatureCollection" and collection["erg_edition"] == "ERG 2016"
    areas = [f for f in collection["features"] if f["properties"]["kind"] != "spill"]
    assert all(f["properties"]["source"].startswith("ERG 2016") for f in areas)
    assert areas[0]["properties"]["kind"] == "bleve_evacuation"   # largest first


def test_the_ergs_marks_are_said(erg):
    chlorine = compute_zones(erg, Scenario(un_number="1017"), LON, LAT)
    assert any("'+'" in note and "atmospheric" in note for note in chlorine.notes)
    phosgene = compute_zones(erg, Scenario(un_number="1076", material_name="Phosgene"), LON, LAT)
    assert not any("'+'" in note for note in phosgene.notes)        # its row is not marked
    marked = next(rows[0] for rows in erg.materials.values() if rows[0].polymerizes)
    result = compute_zones(erg, Scenario(un_number=marked.un_number, material_name=marked.material), LON, LAT)
    assert any("'P'" in note for note in result.notes)
