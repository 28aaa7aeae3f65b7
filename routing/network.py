"""Road network: load OSM XML or GraphML with the tags restrictions need, add speeds, project, cache.

The prepared network is cached (pickle keyed by the source file's content hash and the library
versions) so that a second load of the Shanghai extract takes well under a second.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyproj

from routing._errors import RoutingInputError
from routing._lazy import lazy
from routing.projection import utm_crs

if TYPE_CHECKING:
    import geopandas as gpd
    import osmnx as ox
    import networkx as nx
else:
    gpd = lazy("geopandas")
    ox = lazy("osmnx")
    nx = lazy("networkx")

# osmnx keeps only a few way tags by default; restrictions need these too. OSM's hazmat:* keys are
# an open family, so the known members are listed (hazmat:A..E are the tunnel-category forms).
RESTRICTION_TAGS = (
    "hazmat",
    "hazmat:water",
    "hazmat:adr_tunnel_cat",
    *(f"hazmat:{cat}" for cat in "ABCDE"),
    "hgv",
    "maxweight",
    "maxheight",
    "tunnel",
    "bridge",
    "maxspeed",
    "layer",
)

# Urban Chinese speeds (km/h) per highway type, used where a way has no maxspeed tag.
DEFAULT_SPEEDS_KPH = {
    "motorway": 80.0, "motorway_link": 40.0, "trunk": 60.0, "trunk_link": 40.0,
    "primary": 50.0, "primary_link": 30.0, "secondary": 40.0, "secondary_link": 30.0,
    "tertiary": 30.0, "tertiary_link": 25.0, "unclassified": 30.0, "residential": 20.0,
    "living_street": 10.0, "service": 15.0,
}
FALLBACK_SPEED_KPH = 25.0

# Bump when the prepared form changes so stale caches are never read.
_CACHE_FORMAT = 1


@dataclass
class Network:
    """A prepared road network in a metric CRS.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        osmnx graph, projected, with ``speed_kph`` and ``travel_time`` on every edge.
    edges : geopandas.GeoDataFrame
        The graph's edges indexed by ``(u, v, key)``, same CRS.
    crs : pyproj.CRS
        The metric (UTM) CRS of both.
    bbox : tuple of float
        ``(west, south, east, north)`` of the nodes in WGS-84 degrees.
    source : str
        The file the network was read from.
    """

    graph: nx.MultiDiGraph
    edges: gpd.GeoDataFrame
    crs: pyproj.CRS
    bbox: tuple[float, float, float, float]
    source: str


def default_cache_dir() -> Path:
    """Return ``$HAZLEDGER_CACHE_DIR`` or ``instance/cache`` under the working directory."""
    return Path(os.environ.get("HAZLEDGER_CACHE_DIR") or Path("instance") / "cache")


def _cache_path(source: Path, cache_dir: Path) -> Path:
    digest = hashlib.sha256(source.read_bytes())
    digest.update(f"{_CACHE_FORMAT}|{ox.__version__}|{nx.__version__}|{gpd.__version__}".encode())
    return cache_dir / f"{source.stem}-{digest.hexdigest()[:20]}.pickle"


def _read_graph(source: Path) -> nx.MultiDiGraph:
    """Read OSM XML or GraphML into an unprojected, simplified osmnx graph."""
    suffix = source.suffix.lower()
    try:
        if suffix == ".graphml":
            return ox.load_graphml(source)
        if suffix in {".osm", ".xml"}:
            raw = _graph_from_xml(source)
            # Simplify only where restriction tags stay equal, so a hazmat=no tunnel remains its own edge
            # instead of being merged into (and hiding inside) the street that leads to it.
            return ox.simplify_graph(raw, edge_attrs_differ=list(RESTRICTION_TAGS))
    except (OSError, ValueError, KeyError, ET.ParseError) as exc:
        raise RoutingInputError(f"cannot read network {source}: {' '.join(str(exc).split())[:200]}") from None
    raise RoutingInputError(f"network file must be .osm, .xml or .graphml, got {source.name}")


def _graph_from_xml(source: Path) -> nx.MultiDiGraph:
    """Run ``ox.graph_from_xml`` with the restriction tags added to ``useful_tags_way``."""
    saved = ox.settings.useful_tags_way
    # osmnx reads its settings module globally; restore it so callers' settings are untouched.
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *RESTRICTION_TAGS]))
    try:
        return ox.graph_from_xml(source, simplify=False, retain_all=False)
    finally:
        ox.settings.useful_tags_way = saved


def prepare_graph(graph: nx.MultiDiGraph, source: str = "") -> Network:
    """Add speeds and travel times, project to UTM and build the edge table.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An unprojected osmnx graph.
    source : str
        Where it came from (kept for messages).

    Returns
    -------
    Network
    """
    if graph.number_of_edges() == 0:
        raise RoutingInputError(f"network {source} has no drivable edges")
    if not pyproj.CRS(graph.graph.get("crs", "EPSG:4326")).is_geographic:
        graph = ox.project_graph(graph, to_latlong=True)  # e.g. a GraphML saved after projection
    nodes = ox.graph_to_gdfs(graph, edges=False)
    west, south, east, north = (float(v) for v in nodes.total_bounds)
    if "speed_kph" not in next(iter(graph.edges(data=True)))[2]:
        ox.add_edge_speeds(graph, hwy_speeds=DEFAULT_SPEEDS_KPH, fallback=FALLBACK_SPEED_KPH)
    ox.add_edge_travel_times(graph)
    crs = utm_crs(west, south, east, north)
    projected = ox.project_graph(graph, to_crs=crs)
    edges = ox.graph_to_gdfs(projected, nodes=False, fill_edge_geometry=True)
    return Network(graph=projected, edges=edges, crs=crs, bbox=(west, south, east, north), source=source)


def load_network(path: str | Path, *, cache_dir: str | Path | None = None, use_cache: bool = True) -> Network:
    """Load a road network from OSM XML or GraphML, through the cache.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.osm``/``.xml`` (OSM XML, e.g. an Overpass extract) or ``.graphml`` (osmnx).
    cache_dir : str or pathlib.Path, optional
        Where prepared networks are kept; default :func:`default_cache_dir`.
    use_cache : bool
        Read and write the cache (default True).

    Returns
    -------
    Network
    """
    source = Path(path)
    if not source.is_file():
        raise RoutingInputError(f"network file not found: {source}")
    cache_file = _cache_path(source, Path(cache_dir) if cache_dir else default_cache_dir())
    if use_cache and cache_file.is_file():
        # The cache directory is written only by this function; a pickle from elsewhere is not trusted.
        with cache_file.open("rb") as handle:
            cached: Any = pickle.load(handle)
        if isinstance(cached, Network):
            return cached
    network = prepare_graph(_read_graph(source), source=str(source))
    if use_cache:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of this writer's own (two processes may prepare a cold cache at once), then an atomic
        # rename, so a concurrent reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=cache_file.parent, prefix=cache_file.name, suffix=".tmp",
                                         delete=False) as handle:
            pickle.dump(network, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(handle.name).replace(cache_file)
    return network
