"""The roads a waybill's vehicle drove, for its page: the map match of the stored fixes on the road network, the
roads in driven order, and any road on it closed to the cargo (``hazmat=no``, a tunnel category the load may not
pass, ``hgv=no``), drawn over the trip map.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.web.svg import Frame, path_data
from models import GpsFix, Waybill
from routing import RoutingInputError
from routing._lazy import lazy
from routing.cargo import Cargo
from routing.match_report import match_document, piece_geometry
from routing.matching import MatchGraph, match_track, prepare_matching
from routing.network import Network
from routing.tracks import track_from_frame

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy("pandas")


@dataclass
class DrivenRoads:
    """The matched path as SVG path data, the roads in driven order, the closed roads used."""

    d: str = ""
    closed_d: str = ""
    ways: list[str] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)


def driven_roads(session: Session, waybill: Waybill, network: Network, frame: Frame,
                 cargo: Cargo | None) -> DrivenRoads | None:
    """Match the waybill's fixes (the caller has checked the user may see them); None without two fixes to match.

    A track the matcher cannot use (all off the network) gives None as well: the map still shows the fixes.
    """
    fixes = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat)
                            .where(GpsFix.waybill_id == waybill.id).order_by(GpsFix.at)).all()
    if len(fixes) < 2:
        return None
    table = pd.DataFrame(fixes, columns=["time", "lon", "lat"])
    table["time"] = pd.to_datetime(table["time"], utc=True).map(pd.Timestamp.isoformat)
    try:
        track = track_from_frame(table, source="fixes", require_majority=False)
        result = match_track(_prepared(network), track)
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


_PREPARED: list[tuple[Network, MatchGraph]] = []


def _prepared(network: Network) -> MatchGraph:
    """The network prepared for matching, once per loaded network (the maps keep one network per process)."""
    if not _PREPARED or _PREPARED[0][0] is not network:
        _PREPARED[:] = [(network, prepare_matching(network))]
    return _PREPARED[0][1]
