"""What a trip is checked against: its corridor and zones, the places it may stop, its destination.

Reading a corridor into metric polygons takes a tenth of a second; a batch of fixes is checked in about a
millisecond. So the loaded corridor is kept in memory per process, keyed by the corridor and the set of active
zones around it: corridor and zone geometry never change once registered (a change is a new record), and
(de)activating a zone changes the key. The cache is shared by a server's threads; each entry carries a lock
because prepared GEOS geometries build their indexes lazily and are not safe to share while in use.

The trips of a batch are read together (:func:`load_trips`): the zone keys of all their corridors in one query,
the sites of all their parties in another, however many trips; the cargo's hazard classes are remembered per
waybill version (a version in transit never changes: a correction is a new version). What may change while a
trip is on the road (a site moved or closed, a zone switched on or off) is read for every batch.
"""
from __future__ import annotations

import logging
import threading
import uuid
import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from app.services.corridors import pass_opens, trip_geojson, zone_near
from models import (
    Corridor as CorridorRecord, Site, Vehicle, Waybill, WaybillLine, WaybillStatus, WaybillVersion, Zone,
)
from routing import RoutingInputError
from routing.corridors import Corridor, is_road_list, load_corridor
from routing.projection import to_metric, utm_crs

if TYPE_CHECKING:
    from routing.network import Network

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
_CACHE_SIZE = 32
_cache: OrderedDict[tuple[uuid.UUID, bool, tuple[uuid.UUID, ...]], LoadedCorridor] = OrderedDict()
_cache_lock = threading.Lock()
#: Hazard classes of the cargo by waybill version (versions in transit are immutable); bounded like the corridors.
_CLASSES_SIZE = 4096
_classes: OrderedDict[uuid.UUID, frozenset[str] | None] = OrderedDict()


# Statements built once (every batch runs them; building one costs more than running it).
#: The sites of the trips and the active sites of their parties.
_SITES = select(Site.id, Site.enterprise_id, Site.active, Site.lon, Site.lat).where(
    or_(Site.id.in_(bindparam("sites", expanding=True)),
        and_(Site.enterprise_id.in_(bindparam("parties", expanding=True)), Site.active)))
#: The hazard classes on board of waybill versions.
_LINES = select(WaybillLine.version_id, WaybillLine.hazard_class).where(
    WaybillLine.version_id.in_(bindparam("versions", expanding=True)))
#: The zones around corridors (as :func:`~app.services.corridors.zones_near` finds them), as triples with whether
#: a pass opens the zone (:func:`~app.services.corridors.pass_opens`).
_ZONES_OF = (select(CorridorRecord.id, Zone.id, pass_opens(Zone)).select_from(CorridorRecord)
             .outerjoin(Zone, zone_near(CorridorRecord)).where(CorridorRecord.id.in_(bindparam("ids", expanding=True))))


@dataclass
class LoadedCorridor:
    """A trip's corridor and zones read by the routing engine, with the lock to use them under.

    :attr:`corridor` is read without the road network: a road list (准行路线) is the buffer of its roads' stored
    centre lines there. :meth:`by_roads` reads it on the network, for the checks by the roads driven.
    """

    corridor: Corridor
    lock: threading.Lock = field(default_factory=threading.Lock)
    document: dict[str, Any] | None = field(default=None, repr=False)
    _areas: dict[frozenset[str] | None, BaseGeometry] = field(default_factory=dict)
    _on_network: dict[int, Corridor] = field(default_factory=dict, repr=False)

    def windowed(self, hazard_classes: frozenset[str] | None) -> bool:
        """Whether a corridor part that applies has time windows (else no fix can be on it at a closed time)."""
        return any(not p.windows.always for p in self.corridor.parts(forbidden=False, hazard_classes=hazard_classes))

    def area(self, hazard_classes: frozenset[str] | None) -> BaseGeometry:
        """The permitted parts regardless of their time windows, prepared (call under :attr:`lock`)."""
        if hazard_classes not in self._areas:
            area = self.corridor.area(hazard_classes)
            shapely.prepare(area)
            self._areas[hazard_classes] = area
        return self._areas[hazard_classes]

    def by_roads(self, network: Network) -> Corridor:
        """The corridor with its road lists read on *network* (each a mask of the edges it names, as
        ``route check --match`` reads them), made once per network (call under :attr:`lock`); :attr:`corridor`
        itself when it lists no roads, or when its roads are no longer all in the network (then judged by
        their buffer, with a warning)."""
        features = (self.document or {}).get("features") or []
        if not any(is_road_list(f.get("properties") or {}) for f in features):
            return self.corridor
        if id(network) not in self._on_network:
            try:
                self._on_network[id(network)] = load_corridor(self.document, network=network, strict_roads=True)
            except RoutingInputError as error:
                log.warning("road list checked by its buffer: %s", error)
                self._on_network[id(network)] = self.corridor
        return self._on_network[id(network)]


@dataclass(frozen=True)
class Trip:
    """One waybill in transit as the live checks see it."""

    waybill_id: uuid.UUID
    carrier_id: uuid.UUID
    label: str
    hazard_classes: frozenset[str] | None
    corridor: LoadedCorridor | None
    crs: pyproj.CRS
    permitted: BaseGeometry | None
    unloading_site_id: uuid.UUID | None
    unloading: tuple[float, float] | None
    departure_window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)

    def to_unloading_m(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Distance of metric points from the unloading site (infinite when the trip has none)."""
        if self.unloading is None:
            return np.full(len(x), np.inf)
        return np.hypot(x - self.unloading[0], y - self.unloading[1])


@dataclass(frozen=True)
class TripRef:
    """A waybill with its current version and its vehicle's plate, as the ingest query reads them."""

    waybill: Waybill
    version: WaybillVersion
    plate: str | None


def load_trip(session: Session, waybill: Waybill, *, near: tuple[FloatArray, FloatArray] | None = None) -> Trip:
    """The trip of *waybill*. Without a corridor, the metric CRS is the UTM zone of *near* (the batch's fixes)
    and the trip's sites."""
    version = waybill.current
    plate = session.scalar(select(Vehicle.plate).where(Vehicle.id == version.vehicle_id))
    refs = [TripRef(waybill, version, plate)]
    return load_trips(session, refs, near={waybill.id: near} if near else None)[waybill.id]


def load_trips(session: Session, refs: Sequence[TripRef],
               near: Mapping[uuid.UUID, tuple[FloatArray, FloatArray]] | None = None) -> dict[uuid.UUID, Trip]:
    """The trips of several waybills, by waybill id, in a few queries however many (see the module's note)."""
    if not refs:
        return {}
    near = near or {}
    corridors = _corridors(session, {_corridor_key(r.waybill) for r in refs if r.waybill.corridor_id})
    classes = _hazard_classes(session, refs)
    parties = {r.waybill.id: {r.waybill.shipper_id, r.waybill.consignee_id, r.waybill.carrier_id} for r in refs}
    own = {r.waybill.id: {s for s in (r.version.loading_site_id, r.version.unloading_site_id) if s} for r in refs}
    sites = session.execute(_SITES, {"sites": list(set().union(*own.values())),
                                     "parties": list(set().union(*parties.values()))}).all()
    trips = {}
    #: The sites projected, by the sites and the CRS: the many trips of a carrier for the same parties share them.
    projected: dict[tuple[tuple[uuid.UUID, ...], int], tuple[FloatArray, FloatArray, BaseGeometry | None]] = {}
    for ref in refs:  # one pass per trip, over its few sites
        waybill, version = ref.waybill, ref.version
        mine = [s for s in sites if s.id in own[waybill.id] or (s.active and s.enterprise_id in parties[waybill.id])]
        loaded = corridors.get(_corridor_key(waybill)) if waybill.corridor_id else None
        crs = loaded.corridor.crs if loaded else _utm(np.array([s.lon for s in mine], dtype=float),
                                                      np.array([s.lat for s in mine], dtype=float),
                                                      *(near.get(waybill.id) or ()))
        key = (tuple(s.id for s in mine), id(crs))
        if key not in projected:
            x, y = to_metric(np.array([s.lon for s in mine], dtype=float), np.array([s.lat for s in mine], dtype=float),
                             crs)
            projected[key] = x, y, shapely.multipoints(np.column_stack((x, y))) if mine else None
        x, y, permitted = projected[key]
        unloading = next(((float(sx), float(sy)) for s, sx, sy in zip(mine, x, y)
                          if s.id == version.unloading_site_id), None)
        trips[waybill.id] = Trip(
            waybill_id=waybill.id, carrier_id=waybill.carrier_id,
            label=f"{ref.plate} ({waybill.number})" if ref.plate else waybill.number,
            hazard_classes=classes[version.id], corridor=loaded, crs=crs, permitted=permitted,
            unloading_site_id=version.unloading_site_id, unloading=unloading,
            departure_window=(version.departure_earliest, version.departure_latest))
    return trips


def _hazard_classes(session: Session, refs: Sequence[TripRef]) -> dict[uuid.UUID, frozenset[str] | None]:
    """The hazard classes on board, by version id: remembered for versions in transit, the others read."""
    with _cache_lock:
        known = {r.version.id: _classes[r.version.id] for r in refs if r.version.id in _classes}
    missing = {r.version.id for r in refs} - known.keys()
    if missing:
        found: dict[uuid.UUID, set[str]] = {v: set() for v in missing}
        for version_id, hazard_class in session.execute(_LINES, {"versions": list(missing)}):
            if hazard_class:
                found[version_id].add(hazard_class)
        fixed = {r.version.id for r in refs if r.waybill.status is WaybillStatus.IN_TRANSIT}
        with _cache_lock:
            for version_id, got in found.items():
                known[version_id] = frozenset(got) or None
                if version_id in fixed:
                    _classes[version_id] = known[version_id]
            while len(_classes) > _CLASSES_SIZE:
                _classes.popitem(last=False)
    return known


def _utm(*coordinates: FloatArray) -> pyproj.CRS:
    """The UTM zone around the given lon, lat, lon, lat … arrays; World Mercator when they are all empty (then
    nothing on the trip is measured anyway)."""
    lon = np.concatenate(coordinates[0::2])
    lat = np.concatenate(coordinates[1::2])
    if not len(lon):
        return pyproj.CRS.from_epsg(3395)
    return utm_crs(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


def _corridor_key(waybill: Waybill) -> tuple[uuid.UUID, bool]:
    """A trip's corridor as checked: its id, and whether the waybill holds a pass (which opens the zones that
    require one, :func:`~app.services.corridors.trip_geojson`)."""
    return waybill.corridor_id, waybill.pass_number is not None


def _corridors(session: Session, wanted: set[tuple[uuid.UUID, bool]]) -> dict[tuple[uuid.UUID, bool], LoadedCorridor]:
    """The loaded corridors, by :func:`_corridor_key`: one query for the zones around all of them; the drawn
    GeoJSON is read only when the cache misses (parsing it costs more than the whole batch's check)."""
    if not wanted:
        return {}
    zones: dict[uuid.UUID, list[tuple[uuid.UUID, bool]]] = {c: [] for c, _ in wanted}
    for corridor_id, zone_id, opened in session.execute(_ZONES_OF, {"ids": list(zones)}):
        if zone_id is not None:
            zones[corridor_id].append((zone_id, bool(opened)))
    loaded = {}
    for corridor_id, holds_pass in wanted:
        applying = sorted(zone for zone, opened in zones[corridor_id] if not (holds_pass and opened))
        key = (corridor_id, holds_pass, tuple(applying))
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                loaded[(corridor_id, holds_pass)] = _cache[key]
                continue
        record = session.get(CorridorRecord, corridor_id)
        document = trip_geojson(session, record, holds_pass=holds_pass)
        found = LoadedCorridor(load_corridor(document), document=document)
        loaded[(corridor_id, holds_pass)] = found
        with _cache_lock:
            _cache[key] = found
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return loaded
