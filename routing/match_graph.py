"""The road network prepared for map matching: edge geometries in an STRtree, node and edge arrays, and a CSR
graph for scipy's Dijkstra, bounded to the part of the graph within reach (see :mod:`routing.matching`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from routing._lazy import lazy
from routing.network import Network

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
_MIN_WEIGHT_M = 1e-3  # csgraph reads an explicit 0 as "no edge"
_CHUNK = 64  # paths whose sources go to one Dijkstra call
#: OSM ``highway`` values no motor vehicle drives: no candidate of a fix, no part of a path between fixes.
NOT_FOR_MOTOR_VEHICLES = frozenset({"footway", "path", "pedestrian", "steps", "cycleway", "bridleway", "corridor",
                                    "elevator", "platform"})
_COST_SCALE = 1e7  # path_costs: a path's length (m, under 10,000 km) below its cost in tenths of a metre
_COST_REACH = 1.5  # bounded_dijkstra on path_costs: the cost searched, as a multiple of the length limit
_HEADING_SPAN_M = 10.0  # an edge's bearing at an end: over this much of it (a kink at the node is no turn)


@dataclass
class MatchGraph:
    """A network prepared for matching: edge geometries in an STRtree, node and edge arrays, a CSR graph.

    ``road`` numbers each edge's road (edges of one name, or of one OSM way where unnamed, share a number);
    ``road_also`` (edges × k, -1 padded) the other roads of an edge osmnx merged from several (a flyover named
    both 红荔西路 and 红荔路): it is also on each of those, so joining one of them is no change of road;
    ``side_road`` marks a main road's side road (辅路: its name ends so, as OSM names them in China);
    ``heading_in``/``heading_out`` are an edge's bearing where it starts and where it ends (radians,
    anticlockwise from east, over its first and last ``_HEADING_SPAN_M`` metres); ``speed_kph`` its speed (the
    network's ``speed_kph``: posted, else by road class), which :func:`path_costs` turns into a path cost.

    Build it once per network with :func:`prepare_matching`; it is read-only afterwards.
    """

    network: Network
    geoms: npt.NDArray[np.object_]
    tree: shapely.STRtree
    edge_u: IntArray
    edge_v: IntArray
    length: FloatArray
    node_ids: npt.NDArray[np.int64]
    node_x: FloatArray
    node_y: FloatArray
    csr: csr_matrix
    best_edge: dict[tuple[int, int], int]
    road: IntArray
    side_road: npt.NDArray[np.bool_]
    heading_in: FloatArray
    heading_out: FloatArray
    road_also: IntArray
    speed_kph: FloatArray | None = None
    _weighted: dict[tuple[float, float], csr_matrix] = field(default_factory=dict, repr=False)

    def edge_keys(self, edges: IntArray) -> list[tuple[int, int, int]]:
        """``(u, v, key)`` of edges given by position in ``network.edges``."""
        index = self.network.edges.index
        return [tuple(int(p) for p in index[e]) for e in edges]  # type: ignore[misc]


def prepare_matching(network: Network, motor_vehicles: bool = True) -> MatchGraph:
    """Prepare a network for :func:`match_track`.

    Parameters
    ----------
    network : Network
        From :func:`routing.network.load_network`.
    motor_vehicles : bool
        Match onto the ways a motor vehicle drives only (the default): footways, paths, pedestrian streets,
        steps and cycleways (:data:`NOT_FOR_MOTOR_VEHICLES`; a graph read with osmnx's "all" network type has
        them, Futian's a quarter of its edges) are left out: beside every street, 5–15 m from it, a pavement would
        otherwise be as likely a road as the street itself.

    Returns
    -------
    MatchGraph
    """
    edges = network.edges
    geoms = np.asarray(edges.geometry.values)
    node_ids = np.array(list(network.graph.nodes), dtype=np.int64)
    position = pd.Series(np.arange(len(node_ids)), index=node_ids)
    u = position[edges.index.get_level_values(0)].to_numpy()
    v = position[edges.index.get_level_values(1)].to_numpy()
    length = shapely.length(geoms)
    usable = motor_ways(edges) if motor_vehicles else np.ones(len(edges), dtype=bool)
    # The shortest of parallel edges carries the pair in the CSR graph and in reconstructed paths.
    order = np.lexsort((length, v, u))
    order = order[usable[order]]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
    best = order[first]
    csr = csr_matrix((np.maximum(length[best], _MIN_WEIGHT_M), (u[best], v[best])),
                     shape=(len(node_ids), len(node_ids)))
    nodes = network.graph.nodes
    road, road_also = _road_sets(edges)
    return MatchGraph(
        network=network, geoms=geoms, tree=shapely.STRtree(np.where(usable, geoms, None)), edge_u=u, edge_v=v,
        length=length,
        node_ids=node_ids, node_x=np.array([nodes[n]["x"] for n in node_ids], dtype=float),
        node_y=np.array([nodes[n]["y"] for n in node_ids], dtype=float), csr=csr,
        best_edge={(int(a), int(b)): int(e) for a, b, e in zip(u[best], v[best], best)},
        road=road, road_also=road_also, side_road=_side_roads(edges),
        heading_in=_bearing(geoms, np.zeros(len(geoms)), np.minimum(length, _HEADING_SPAN_M)),
        heading_out=_bearing(geoms, np.maximum(length - _HEADING_SPAN_M, 0.0), length),
        speed_kph=edges["speed_kph"].to_numpy(dtype=float) if "speed_kph" in edges else None,
    )


def slow_road_factor(graph: MatchGraph, weight: float, fast_kph: float) -> FloatArray | None:
    """Cost per metre of each edge: ``1 + weight × (fast_kph / speed − 1)`` on a road slower than ``fast_kph``, 1 on
    a faster one (with ``weight`` 1, a road's travel time at ``fast_kph``: a residential street at 20 km/h costs
    2.5 a metre beside a primary road at 50); ``None`` where ``weight`` is 0 or the network has no speeds."""
    if weight <= 0 or graph.speed_kph is None:
        return None
    speed = np.where(np.isfinite(graph.speed_kph) & (graph.speed_kph > 0), graph.speed_kph, fast_kph)
    return 1.0 + weight * np.maximum(fast_kph / speed - 1.0, 0.0)


def path_costs(graph: MatchGraph, weight: float, fast_kph: float) -> csr_matrix | None:
    """The CSR graph on which Dijkstra finds the path a driver takes: the cheapest by :func:`slow_road_factor`,
    and of those the shortest; its distances decode to that path's length with :func:`path_length`.

    Each edge weighs its cost (in tenths of a metre, rounded) × ``_COST_SCALE`` + its length, so one Dijkstra
    orders paths by cost and still sums their lengths (Valhalla Meili and OSRM search the path between
    candidates with the driving costs, then weigh the transition by that path's length). ``None`` where
    :func:`slow_road_factor` is. Made once per (weight, speed) and kept on the graph."""
    factor = slow_road_factor(graph, weight, fast_kph)
    if factor is None:
        return None
    key = (float(weight), float(fast_kph))
    if key not in graph._weighted:
        best = np.fromiter(graph.best_edge.values(), dtype=np.intp, count=len(graph.best_edge))
        cost = np.maximum(np.round(graph.length[best] * factor[best] * 10.0), 1.0)
        graph._weighted[key] = csr_matrix((cost * _COST_SCALE + graph.length[best],
                                           (graph.edge_u[best], graph.edge_v[best])), shape=graph.csr.shape)
    return graph._weighted[key]


def path_length(distance: FloatArray) -> FloatArray:
    """The length (m) of the paths whose distances on :func:`path_costs`' graph are ``distance`` (inf stays)."""
    finite = np.isfinite(distance)
    safe = np.where(finite, distance, 0.0)
    return np.where(finite, safe - np.floor(safe / _COST_SCALE) * _COST_SCALE, np.inf)


def motor_ways(edges: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Whether each edge is a way motor vehicles drive (any of its ``highway`` values, where osmnx merged ways,
    not in :data:`NOT_FOR_MOTOR_VEHICLES`)."""
    if "highway" not in edges:
        return np.ones(len(edges), dtype=bool)

    def motor(value: object) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(str(v) not in NOT_FOR_MOTOR_VEHICLES for v in values)

    return np.array([motor(v) for v in edges["highway"]], dtype=bool)


def _side_roads(edges: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Whether each edge is a 辅路 (side road beside a main road): a name ending in 辅路 (where osmnx merged ways,
    any of its names)."""
    if "name" not in edges:
        return np.zeros(len(edges), dtype=bool)

    def side(value: object) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and v.strip().endswith("辅路") for v in values)

    return np.array([side(v) for v in edges["name"]], dtype=bool)


def _road_sets(edges: pd.DataFrame) -> tuple[IntArray, IntArray]:
    """A number per road and edge, and the numbers of the other roads of edges merged from several.

    A road is a name, else (unnamed) an OSM way. Where osmnx merged ways into one edge it gives lists: each of
    the names (or, unnamed, of the ways) is a road the edge is on. The first (sorted) is ``road``; the others go
    to a matrix of ``edges × (most roads of an edge − 1)`` padded with -1."""
    def keys(name: object, way: object) -> list[str]:
        names = name if isinstance(name, list) else [name]
        named = sorted({str(n) for n in names if isinstance(n, str) and n})
        if named:
            return ["name:" + n for n in named]
        ways = way if isinstance(way, list) else [way]
        return sorted({"way:" + str(w) for w in ways})

    names = edges["name"] if "name" in edges else pd.Series(None, index=edges.index)
    ways = edges["osmid"] if "osmid" in edges else pd.Series(range(len(edges)), index=edges.index)
    per_edge = [keys(n, w) for n, w in zip(names, ways)]
    codes, _ = pd.factorize(pd.Series([k for ks in per_edge for k in ks]))
    counts = np.array([len(ks) for ks in per_edge])
    starts = np.cumsum(counts) - counts
    road = codes[starts].astype(np.intp)
    also = np.full((len(per_edge), max(int(counts.max(initial=1)) - 1, 0)), -1, dtype=np.intp)
    for column in range(also.shape[1]):
        more = np.flatnonzero(counts > column + 1)
        also[more, column] = codes[starts[more] + column + 1]
    return road, also


def _bearing(geoms: npt.NDArray[np.object_], start: FloatArray, end: FloatArray) -> FloatArray:
    """Bearing (radians, anticlockwise from east) from ``start`` to ``end`` metres along each line."""
    a = shapely.get_coordinates(shapely.line_interpolate_point(geoms, start))
    b = shapely.get_coordinates(shapely.line_interpolate_point(geoms, end))
    return np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0])


def bounded_dijkstra(graph: MatchGraph, sources: IntArray, limit: float, predecessors: bool = False,
                     costs: csr_matrix | None = None) -> tuple[IntArray, FloatArray, IntArray | None]:
    """Network distances from ``sources`` (node positions) up to ``limit`` metres; given ``costs`` (from
    :func:`path_costs`), along the path a driver takes, up to ``limit`` metres from the sources' bounding box
    (decode them with :func:`path_length`).

    Runs on the nodes within ``limit`` of the sources' bounding box only (a path no longer than the limit
    cannot leave it, edges being no shorter than the straight line), so the cost does not grow with the city.

    Returns
    -------
    local : numpy.ndarray
        Node position → column in the result (-1 outside the window).
    dist : numpy.ndarray
        ``len(sources)`` × window distances (inf beyond the limit).
    pred : numpy.ndarray or None
        Predecessor columns (-9999 where none), when asked for.
    """
    x, y = graph.node_x, graph.node_y
    sx, sy = x[sources], y[sources]
    window = np.flatnonzero((x >= sx.min() - limit) & (x <= sx.max() + limit)
                            & (y >= sy.min() - limit) & (y <= sy.max() + limit))
    local = np.full(len(x), -1, dtype=np.intp)
    local[window] = np.arange(len(window))
    sub = (graph.csr if costs is None else costs)[window][:, window]
    # With costs, a path within the limit may cost more: up to _COST_REACH times (a residential street's 2.5).
    reach = limit if costs is None else (np.ceil(limit * _COST_REACH * 10.0) + 1.0) * _COST_SCALE
    result = dijkstra(sub, directed=True, indices=local[sources], limit=reach, return_predecessors=predecessors)
    if predecessors:
        return local, result[0], result[1]
    return local, result, None


def shortest_node_paths(graph: MatchGraph, pairs: list[tuple[int, int]],
                        costs: csr_matrix | None = None) -> list[list[int]]:
    """Shortest node paths (node positions) for ``(from, to)`` pairs, a chunk of sources per Dijkstra call (the
    cheapest by ``costs`` from :func:`path_costs`, when given)."""
    paths: dict[int, list[int]] = {i: [a] for i, (a, b) in enumerate(pairs) if a == b}  # adjacent edges
    todo = [i for i in range(len(pairs)) if i not in paths]
    for start in range(0, len(todo), _CHUNK):
        chunk = [pairs[i] for i in todo[start:start + _CHUNK]]
        sources, row = np.unique([a for a, _ in chunk], return_inverse=True)
        gaps = [np.hypot(graph.node_x[a] - graph.node_x[b], graph.node_y[a] - graph.node_y[b]) for a, b in chunk]
        # The transition allowed at most detour_factor × the gap plus slack; twice that always contains it.
        limit = float(max(gaps)) * 4.0 + 2_000.0
        local, _, pred = bounded_dijkstra(graph, sources, limit, predecessors=True, costs=costs)
        window = np.flatnonzero(local >= 0)
        for i, (a, b), r in zip(todo[start:start + _CHUNK], chunk, row.tolist()):
            path, node = [b], int(local[b])
            while window[node] != a:
                node = int(pred[r, node])  # type: ignore[index]
                path.append(int(window[node]))
            paths[i] = path[::-1]
    return [paths[i] for i in range(len(pairs))]
