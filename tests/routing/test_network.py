import pytest

from routing import network
from routing._errors import RoutingInputError
from routing.network import load_network

from tests.paths import FUTIAN_GRAPHML, SHANGHAI_OSM


def test_shanghai_keeps_restriction_tags_and_is_metric(shanghai):
    edges = shanghai.edges
    assert shanghai.crs.to_epsg() == 32651
    assert (edges["hazmat"] == "no").sum() == 12  # the 复兴东路隧道 decks, kept as their own edges
    assert set(edges.loc[edges["hazmat"] == "no", "name"]) == {"复兴东路隧道 (上层)", "复兴东路隧道 (下层)"}
    assert (edges["hgv"] == "no").sum() > 12
    assert edges["maxweight"].notna().any() and edges["maxheight"].notna().any()
    assert (edges["travel_time"] > 0).all() and (edges["speed_kph"] > 0).all()
    # Metres, not degrees: the extract is about 13 km wide.
    west, south, east, north = shanghai.bbox
    assert 121.40 < west < east < 121.56 and 31.17 < south < north < 31.29
    assert edges.total_bounds[2] - edges.total_bounds[0] == pytest.approx(13_200, rel=0.05)


def test_second_load_comes_from_the_cache(shanghai, network_cache, monkeypatch):
    def parse_again(*_args, **_kwargs):
        raise AssertionError("the OSM file was parsed again")

    monkeypatch.setattr(network, "_graph_from_xml", parse_again)
    again = load_network(SHANGHAI_OSM, cache_dir=network_cache)
    assert len(again.edges) == len(shanghai.edges)
    assert list(network_cache.glob("shanghai_center-*.pickle"))


def test_graphml_loads_and_projects(tmp_path):
    if not FUTIAN_GRAPHML.is_file():
        pytest.skip("Futian GraphML not available")
    futian = load_network(FUTIAN_GRAPHML, cache_dir=tmp_path)
    assert futian.crs.to_epsg() == 32650
    assert len(futian.edges) == 4009
    assert (futian.edges["travel_time"] > 0).all()


def test_bad_network_files(tmp_path):
    with pytest.raises(RoutingInputError, match="not found"):
        load_network(tmp_path / "missing.osm", cache_dir=tmp_path)
    other = tmp_path / "roads.shp"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(RoutingInputError, match=r"\.osm, \.xml or \.graphml"):
        load_network(other, cache_dir=tmp_path)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way id='1'>", encoding="utf-8")
    with pytest.raises(RoutingInputError, match="cannot read network"):
        load_network(broken, cache_dir=tmp_path)


def test_projected_graphml_round_trip(shanghai, tmp_path):
    import osmnx as ox

    path = tmp_path / "shanghai_projected.graphml"
    ox.save_graphml(shanghai.graph, path)
    again = load_network(path, cache_dir=tmp_path)
    assert again.crs == shanghai.crs and len(again.edges) == len(shanghai.edges)
    assert again.bbox == pytest.approx(shanghai.bbox, abs=1e-6)
    assert (again.edges["hazmat"] == "no").sum() == 12
