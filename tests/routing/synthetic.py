"""Small synthetic road networks for the matcher's tests: straight roads laid out in metres near Shanghai."""
from __future__ import annotations

import networkx as nx
import numpy as np

from routing.network import Network, prepare_graph

LON0, LAT0 = 121.47, 31.23
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(LAT0))


def synthetic_network(roads: list[tuple[str, str, list[tuple[float, float]], bool]]) -> Network:
    """A network of ``roads``: (name, highway, points in metres east/north of a reference point, two-way).

    Each road is a chain of straight edges between its points; points shared by roads are shared nodes.
    """
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    ids: dict[tuple[float, float], int] = {}

    def node(point: tuple[float, float]) -> int:
        if point not in ids:
            ids[point] = len(ids) + 1
            graph.add_node(ids[point], x=LON0 + point[0] / _M_PER_DEG_LON, y=LAT0 + point[1] / _M_PER_DEG_LAT)
        return ids[point]

    for way, (name, highway, points, two_way) in enumerate(roads, start=1):
        for a, b in zip(points[:-1], points[1:]):
            length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
            pairs = [(a, b), (b, a)] if two_way else [(a, b)]
            for p, q in pairs:
                graph.add_edge(node(p), node(q), osmid=way, name=name, highway=highway, oneway=not two_way,
                               reversed=(p, q) == (b, a), length=length)
    return prepare_graph(graph, source="synthetic")
