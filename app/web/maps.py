"""The waybill's map, drawn here as SVG from the real road network: corridor, forbidden zones, the planned
route, the track driven and its episodes.

The network is the OSM extract the routing engine reads (``NETWORK_PATH``), loaded once per process through
its own cache; without it the map still shows the corridor and the track, on a blank ground, and no plan.
``hazledger serve`` prepares it in a background thread when it starts (:func:`prepare_road_network`: the first
preparation of the extract takes tens of seconds); until that is done a map says so and shows no streets, instead
of keeping its page waiting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.i18n import N_, Text, localize
from app.services import tracking
from app.services.corridors import trip_geojson
from app.services.road_network import NetworkPreparing, prepare_road_network, road_network, waybill_cargo
from app.web.driven_roads import DrivenRoads, driven_roads
from app.web.svg import Frame, path_data, polyline
from models import Corridor, GpsFix, Site, User, Vehicle, Waybill
from routing import RoutingInputError
from routing.corridors import Corridor as CorridorGeometry, load_corridor
from routing.network import Network
from routing.planner import Route, plan_route
from routing.projection import geometry_to_metric, to_metric, utm_crs

__all__ = ["prepare_road_network", "road_network", "safe_trip_map", "trip_map", "waybill_cargo"]
NO_NETWORK_NOTE = N_("No road network is installed: the map shows no streets and no planned route.")
PREPARING_NOTE = N_("Preparing the road network: the streets and the planned route appear once it is ready "
                    "(reload the page in a moment).")
MARGIN_M = 250.0
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"


@dataclass
class Shape:
    css: str
    d: str
    title: str = ""


@dataclass
class Marker:
    css: str
    x: float
    y: float
    title: str


@dataclass
class TripMap:
    """What the waybill page draws, in SVG units of :attr:`frame`, and the check it illustrates."""

    frame: Frame
    check: dict[str, Any]
    roads: str = ""
    corridor: str = ""
    zones: list[Shape] = field(default_factory=list)
    planned: Route | None = None
    planned_d: str = ""
    track: str = ""
    episodes: list[Shape] = field(default_factory=list)
    sites: list[Marker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attribution: str = ATTRIBUTION
    driven: DrivenRoads | None = None


def _cargo_route(network: Network, waybill: Waybill, corridor: CorridorGeometry, origin: Site,
                 destination: Site, *, tank: bool) -> Route:
    """The fastest route for this cargo inside the corridor (:func:`waybill_cargo`)."""
    cargo = waybill_cargo(waybill, tank=tank)
    area = corridor.area(cargo.hazard_classes if cargo else None)
    return plan_route(network, (origin.lon, origin.lat), (destination.lon, destination.lat), cargo=cargo,
                      corridor=area if not area.is_empty else None)


def _sites(session: Session, waybill: Waybill) -> list[tuple[str, Site]]:
    version = waybill.current
    found = [(css, session.get(Site, site_id)) for css, site_id in
             (("site loading", version.loading_site_id), ("site unloading", version.unloading_site_id)) if site_id]
    return [(css, site) for css, site in found if site is not None and site.lon is not None]


def _network_or_note() -> tuple[Network | None, str]:
    """The road network, or ``None`` and why the map has no streets (none installed, or still being prepared)."""
    try:
        return road_network(), NO_NETWORK_NOTE
    except NetworkPreparing:
        return None, PREPARING_NOTE


def _framed(network: Network | None, boxes: list[tuple[float, float, float, float]], check: dict[str, Any],
            missing: str = NO_NETWORK_NOTE) -> TripMap:
    """A map around *boxes* with the streets in it (the note *missing* without a network)."""
    frame = Frame.around(boxes, MARGIN_M)
    drawn = TripMap(frame=frame, check=check)
    if network is not None:
        edges = network.edges.geometry.values
        near = edges[shapely.intersects(edges, frame.window)]
        if len(near):
            drawn.roads = path_data(frame, shapely.intersection(shapely.multilinestrings(near), frame.window))
    else:
        drawn.notes.append(missing)
    return drawn


def _box(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def _uncorridored_map(session: Session, waybill: Waybill) -> TripMap | None:
    """A waybill without a corridor: nothing to check against, but its sites, its track and where the vehicle
    was last seen are still shown (``None`` when there is none of these)."""
    fixes = np.asarray(session.execute(select(GpsFix.lon, GpsFix.lat).where(GpsFix.waybill_id == waybill.id)
                                       .order_by(GpsFix.at)).all(), dtype=float).reshape(-1, 2)
    sites = _sites(session, waybill)
    points = np.vstack([fixes, [(site.lon, site.lat) for _, site in sites]]) if sites else fixes
    if not len(points):
        return None
    network, missing = _network_or_note()
    crs = network.crs if network is not None else utm_crs(*points.min(axis=0), *points.max(axis=0))
    x, y = to_metric(points[:, 0], points[:, 1], crs)
    drawn = _framed(network, [_box(x, y)], {"compliant": None, "points": len(fixes), "episodes": []}, missing)
    sx, sy = drawn.frame.xy(x, y)  # the fixes in order, then the sites
    count = len(fixes)
    drawn.sites = [Marker(css, float(sx[count + n]), float(sy[count + n]), site.name)
                   for n, (css, site) in enumerate(sites)]
    if count:
        drawn.track = polyline(drawn.frame, x[:count], y[:count])
        drawn.sites.append(Marker("site last-position", float(sx[count - 1]), float(sy[count - 1]),
                                  localize(N_("Latest position"))))
    return drawn


def trip_map(session: Session, user: User, waybill: Waybill) -> TripMap | None:
    """The map of a waybill: with a corridor, the check of its trip; without one, its sites and track."""
    if waybill.corridor_id is None:
        return _uncorridored_map(session, waybill)
    check, track = tracking.checked_trip(session, user, waybill.id)  # scoped to what *user* may see
    network, missing = _network_or_note()
    crs = network.crs if network is not None else None
    corridor = load_corridor(trip_geojson(session, session.get(Corridor, waybill.corridor_id),
                                          holds_pass=waybill.pass_number is not None), crs=crs)
    version = waybill.current
    sites = _sites(session, waybill)
    site_xy = [(css, site, *to_metric(np.array([site.lon]), np.array([site.lat]), corridor.crs)) for css, site in sites]
    track_xy = None
    if check["route_driven"]:
        coords = np.asarray(check["route_driven"]["coordinates"], dtype=float)
        track_xy = to_metric(coords[:, 0], coords[:, 1], corridor.crs)
    boxes = [shapely.bounds(f.geometry) for f in corridor.features]
    boxes += [(x[0], y[0], x[0], y[0]) for _, _, x, y in site_xy]
    if track_xy is not None:
        boxes.append(_box(*track_xy))
    drawn = _framed(network, boxes, check, missing)
    frame = drawn.frame
    drawn.corridor = path_data(frame, corridor.area())
    drawn.zones = [Shape(f"zone zone-{f.rule}", path_data(frame, f.geometry), f.name)
                   for f in corridor.features if f.forbidden]
    drawn.sites = [Marker(css, *(float(v[0]) for v in frame.xy(x, y)), site.name) for css, site, x, y in site_xy]
    vehicle = session.get(Vehicle, version.vehicle_id) if version.vehicle_id else None
    tank = vehicle is not None and vehicle.kind.is_tank
    if network is not None and len(sites) == 2:
        try:
            drawn.planned = _cargo_route(network, waybill, corridor, sites[0][1], sites[1][1], tank=tank)
            drawn.planned_d = path_data(frame, geometry_to_metric(drawn.planned.geometry, corridor.crs))
        except RoutingInputError as error:  # NoRouteError is one
            drawn.notes.append(Text(N_("No planned route: {reason}"), reason=str(error)))
    if track_xy is not None:
        x, y = track_xy
        drawn.track = polyline(frame, x, y)
        if network is not None and track is not None:  # checked_trip() above: the user may see the fixes
            drawn.driven = driven_roads(waybill, track, network, frame, waybill_cargo(waybill, tank=tank))
        drawn.episodes = [Shape(f"episode episode-{e['kind']}",
                                polyline(frame, x[e["first_index"]:e["last_index"] + 1],
                                         y[e["first_index"]:e["last_index"] + 1]), e["kind"])
                          for e in check["episodes"] if "first_index" in e]
    return drawn


def safe_trip_map(session: Session, user: User, waybill: Waybill) -> tuple[TripMap | None, str | None]:
    """:func:`trip_map`, or the reason it cannot be drawn (the rest of the page still shows)."""
    try:
        return trip_map(session, user, waybill), None
    except (Conflict, RoutingInputError) as error:
        return None, str(getattr(error, "detail", error))
