"""Pictures of a check or a plan: network, corridor, zones, track or route, episodes in colour.

Drawn on a bare :class:`matplotlib.figure.Figure` (Agg canvas, no pyplot state), in the metric CRS,
with the OpenStreetMap attribution the ODbL requires wherever the data is shown.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import font_manager, rcParams
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.axes import Axes

from routing._errors import RoutingInputError
from routing.corridors import Corridor
from routing.match_report import piece_geometry
from routing.matching import MatchResult
from routing.network import Network
from routing.planner import Route
from routing.projection import geometry_to_metric, to_metric
from routing.tracks import Track

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
FORMATS = (".png", ".svg", ".pdf")
_COLOURS = {"deviation": "#d62728", "forbidden_zone": "#9467bd", "signal_gap": "#ff7f0e"}
#: Fonts with Chinese glyphs, for the names of corridors, zones and roads (matplotlib's DejaVu Sans has none);
#: the first installed is used (Debian: fonts-wqy-zenhei, fonts-noto-cjk).
CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "SimHei",
             "Microsoft YaHei", "PingFang SC")


def cjk_fonts() -> list[str]:
    """The fonts of :data:`CJK_FONTS` installed here, in that order."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


# Put first (a font without a glyph hands it to the next): Latin text keeps its look in WenQuanYi, as in DejaVu.
rcParams["font.sans-serif"] = [*cjk_fonts(), *rcParams["font.sans-serif"]]
rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212


def check_plot_path(path: str | Path) -> Path:
    """Refuse an output file whose format matplotlib is not asked to write here."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise RoutingInputError(f"--plot file must end in {', '.join(FORMATS)}, got {target.name}")
    if not target.parent.is_dir():
        raise RoutingInputError(f"--plot directory does not exist: {target.parent}")
    return target


def _axes(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(9, 9), dpi=110)
    ax = figure.add_subplot()
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return figure, ax


def _draw_network(ax: Axes, network: Network, around: shapely.Geometry, margin_m: float = 400.0) -> None:
    """Draw the network's edges near ``around`` (all of a city would drown the picture)."""
    window = around.envelope.buffer(margin_m)
    geoms = network.edges.geometry.values
    near = geoms[shapely.intersects(geoms, window)]
    segments = [np.asarray(g.coords) for g in near]
    ax.add_collection(LineCollection(segments, colors="#b0b0b0", linewidths=0.6, zorder=1))


def _draw_corridor(ax: Axes, corridor: Corridor) -> None:
    parts = [f.geometry for f in corridor.features if not f.forbidden]
    zones = [f.geometry for f in corridor.features if f.forbidden]
    gpd.GeoSeries(parts, crs=corridor.crs).plot(ax=ax, color="#2ca02c", alpha=0.25, zorder=2)
    if zones:
        gpd.GeoSeries(zones, crs=corridor.crs).plot(ax=ax, facecolor="#9467bd", alpha=0.3, hatch="//",
                                                    edgecolor="#9467bd", zorder=2)


def _save(figure: Figure, ax: Axes, path: Path) -> None:
    ax.autoscale_view()
    ax.legend(loc="upper right", fontsize=8)
    ax.text(0.99, 0.01, ATTRIBUTION, transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            color="#444444", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"}, zorder=5)
    figure.savefig(path, bbox_inches="tight")


def plot_check(path: str | Path, track: Track, corridor: Corridor, result: dict[str, Any],
               network: Network | None = None) -> Path:
    """Draw a track check: corridor, zones, the track, and its episodes in colour.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.png``, ``.svg`` or ``.pdf`` file to write.
    track : Track
    corridor : Corridor
    result : dict
        The :func:`routing.checks.check_track` result for this track.
    network : Network, optional
        Drawn underneath for context.

    Returns
    -------
    pathlib.Path
    """
    target = check_plot_path(path)
    x, y = to_metric(track.lon, track.lat, corridor.crs)
    verdict = "compliant" if result["compliant"] else f"{len(result['episodes'])} episode(s)"
    figure, ax = _axes(f"Track check: {verdict}")
    if network is not None and network.crs == corridor.crs:
        _draw_network(ax, network, shapely.MultiPoint(np.column_stack((x, y))))
    _draw_corridor(ax, corridor)
    ax.plot(x, y, color="#1f77b4", linewidth=1.0, label="track", zorder=3)
    area = corridor.area()
    labelled: set[str] = set()
    for episode in result["episodes"]:
        kind, first, last = episode["kind"], episode["first_index"], episode["last_index"] + 1
        label = None if kind in labelled else kind.replace("_", " ")
        labelled.add(kind)
        style = "--" if kind == "signal_gap" else "-"
        ax.plot(x[first:last], y[first:last], style, color=_COLOURS.get(kind, "black"), linewidth=2.5,
                label=label, zorder=4)
        if kind == "deviation":
            offsets = shapely.distance(area, shapely.points(x[first:last], y[first:last]))
            peak = first + int(np.argmax(offsets))
            ax.annotate(f"{episode['max_offset_m']:.0f} m off", (x[peak], y[peak]), fontsize=9,
                        color=_COLOURS["deviation"], xytext=(5, 5), textcoords="offset points")
    _save(figure, ax, target)
    return target


def plot_route(path: str | Path, network: Network, route: Route, corridor: Corridor | None = None) -> Path:
    """Draw a planned route over the network (and the corridor it had to follow, if any).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.png``, ``.svg`` or ``.pdf`` file to write.
    network : Network
    route : Route
    corridor : Corridor, optional

    Returns
    -------
    pathlib.Path
    """
    target = check_plot_path(path)
    line = geometry_to_metric(route.geometry, network.crs)
    figure, ax = _axes(f"Route: {route.length_m / 1000:.2f} km, {route.travel_time_s / 60:.1f} min")
    _draw_network(ax, network, line)
    if corridor is not None:
        _draw_corridor(ax, corridor)
    coords = np.asarray(line.coords)
    ax.plot(coords[:, 0], coords[:, 1], color="#1f77b4", linewidth=2.5, label="route", zorder=3)
    ax.plot(*coords[0], "o", color="#2ca02c", label="origin", zorder=4)
    ax.plot(*coords[-1], "s", color="#d62728", label="destination", zorder=4)
    _save(figure, ax, target)
    return target


def plot_match(path: str | Path, result: MatchResult, document: dict[str, Any]) -> Path:
    """Draw a map match: the fixes, the matched path of each stretch, the tunnels on it (dashed).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.png``, ``.svg`` or ``.pdf`` file to write.
    result : MatchResult
    document : dict
        The :func:`routing.match_report.match_document` of the result (for the title).

    Returns
    -------
    pathlib.Path
    """
    target = check_plot_path(path)
    network = result.graph.network
    x, y = to_metric(result.track.lon, result.track.lat, network.crs)
    figure, ax = _axes(f"Map match: {document['matched_share']:.0%} of fixes matched, "
                       f"{len(result.stretches)} stretch(es)")
    _draw_network(ax, network, shapely.MultiPoint(np.column_stack((x, y))))
    ax.plot(x, y, ".", color="#7f7f7f", markersize=3, label="fixes", zorder=3)
    for number, stretch in enumerate(result.stretches):
        driven = [p for p in stretch.pieces if p.to_m > p.from_m]
        segments = [np.asarray(piece_geometry(result, p).coords) for p in driven]
        tunnels = [s for s, p in zip(segments, driven) if _is_tunnel(network, p.edge)]
        ax.add_collection(LineCollection(segments, colors="#1f77b4", linewidths=2.5, zorder=4,
                                         label="matched path" if number == 0 else None))
        if tunnels:
            ax.add_collection(LineCollection(tunnels, colors="#ff7f0e", linewidths=3.5, linestyles="--", zorder=5,
                                             label="tunnel" if number == 0 else None))
    _save(figure, ax, target)
    return target


def _is_tunnel(network: Network, edge: int) -> bool:
    value = network.edges["tunnel"].iloc[edge] if "tunnel" in network.edges else None
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and v.lower() != "no" for v in values)
