"""The roads a waybill's vehicle drove, for its page: the map match of the stored fixes on the road network, the
roads in driven order, and any road on it closed to the cargo (``hazmat=no``, a tunnel category the load may not
pass, ``hgv=no``), drawn over the trip map.

The network prepared for matching is the process's one (:func:`app.services.road_network.matching_graph`, the
live checks' and the compliance view's: motor-vehicle ways only), not a copy of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from app.services.monitoring.settings import current_settings
from app.services.road_network import matching_graph
from app.services.trip_match import match_parameters, trip_match
from app.web.svg import Frame, path_data
from models import Waybill
from routing import RoutingInputError
from routing.cargo import Cargo
from routing.match_report import match_document, piece_geometry
from routing.network import Network
from routing.tracks import Track


@dataclass
class DrivenRoads:
    """The matched path as SVG path data, the roads in driven order, the closed roads used."""

    d: str = ""
    closed_d: str = ""
    ways: list[str] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)


def driven_roads(waybill: Waybill, track: Track, network: Network, frame: Frame,
                 cargo: Cargo | None) -> DrivenRoads | None:
    """The roads driven on the waybill's stored *track* (as :func:`app.services.tracking.checked_trip` read it for
    a user who may see it); None without two fixes to match.

    The match is the trip's one (:func:`app.services.trip_match.trip_match`: the compliance view's, on the
    process's prepared network with the live checks' parameters), computed once while the fixes stay as they
    are. A track the matcher cannot use (all off the network) gives None as well: the map still shows the fixes;
    so does a network other than the map's *network* (the configuration changed under the page).
    """
    graph = matching_graph(wait=True)  # the map has its network already: its preparation for matching follows
    if graph is None or graph.network.crs != network.crs or len(track) < 2:
        return None
    try:
        result = trip_match(waybill.id, track, graph, match_parameters(current_settings()))
    except RoutingInputError:
        return None
    document = match_document(result, cargo=cargo)
    # The document's edges are the stretches' pieces, in the same order.
    pieces = [p for s in result.stretches for p in s.pieces]
    driven = [p for p in pieces if p.to_m > p.from_m]
    closed = [p for p, e in zip(pieces, document["edges"]) if e["closed_reason"] and p.to_m > p.from_m]
    return DrivenRoads(d=_path(result, driven, frame), closed_d=_path(result, closed, frame),
                       ways=list(dict.fromkeys(w["name"] for w in document["ways"] if w["name"])),
                       closed=document["closed_for_cargo"])


def _path(result: Any, pieces: list[Any], frame: Frame) -> str:
    return path_data(frame, shapely.union_all([piece_geometry(result, p) for p in pieces])) if pieces else ""
