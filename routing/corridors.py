"""Corridors and forbidden zones from GeoJSON.

A feature's geometry may be a (Multi)LineString, buffered by its ``width_m`` property or the default
buffer (``width_m`` is the allowed offset on each side, the same meaning as ``--buffer-m``); a
(Multi)Polygon, used as it is (an invalid one is repaired with :func:`shapely.make_valid` and the
repair reported, or refused when nothing with an area remains); or ``null`` with an ``osm_way_ids``
list and/or a ``road_names`` list (how Chinese permits list their 准行路线: roads by name), which need a network
to resolve the roads to geometry. Such a *road list* keeps the network edges it names (both directions), so that
a map-matched check (:mod:`routing.road_check`) can judge by the roads driven, not only by a buffer. A road list
may also carry a geometry (the centre lines of its roads, :func:`resolve_road_lists`: how a registered corridor
stores it): read with a network it is the road list, without one that geometry buffered.

Properties: ``role`` (``"forbidden"`` makes the feature a forbidden zone, anything else is corridor),
``rule`` for zones (``no_entry``, the default, or ``no_stop``), ``name``, ``hazard_classes`` (the
classes a corridor is approved for, or a zone applies to; empty means all), ``time_windows`` and
``tz`` (see :mod:`routing.timewindows`).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from routing._errors import RoutingInputError
from routing._validate import check_positive
from routing.projection import geometry_to_metric, geometry_to_wgs84, utm_crs
from routing.timewindows import TimeWindows, parse_time_windows

if TYPE_CHECKING:  # a road list's network is loaded by the caller: route check of a buffered corridor needs no
    from routing.network import Network  # network module (its XML parser, pickle)

ZONE_RULES = ("no_entry", "no_stop")
_LINES = ("LineString", "MultiLineString")
_AREAS = ("Polygon", "MultiPolygon")


@dataclass
class CorridorFeature:
    """One corridor part or forbidden zone, as a polygon in the corridor's metric CRS."""

    geometry: BaseGeometry
    name: str
    forbidden: bool = False
    rule: str = ""
    hazard_classes: frozenset[str] = frozenset()
    windows: TimeWindows = field(default_factory=TimeWindows)
    #: For a road list: which edges of the network it names (a mask over ``network.edges``); else None.
    roads: np.ndarray | None = field(default=None, repr=False, compare=False)

    def applies_to(self, hazard_classes: Iterable[str] | None) -> bool:
        """Whether the feature concerns a load of these classes (``None``: any load)."""
        if hazard_classes is None or not self.hazard_classes:
            return True
        classes = set(hazard_classes)
        # A corridor must be approved for everything on board; a zone concerns a load if any class matches.
        return bool(classes & self.hazard_classes) if self.forbidden else classes <= self.hazard_classes


@dataclass
class Corridor:
    """The permitted corridor and the forbidden zones of one trip.

    Attributes
    ----------
    crs : pyproj.CRS
        Metric CRS of every geometry.
    features : list of CorridorFeature
    bbox : tuple of float
        ``(west, south, east, north)`` in WGS-84 degrees.
    notes : list of str
        Repairs and ignored features, for the report.
    """

    crs: pyproj.CRS
    features: list[CorridorFeature]
    bbox: tuple[float, float, float, float]
    notes: list[str] = field(default_factory=list)
    #: Derived geometries (unions, shrunk and prepared areas, boundary indexes) made once per corridor, see
    #: ``checks._area`` and ``checks._offsets``.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def parts(self, *, forbidden: bool, hazard_classes: Iterable[str] | None = None) -> list[CorridorFeature]:
        """Return the corridor parts (``forbidden=False``) or zones that apply to a load."""
        classes = None if hazard_classes is None else frozenset(hazard_classes)
        return [f for f in self.features if f.forbidden == forbidden and f.applies_to(classes)]

    def area(self, hazard_classes: Iterable[str] | None = None) -> BaseGeometry:
        """Return the union of the permitted parts (time windows ignored), metric CRS."""
        parts = self.parts(forbidden=False, hazard_classes=hazard_classes)
        return shapely.union_all([f.geometry for f in parts])


def _read_features(source: str | Path | Mapping[str, Any]) -> list[dict[str, Any]]:
    if isinstance(source, Mapping):
        data: Any = source
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RoutingInputError(f"cannot read corridor {source}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RoutingInputError(f"corridor {source} is not GeoJSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise RoutingInputError("corridor GeoJSON must be an object")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise RoutingInputError("corridor FeatureCollection has no features list")
        return [f if isinstance(f, dict) else {} for f in features]
    if kind == "Feature":
        return [dict(data)]
    if kind in _LINES + _AREAS:
        return [{"type": "Feature", "geometry": dict(data), "properties": {}}]
    raise RoutingInputError(f"corridor GeoJSON must be a FeatureCollection, Feature or geometry: {kind!r}")


def _check_degrees(geom: BaseGeometry, where: str) -> None:
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise RoutingInputError(f"{where}: non-finite coordinate")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise RoutingInputError(f"{where}: coordinates out of range (GeoJSON is lon, lat in WGS-84 degrees)")


def _repair(geom: BaseGeometry, where: str, notes: list[str]) -> BaseGeometry:
    """Return a valid polygonal geometry, repairing it if needed, or refuse it."""
    if geom.is_valid:
        return geom
    reason = shapely.is_valid_reason(geom)
    # make_valid may return a collection with lines (a bow-tie's crossing point); keep the areas only.
    repaired = shapely.make_valid(geom)
    polygons = shapely.get_parts(repaired)
    polygons = polygons[np.isin(shapely.get_type_id(polygons), [3, 6])]
    area = shapely.union_all(polygons) if len(polygons) else None
    if area is None or area.is_empty or area.area == 0:
        raise RoutingInputError(f"{where}: invalid polygon ({reason}) that has no area once repaired")
    notes.append(f"{where}: invalid polygon ({reason}) repaired with make_valid")
    return area


def _listed(props: Mapping[str, Any], where: str) -> tuple[set[int], set[str]]:
    """The OSM way ids and road names a road list gives (names with surrounding space removed)."""
    raw_ids = props.get("osm_way_ids") or []
    raw_names = props.get("road_names") or []
    if isinstance(raw_ids, (str, int)):
        raise RoutingInputError(f"{where}: osm_way_ids must be a list of integers")
    try:
        wanted = {int(i) for i in raw_ids}
    except (TypeError, ValueError):
        raise RoutingInputError(f"{where}: osm_way_ids must be a list of integers") from None
    if isinstance(raw_names, str) or not all(isinstance(n, str) for n in raw_names):
        raise RoutingInputError(f"{where}: road_names must be a list of strings")
    return wanted, {n.strip() for n in raw_names if n.strip()}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def road_mask(props: Mapping[str, Any], network: Network, where: str, *, strict: bool = False,
              notes: list[str] | None = None) -> np.ndarray:
    """The edges of ``network`` a road list names by ``osm_way_ids`` or ``road_names`` (a boolean mask).

    A name matches an edge whose ``name`` is that name or, for an edge merging several ways, lists it; names are
    compared with surrounding space removed. Ids and names the network does not have are refused when *strict*
    (an authority registering a permit's roads: a typo must not silently narrow the corridor), else noted in
    *notes* and ignored (a route check over an extract that holds part of the listed roads); a list of which
    nothing is in the network is refused either way.
    """
    wanted, names = _listed(props, where)
    edges = network.edges
    way_ids = edges["osmid"].map(_as_list)
    hit = way_ids.map(lambda v: bool(wanted.intersection(v))).to_numpy(bool)
    edge_names = (edges["name"].map(lambda v: {str(n).strip() for n in _as_list(v) if isinstance(n, str)})
                  if "name" in edges else None)
    if names and edge_names is not None:
        hit = hit | edge_names.map(lambda v: bool(names.intersection(v))).to_numpy(bool)
    missing_ids = sorted(wanted.difference(*way_ids[hit])) if wanted else []
    missing_names = sorted(names.difference(*edge_names[hit])) if names and edge_names is not None else sorted(names)
    if missing_ids or missing_names:
        what = "; ".join(part for part in (
            "OSM way ids " + ", ".join(map(str, missing_ids)) if missing_ids else "",
            "road names " + ", ".join(missing_names) if missing_names else "") if part)
        if strict:
            raise RoutingInputError(f"{where}: not in the road network: {what}")
        if hit.any() and notes is not None:
            notes.append(f"{where}: not in the road network, ignored: {what}")
    if not hit.any():
        raise RoutingInputError(f"{where}: none of its OSM way ids or road names is in the network")
    return hit


def is_road_list(props: Mapping[str, Any]) -> bool:
    """Whether a feature's properties list roads (``osm_way_ids`` or ``road_names``)."""
    return bool(props.get("osm_way_ids") or props.get("road_names"))


def resolve_road_lists(source: str | Path | Mapping[str, Any], network: Network) -> dict[str, Any]:
    """The corridor GeoJSON as a FeatureCollection with the geometry of each road list filled in.

    A road-list feature gets the centre lines of the edges it names (a WGS-84 MultiLineString, 1e-7 degree
    precision) as its geometry, its ``osm_way_ids`` / ``road_names`` kept: so it is checked by the roads with a
    network (:func:`load_corridor`), and by the buffer of those roads without one. Every id and name must be in
    *network* (``strict``, see :func:`road_mask`); other features are returned as they are.
    """
    features = _read_features(source)
    out = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        if isinstance(props, Mapping) and is_road_list(props):
            where = f"corridor feature {number}" + (f" ({props['name']})" if props.get("name") else "")
            mask = road_mask(props, network, where, strict=True)
            lines = shapely.line_merge(shapely.union_all(network.edges.geometry.values[mask]))
            lines = shapely.set_precision(geometry_to_wgs84(lines, network.crs), 1e-7)
            if lines.geom_type == "LineString":
                lines = shapely.MultiLineString([lines])
            feature = {**feature, "geometry": json.loads(shapely.to_geojson(lines))}
        out.append(feature)
    return {"type": "FeatureCollection", "features": out}


def load_corridor(
    source: str | Path | Mapping[str, Any],
    *,
    buffer_m: float = 50.0,
    network: Network | None = None,
    crs: pyproj.CRS | None = None,
    zones_only: bool = False,
    strict_roads: bool = False,
) -> Corridor:
    """Read a corridor GeoJSON (file or parsed mapping) into metric polygons.

    Parameters
    ----------
    source : str, pathlib.Path or mapping
        GeoJSON in WGS-84 lon/lat.
    buffer_m : float
        Half-width for lines without a ``width_m`` property.
    network : Network, optional
        Needed for features given as ``osm_way_ids`` or ``road_names``; its CRS is then used.
    crs : pyproj.CRS, optional
        Metric CRS to use; estimated from the corridor (UTM) when neither this nor a network is given.
    zones_only : bool
        Accept a collection of forbidden zones with no permitted part (a zone register, not a trip).
    strict_roads : bool
        Refuse a road list naming a way id or road the network does not have (else noted and ignored).

    Returns
    -------
    Corridor
    """
    check_positive(buffer_m, name="--buffer-m")
    raw = _read_features(source)
    notes: list[str] = []
    parsed: list[tuple[dict[str, Any], BaseGeometry | None, str]] = []
    for number, feature in enumerate(raw, start=1):
        props = feature.get("properties") or {}
        where = f"corridor feature {number}" + (f" ({props['name']})" if props.get("name") else "")
        geometry = feature.get("geometry")
        # A road list is checked by its roads when there is a network; its geometry (the roads' centre lines,
        # resolve_road_lists) is the buffer's without one.
        if is_road_list(props) and (geometry is None or network is not None):
            if network is None:
                raise RoutingInputError(f"{where}: lists OSM way ids or road names, so a network is needed (--network)")
            parsed.append((props, None, where))
            continue
        try:
            geom = shape(geometry) if geometry else None
        except (ValueError, TypeError, AttributeError, LookupError, shapely.errors.GEOSException) as exc:
            raise RoutingInputError(f"{where}: unreadable geometry ({exc})") from None
        if geom is None or geom.is_empty or geom.geom_type not in _LINES + _AREAS:
            notes.append(f"{where}: {geom.geom_type if geom is not None else 'no'} geometry ignored")
            continue
        _check_degrees(geom, where)
        parsed.append((props, geom, where))
    if not parsed:
        raise RoutingInputError("corridor has no usable geometry (no line, polygon, osm_way_ids or road_names feature)")
    degrees = [g for _, g, _ in parsed if g is not None]
    bbox = tuple(float(v) for v in shapely.total_bounds(np.array(degrees, dtype=object))) if degrees else None
    if bbox is None or len(degrees) < len(parsed):  # way-id features lie somewhere in the network
        bbox = _union_bbox(bbox, network.bbox if network is not None else None)
    if crs is None:
        crs = network.crs if network is not None else utm_crs(*bbox)
    features = [_feature(props, geom, where, crs, buffer_m, network, notes, strict_roads)
                for props, geom, where in parsed]
    if not zones_only and not any(not f.forbidden for f in features):
        raise RoutingInputError("corridor has only forbidden zones: no permitted corridor")
    return Corridor(crs=crs, features=features, bbox=bbox, notes=notes)


def _union_bbox(*boxes: tuple[float, ...] | None) -> tuple[float, float, float, float]:
    given = np.array([box for box in boxes if box is not None], dtype=float)
    west, south = given[:, :2].min(axis=0)
    east, north = given[:, 2:].max(axis=0)
    return float(west), float(south), float(east), float(north)


def _feature(
    props: dict[str, Any],
    geom: BaseGeometry | None,
    where: str,
    crs: pyproj.CRS,
    buffer_m: float,
    network: Network | None,
    notes: list[str],
    strict_roads: bool = False,
) -> CorridorFeature:
    width = props.get("width_m", buffer_m)
    numeric = isinstance(width, (int, float)) and not isinstance(width, bool)
    if not numeric or not math.isfinite(width) or width <= 0:
        raise RoutingInputError(f"{where}: width_m must be a positive number of metres, got {width!r}")
    roads = None
    if geom is None:
        if network is None or network.crs != crs:
            raise RoutingInputError(f"{where}: a road list needs the corridor in the network's CRS")
        roads = road_mask(props, network, where, strict=strict_roads, notes=notes)
        area = shapely.union_all(network.edges.geometry.values[roads]).buffer(width)
    elif geom.geom_type in _LINES:
        area = geometry_to_metric(geom, crs).buffer(width)
    else:
        area = _repair(geometry_to_metric(geom, crs), where, notes)
    forbidden = props.get("role") == "forbidden"
    rule = str(props.get("rule") or "no_entry") if forbidden else ""
    if forbidden and rule not in ZONE_RULES:
        raise RoutingInputError(f"{where}: rule must be one of {', '.join(ZONE_RULES)}, got {rule!r}")
    classes = props.get("hazard_classes") or []
    if isinstance(classes, (str, int, float)):
        classes = [classes]
    return CorridorFeature(
        geometry=area,
        name=str(props.get("name") or where),
        forbidden=forbidden,
        rule=rule,
        hazard_classes=frozenset(str(c) for c in classes),
        windows=parse_time_windows(props.get("time_windows"), props.get("tz"), where=where),
        roads=roads,
    )
