"""What a map match says about a trip: the edges and ways driven, tunnels and bridges, roads closed to the cargo.

Built from a :class:`routing.matching.MatchResult`; the ``hazledger route match`` document (JSON, or GeoJSON with
the same facts as features). Times are ISO 8601 UTC; a tunnel's entry and exit are interpolated along the matched
path between the fixes around it, so a tunnel with no fix inside (no signal underground) is reported all the same,
with ``fixes_inside`` 0.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.ops import substring

from routing._lazy import lazy
from routing.cargo import Cargo
from routing.matching import MatchResult, PathPiece
from routing.projection import geometry_to_wgs84
from routing.restrictions import Vehicle, closure_reasons

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


def _iso(ns: int) -> str:
    return pd.Timestamp(int(ns), tz="UTC").round("s").isoformat()  # interpolated times: a second is precise enough


def _ids(value: Any) -> list[int]:
    """OSM way ids of an edge (a simplified edge may merge several ways)."""
    values = value if isinstance(value, list) else [value]
    return [int(v) for v in values if not pd.isna(v)]


def road_name(value: Any) -> str:
    """An edge's ``name`` as one string (the names of merged ways joined by " / "), "" when it has none."""
    if isinstance(value, list):
        return " / ".join(str(v) for v in dict.fromkeys(value))
    return "" if value is None or pd.isna(value) else str(value)


def _marked(value: Any) -> bool:
    """Whether a ``tunnel``/``bridge`` tag says the edge is one (``yes``, ``building_passage``, a list with one)."""
    values = value if isinstance(value, list) else [value]
    return any(not pd.isna(v) and str(v).lower() not in ("no", "") for v in values)


def _pieces(result: MatchResult) -> list[tuple[int, PathPiece]]:
    return [(number, piece) for number, stretch in enumerate(result.stretches) for piece in stretch.pieces]


def _group(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
    """Merge consecutive rows (of one stretch) with the same key into one: first entry, last exit, all ids."""
    groups: list[dict[str, Any]] = []
    for row in rows:
        k = key(row)
        last = groups[-1] if groups else None
        if last is not None and last["_key"] == k and last["stretch"] == row["stretch"]:
            last["osm_ids"] += [i for i in row["osm_ids"] if i not in last["osm_ids"]]
            last["exit"] = row["exit"]
            last["fixes_inside"] += row["fixes_inside"]
            last["_pieces"].append(row["_piece"])
        else:
            groups.append({**row, "osm_ids": list(row["osm_ids"]), "_key": k, "_pieces": [row["_piece"]]})
    return groups


def _public(groups: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{f: g[f] for f in fields} for g in groups]


def _fixes_inside(result: MatchResult, pieces: list[tuple[int, PathPiece]]) -> list[int]:
    """Matched fixes on each piece's edge within its time span (0 for a tunnel crossed without signal)."""
    times = result.track.time_ns
    counts = []
    for number, piece in pieces:
        on = (result.stretch == number) & (result.edge == piece.edge)
        counts.append(int((on & (times >= piece.enter_ns) & (times <= piece.exit_ns)).sum()))
    return counts


_FIELDS = {"ways": ("name", "osm_ids", "enter", "exit"),
           "tunnels": ("name", "osm_ids", "enter", "exit", "fixes_inside"),
           "bridges": ("name", "osm_ids", "enter", "exit", "fixes_inside"),
           "closed_for_cargo": ("name", "osm_ids", "reason", "enter", "exit")}


def _facts(result: MatchResult, cargo: Cargo | None, vehicle: Vehicle | None,
           untagged_tunnel_category: str) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """One row per driven piece of an edge, and the rows grouped into ways, tunnels, bridges, closed roads."""
    network = result.graph.network
    pieces = _pieces(result)
    positions = np.array([p.edge for _, p in pieces], dtype=np.intp)
    table = network.edges.iloc[positions]
    reasons = closure_reasons(table, cargo, vehicle, untagged_tunnel_category=untagged_tunnel_category).tolist()
    inside = _fixes_inside(result, pieces)
    keys = result.graph.edge_keys(positions)
    rows = []
    for i, (number, piece) in enumerate(pieces):
        edge = table.iloc[i]
        rows.append({
            "u": keys[i][0], "v": keys[i][1], "key": keys[i][2], "osm_ids": _ids(edge.get("osmid")),
            "name": road_name(edge.get("name")), "stretch": number, "enter": _iso(piece.enter_ns),
            "exit": _iso(piece.exit_ns), "length_m": round(piece.to_m - piece.from_m, 1),
            "fixes_inside": inside[i], "_piece": piece, "_reason": reasons[i],
            "_tunnel": _marked(edge.get("tunnel")), "_bridge": _marked(edge.get("bridge")),
        })

    def road(row: dict[str, Any]) -> Any:
        return row["name"] or tuple(row["osm_ids"])

    closed = _group([r for r in rows if r["_reason"]], lambda r: (r["_reason"], r["name"]))
    for group in closed:
        group["reason"] = group["_reason"]
    return rows, {"ways": _group(rows, road), "tunnels": _group([r for r in rows if r["_tunnel"]], road),
                  "bridges": _group([r for r in rows if r["_bridge"]], road), "closed_for_cargo": closed}


def match_document(result: MatchResult, *, cargo: Cargo | None = None, vehicle: Vehicle | None = None,
                   untagged_tunnel_category: str = "A") -> dict[str, Any]:
    """The ``route match`` JSON document.

    Parameters
    ----------
    result : MatchResult
        From :func:`routing.matching.match_track`.
    cargo, vehicle : optional
        What is on board and the vehicle; edges closed to them are listed in ``closed_for_cargo`` with the
        reason (:func:`routing.restrictions.closure_reasons`: hazmat=no, the tunnel category against the load's
        tunnel restriction code, hgv=no, weight and height limits).
    untagged_tunnel_category : str
        ADR category assumed for tunnels without one.

    Returns
    -------
    dict
        ``matched_share``, ``points``, ``valid_points``, ``sigma_m``, ``stretches``, ``edges``, ``ways``,
        ``tunnels``, ``bridges``, ``closed_for_cargo``, ``dropped``.
    """
    rows, groups = _facts(result, cargo, vehicle, untagged_tunnel_category)
    track = result.track
    return {
        "matched_share": round(result.matched_share, 4),
        "points": track.points,
        "valid_points": len(track),
        "sigma_m": round(result.sigma_m, 1),
        "stretches": [
            {"first_index": s.first, "last_index": s.last, "start": _iso(track.time_ns[s.first]),
             "end": _iso(track.time_ns[s.last]), "length_m": round(s.length_m, 1), "confidence": s.confidence}
            for s in result.stretches
        ],
        "edges": [{**{k: v for k, v in r.items() if not k.startswith("_")}, "closed_reason": r["_reason"] or None}
                  for r in rows],
        **{kind: _public(found, _FIELDS[kind]) for kind, found in groups.items()},
        "dropped": track.dropped,
    }


def piece_geometry(result: MatchResult, piece: PathPiece) -> Any:
    """The metric geometry of the driven part of one edge."""
    geom = result.graph.geoms[piece.edge]
    return substring(geom, piece.from_m, piece.to_m) if piece.to_m > piece.from_m else shapely.Point(
        geom.interpolate(piece.from_m))


def match_geojson(result: MatchResult, *, cargo: Cargo | None = None, vehicle: Vehicle | None = None,
                  untagged_tunnel_category: str = "A") -> dict[str, Any]:
    """The same facts as a GeoJSON FeatureCollection (WGS-84): one LineString per stretch, then a feature per
    way, tunnel, bridge and closed road, with ``kind`` and the JSON document's fields as properties.

    Parameters are those of :func:`match_document`, whose ``matched_share`` and ``stretches`` the collection
    carries as foreign members.
    """
    document = match_document(result, cargo=cargo, vehicle=vehicle, untagged_tunnel_category=untagged_tunnel_category)
    _, groups = _facts(result, cargo, vehicle, untagged_tunnel_category)
    features = []
    for number, (stretch, info) in enumerate(zip(result.stretches, document["stretches"])):
        features.append(_feature(result, stretch.pieces, {"kind": "stretch", "stretch": number, **info}))
    for kind, found in groups.items():
        label = "closed_for_cargo" if kind == "closed_for_cargo" else kind[:-1]
        for group in found:
            features.append(_feature(result, group["_pieces"],
                                     {"kind": label, **{f: group[f] for f in _FIELDS[kind]}}))
    return {"type": "FeatureCollection", "features": features, "matched_share": document["matched_share"],
            "stretches": document["stretches"]}


def _feature(result: MatchResult, pieces: list[PathPiece], properties: dict[str, Any]) -> dict[str, Any]:
    geom = shapely.line_merge(shapely.union_all([piece_geometry(result, p) for p in pieces]))
    return {"type": "Feature", "geometry": mapping(geometry_to_wgs84(geom, result.graph.network.crs)),
            "properties": properties}
