"""Shared fixtures: the real Shanghai extract (loaded once per session), the UN list, the demo corridor."""
from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import LineString

from routing.cargo import CatalogueEntry, load_catalogue
from routing.corridors import Corridor, load_corridor
from routing.network import Network, load_network
from routing.projection import geometry_to_metric
from tests.paths import DEMO_CORRIDOR, SHANGHAI_OSM, UN_CSV


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"reference data not available: {path}")
    return path


@pytest.fixture(scope="session")
def shanghai(network_cache: Path) -> Network:
    return load_network(_need(SHANGHAI_OSM), cache_dir=network_cache)


@pytest.fixture(scope="session")
def catalogue() -> dict[str, CatalogueEntry]:
    return load_catalogue(_need(UN_CSV))


@pytest.fixture(scope="session")
def demo_corridor(shanghai: Network) -> Corridor:
    return load_corridor(DEMO_CORRIDOR, crs=shanghai.crs)


@pytest.fixture(scope="session")
def corridor_line(demo_corridor: Corridor, shanghai: Network) -> LineString:
    """The demo corridor's centre line (metric)."""
    import json

    from shapely.geometry import shape

    data = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    line = next(f for f in data["features"] if f["geometry"]["type"] == "LineString")
    return geometry_to_metric(shape(line["geometry"]), shanghai.crs)
