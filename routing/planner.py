"""Fastest permitted route between two points for a cargo and a vehicle.

The graph is reduced to the edges the load may use (:mod:`routing.restrictions`, optionally only
those inside a corridor); each endpoint is snapped to the nearest *permitted* edge and joined to the
graph by a virtual node at its projection, so a start beside a closed tunnel never leaks into it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from routing._errors import NoRouteError, RoutingInputError
from routing._lazy import lazy
from routing._validate import check_inside_bbox, check_lonlat, check_positive
from routing.cargo import Cargo
from routing.network import Network
from routing.projection import geometry_to_wgs84, to_metric
from routing.restrictions import Vehicle, closure_reasons

if TYPE_CHECKING:
    import networkx as nx
else:
    nx = lazy("networkx")

_ORIGIN = "origin"
_DESTINATION = "destination"
_METRES_PER_DEGREE = 111_000.0
_SNAP_TOLERANCE_M = 25.0


@dataclass
class Route:
    """A planned route.

    Attributes
    ----------
    geometry : shapely.LineString
        The path in WGS-84, from the origin's snapped position to the destination's.
    length_m : float
        Length along the path.
    travel_time_s : float
        Travel time at the edges' speeds.
    edges : list of tuple
        ``(u, v, key)`` of every graph edge used, in order (partly used first/last edges included).
    osm_way_ids : list of int
        OSM ways the route follows, in order of first use.
    snap_offsets_m : tuple of float
        Distances from the given origin and destination to the roads they were snapped to.
    """

    geometry: LineString
    length_m: float
    travel_time_s: float
    edges: list[tuple[int, int, int]]
    osm_way_ids: list[int] = field(default_factory=list)
    snap_offsets_m: tuple[float, float] = (0.0, 0.0)

    def to_geojson(self, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the route as a GeoJSON Feature (LineString, lon/lat)."""
        return {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(self.geometry),
            "properties": {
                "length_m": round(self.length_m, 1),
                "travel_time_s": round(self.travel_time_s, 1),
                "edges": [list(e) for e in self.edges],
                "osm_way_ids": self.osm_way_ids,
                "snap_offsets_m": [round(d, 1) for d in self.snap_offsets_m],
                **(properties or {}),
            },
        }


@dataclass(frozen=True)
class _Snap:
    edge: tuple[int, int, int]
    fraction: float
    distance_m: float


def permitted_edges(
    network: Network,
    cargo: Cargo | None = None,
    vehicle: Vehicle | None = None,
    *,
    corridor: BaseGeometry | None = None,
    untagged_tunnel_category: str = "A",
    avoid: BaseGeometry | None = None,
) -> np.ndarray:
    """Return a boolean mask over ``network.edges`` of the edges the load may use.

    Parameters
    ----------
    network : Network
    cargo, vehicle : optional
        See :func:`routing.restrictions.closure_reasons`.
    corridor : shapely geometry, optional
        Polygon in the network's metric CRS; only edges lying entirely inside it are kept.
    untagged_tunnel_category : str
        Category assumed for untagged tunnels.
    avoid : shapely geometry, optional
        Area in the network's metric CRS closed to traffic (an incident's zones): every edge touching it is
        closed.

    Returns
    -------
    numpy.ndarray
    """
    reasons = closure_reasons(network.edges, cargo, vehicle,
                              untagged_tunnel_category=untagged_tunnel_category)
    mask = (reasons == "").to_numpy()
    if corridor is not None:
        shapely.prepare(corridor)
        mask = mask & shapely.covered_by(network.edges.geometry.values, corridor)
    if avoid is not None:
        shapely.prepare(avoid)
        mask = mask & ~shapely.intersects(network.edges.geometry.values, avoid)
    return mask


def _snap(point: Point, tree: shapely.STRtree, geoms: np.ndarray,
          ids: list[tuple[int, int, int]]) -> list[_Snap]:
    """Snap to every permitted edge nearly as close as the nearest one, nearest first.

    The opposite carriageway of a dual road, or the reverse edge of a two-way street, is a few metres
    away; offering all of them lets the fastest path choose instead of forcing a U-turn.
    """
    nearest = float(tree.query_nearest(point, return_distance=True)[1][0])
    found = tree.query(point, predicate="dwithin", distance=nearest + _SNAP_TOLERANCE_M)
    distances = shapely.distance(geoms[found], point)
    order = np.argsort(distances, kind="stable")
    return [
        _Snap(ids[found[i]], float(geoms[found[i]].project(point, normalized=True)), float(distances[i]))
        for i in order
    ]


def _routing_graph(
    network: Network, mask: np.ndarray, origin: list[_Snap], destination: list[_Snap]
) -> nx.DiGraph:
    """Build a simple weighted digraph of permitted edges plus the two virtual endpoint nodes."""
    edges = network.edges.loc[mask, ["travel_time"]].sort_values("travel_time", ascending=False)
    graph = nx.DiGraph()
    # Sorted slowest first, so among parallel edges the fastest one is written last and kept.
    graph.add_edges_from(
        (u, v, {"weight": float(tt), "key": k}) for (u, v, k), tt in zip(edges.index, edges["travel_time"])
    )
    travel_time = network.edges["travel_time"]
    for snap in origin:
        graph.add_edge(_ORIGIN, snap.edge[1], weight=(1 - snap.fraction) * travel_time[snap.edge], snap=snap)
    for snap in destination:
        graph.add_edge(snap.edge[0], _DESTINATION, weight=snap.fraction * travel_time[snap.edge], snap=snap)
    for start in origin:
        for end in destination:
            if start.edge == end.edge and start.fraction <= end.fraction:
                weight = (end.fraction - start.fraction) * travel_time[start.edge]
                graph.add_edge(_ORIGIN, _DESTINATION, weight=weight, snap=start, end=end)
    return graph


def _assemble(network: Network, graph: nx.DiGraph,
              path: list[Any]) -> tuple[LineString, list[tuple[int, int, int]]]:
    """Join the edge geometries (partial at both ends) of a node path into one metric LineString."""
    geometry = network.edges.geometry
    coords: list[tuple[float, float]] = []
    used: list[tuple[int, int, int]] = []
    for a, b in zip(path[:-1], path[1:]):
        data = graph.edges[a, b]
        if a == _ORIGIN:
            edge = data["snap"].edge
            end = data["end"].fraction if b == _DESTINATION else 1.0
            piece = substring(geometry[edge], data["snap"].fraction, end, normalized=True)
        elif b == _DESTINATION:
            edge = data["snap"].edge
            piece = substring(geometry[edge], 0.0, data["snap"].fraction, normalized=True)
        else:
            edge = (a, b, data["key"])
            piece = geometry[edge]
        used.append(edge)
        points = list(piece.coords) if not isinstance(piece, Point) else [piece.coords[0]]
        coords.extend(points[1:] if coords and points[0] == coords[-1] else points)
    if len(coords) == 1:
        coords.append(coords[0])
    return LineString(coords), used


def plan_route(
    network: Network,
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    cargo: Cargo | None = None,
    vehicle: Vehicle | None = None,
    corridor: BaseGeometry | None = None,
    untagged_tunnel_category: str = "A",
    max_snap_m: float = 500.0,
    avoid: BaseGeometry | None = None,
) -> Route:
    """Plan the fastest route that respects the cargo's and vehicle's restrictions.

    Parameters
    ----------
    network : Network
        Prepared network (:func:`routing.network.load_network`).
    origin, destination : tuple of float
        ``(lon, lat)`` in WGS-84 degrees.
    cargo : Cargo, optional
        Dangerous goods on board (:func:`routing.cargo.cargo_from_un`).
    vehicle : Vehicle, optional
        Weight, height and HGV status.
    corridor : shapely geometry, optional
        Polygon in the network's CRS the route must stay inside.
    untagged_tunnel_category : str
        ADR category assumed for tunnels without one (see :mod:`routing.restrictions`).
    max_snap_m : float
        How far an endpoint may lie from the nearest permitted road.
    avoid : shapely geometry, optional
        Area in the network's CRS closed to traffic (an incident's zones): the route touches none of its edges.

    Returns
    -------
    Route

    Raises
    ------
    RoutingInputError
        An endpoint is invalid or outside the network.
    NoRouteError
        No permitted route joins the endpoints.
    """
    check_positive(max_snap_m, name="max snap distance")
    for name, (lon, lat) in (("origin", origin), ("destination", destination)):
        check_lonlat(lon, lat, name=name)
        check_inside_bbox(lon, lat, network.bbox, margin_deg=max_snap_m / _METRES_PER_DEGREE, name=name)
    mask = permitted_edges(
        network, cargo, vehicle, corridor=corridor, untagged_tunnel_category=untagged_tunnel_category, avoid=avoid
    )
    if not mask.any():
        raise NoRouteError("no road of the network is open to this cargo and vehicle")
    geoms = network.edges.geometry.values[mask]
    ids = list(network.edges.index[mask])
    tree = shapely.STRtree(geoms)
    lons, lats = np.array([origin[0], destination[0]]), np.array([origin[1], destination[1]])
    xs, ys = to_metric(lons, lats, network.crs)
    snaps = []
    for name, x, y in (("origin", xs[0], ys[0]), ("destination", xs[1], ys[1])):
        found = _snap(Point(x, y), tree, geoms, ids)
        if found[0].distance_m > max_snap_m:
            raise RoutingInputError(
                f"{name} is {found[0].distance_m:.0f} m from the nearest permitted road "
                f"(limit {max_snap_m:.0f} m)"
            )
        snaps.append(found)
    graph = _routing_graph(network, mask, snaps[0], snaps[1])
    try:
        travel_time, path = nx.single_source_dijkstra(graph, _ORIGIN, _DESTINATION, weight="weight")
    except nx.NetworkXNoPath:
        raise NoRouteError(
            "no permitted route between origin and destination for this cargo and vehicle") from None
    line, used = _assemble(network, graph, path)
    osmids = network.edges.loc[used, "osmid"].tolist()
    flat = [int(w) for ids_ in osmids for w in (ids_ if isinstance(ids_, list) else [ids_])]
    return Route(
        geometry=geometry_to_wgs84(line, network.crs),
        length_m=float(line.length),
        travel_time_s=float(travel_time),
        edges=[(int(u), int(v), int(k)) for u, v, k in used],
        osm_way_ids=list(dict.fromkeys(flat)),
        snap_offsets_m=(snaps[0][0].distance_m, snaps[1][0].distance_m),
    )
