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


_TINY_OSM = """<osm version="0.6">
 <node id="1" lat="31.2300" lon="121.4700"/><node id="2" lat="31.2310" lon="121.4710"/>
 <node id="3" lat="31.2320" lon="121.4700"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/><tag k="name" v="测试路"/></way>
</osm>"""


def test_two_writers_of_a_cold_cache_do_not_collide(tmp_path, monkeypatch):
    """Two processes preparing one network at once each write a temporary file of their own before the atomic
    rename (one shared temporary name: the second rename found it gone, FileNotFoundError)."""
    import pickle
    import threading

    source = tmp_path / "tiny.osm"
    source.write_text(_TINY_OSM, encoding="utf-8")
    both_writing = threading.Barrier(2, timeout=60)

    class Pickle:  # pickle, with both writers inside dump() before either renames
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
        load = staticmethod(pickle.load)

        @staticmethod
        def dump(obj, handle, protocol):
            pickle.dump(obj, handle, protocol=protocol)
            handle.flush()
            both_writing.wait()

    monkeypatch.setattr(network, "pickle", Pickle)
    results, errors = [], []

    def load():
        try:
            results.append(load_network(source, cache_dir=tmp_path / "cache"))
        except Exception as error:  # noqa: BLE001 - the test reports any failure of either writer
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(results) == 2
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [next((tmp_path / "cache").glob("tiny-*.pickle")).name]
    assert len(load_network(source, cache_dir=tmp_path / "cache").edges) == len(results[0].edges)
