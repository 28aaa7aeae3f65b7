"""Simulated GPS tracks on real roads, with their noise-free truth, for the check tests."""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from routing.network import Network
from routing.projection import to_wgs84

START = pd.Timestamp("2026-01-01T08:00:00Z")


@dataclass
class SimTrack:
    """A simulated drive: noisy fixes as a table, plus the true (noise-free) metric positions."""

    frame: pd.DataFrame
    true_x: np.ndarray
    true_y: np.ndarray


def path_line(network: Network, nodes: list[int]) -> LineString:
    """Metric LineString along the fastest parallel edge between consecutive nodes."""
    coords: list[tuple[float, float]] = []
    for u, v in zip(nodes[:-1], nodes[1:]):
        key = min(network.graph[u][v], key=lambda k: network.graph[u][v][k]["travel_time"])
        part = list(network.edges.geometry[(u, v, key)].coords)
        coords += part[1:] if coords else part
    return LineString(coords)


def detour_nodes(network: Network, corridor_line: LineString, *, along: tuple[float, float],
                 away: tuple[float, float]) -> tuple[int, int, int]:
    """Pick nodes ``a``, ``b`` on the corridor and a node ``c`` on a parallel street between them.

    ``c`` is the first node (by id) lying ``away`` metres from the corridor line, beside the stretch
    ``along`` (metres from its start); ``a``/``b`` are the corridor nodes nearest the stretch's ends.
    """
    ids = np.array(list(network.graph.nodes))
    xy = np.array([[network.graph.nodes[v]["x"], network.graph.nodes[v]["y"]] for v in ids])
    points = shapely.points(xy)
    dist = shapely.distance(corridor_line, points)
    pos = shapely.line_locate_point(corridor_line, points)
    on = dist < 5
    a = ids[on][np.argmin(np.abs(pos[on] - (along[0] - 250)))]
    b = ids[on][np.argmin(np.abs(pos[on] - (along[1] + 250)))]
    beside = (dist > away[0]) & (dist < away[1]) & (pos > along[0]) & (pos < along[1])
    return int(a), int(b), int(np.sort(ids[beside])[0])


def detour_line(network: Network, corridor_line: LineString, a: int, b: int, c: int) -> LineString:
    """Corridor from its start to ``a``, the fastest way ``a → c → b``, then the corridor to its end."""
    graph = network.graph
    middle = nx.shortest_path(graph, a, c, weight="travel_time") + nx.shortest_path(
        graph, c, b, weight="travel_time")[1:]
    pa = corridor_line.project(shapely.Point(graph.nodes[a]["x"], graph.nodes[a]["y"]))
    pb = corridor_line.project(shapely.Point(graph.nodes[b]["x"], graph.nodes[b]["y"]))
    head = shapely.ops.substring(corridor_line, 0, pa)
    tail = shapely.ops.substring(corridor_line, pb, corridor_line.length)
    coords = list(head.coords) + list(path_line(network, middle).coords) + list(tail.coords)
    return LineString(coords)


def drive(line: LineString, network: Network, *, speed_mps: float = 10.0, dt_s: float = 5.0,
          noise_m: float = 10.0, seed: int = 1, pause_at_m: float | None = None,
          pause_s: float = 0.0) -> SimTrack:
    """Sample a drive along ``line`` every ``dt_s`` seconds with Gaussian noise ``noise_m``.

    With ``pause_at_m`` the vehicle stands still ``pause_s`` seconds at that distance along the line.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, line.length / speed_mps + pause_s, dt_s)
    travelled = t * speed_mps
    if pause_at_m is not None:
        stop_t = pause_at_m / speed_mps
        travelled = np.where(t < stop_t, travelled, np.maximum(pause_at_m, (t - pause_s) * speed_mps))
    true = shapely.get_coordinates(shapely.line_interpolate_point(line, travelled))
    noisy = true + rng.normal(0.0, noise_m, true.shape)
    lon, lat = to_wgs84(noisy[:, 0], noisy[:, 1], network.crs)
    times = (START + pd.to_timedelta(t, unit="s")).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    frame = pd.DataFrame({"time": times, "lon": lon, "lat": lat})
    return SimTrack(frame=frame, true_x=true[:, 0], true_y=true[:, 1])
