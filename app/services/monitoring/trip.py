"""What a trip is checked against: its corridor and zones, the places it may stop, its destination.

Reading a corridor into metric polygons takes a tenth of a second; a batch of fixes is checked in about a
millisecond. So the loaded corridor is kept in memory per process, keyed by the corridor and the set of active
zones around it: corridor and zone geometry never change once registered (a change is a new record), and
(de)activating a zone changes the key. The cache is shared by a server's threads; each entry carries a lock
because prepared GEOS geometries build their indexes lazily and are not safe to share while in use.
"""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, defer

from app.services.corridors import trip_geojson, zones_near
from models import Corridor as CorridorRecord, Site, Vehicle, Waybill, Zone
from routing.corridors import Corridor, load_corridor
from routing.projection import to_metric, utm_crs

FloatArray = npt.NDArray[np.float64]
_CACHE_SIZE = 32
_cache: OrderedDict[tuple[uuid.UUID, tuple[uuid.UUID, ...]], LoadedCorridor] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass
class LoadedCorridor:
    """A trip's corridor and zones read by the routing engine, with the lock to use them under."""

    corridor: Corridor
    lock: threading.Lock = field(default_factory=threading.Lock)
    _areas: dict[frozenset[str] | None, BaseGeometry] = field(default_factory=dict)

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

    def to_unloading_m(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Distance of metric points from the unloading site (infinite when the trip has none)."""
        if self.unloading is None:
            return np.full(len(x), np.inf)
        return np.hypot(x - self.unloading[0], y - self.unloading[1])


def load_trip(session: Session, waybill: Waybill, *, near: tuple[FloatArray, FloatArray] | None = None) -> Trip:
    """The trip of *waybill*. Without a corridor, the metric CRS is the UTM zone of *near* (the batch's fixes)
    and the trip's sites."""
    version = waybill.current
    classes = frozenset(line.hazard_class for line in version.lines if line.hazard_class) or None
    loaded = _corridor(session, waybill.corridor_id) if waybill.corridor_id else None
    parties = (waybill.shipper_id, waybill.consignee_id, waybill.carrier_id)
    trip_sites = [s for s in (version.loading_site_id, version.unloading_site_id) if s]
    sites = session.execute(select(Site.id, Site.lon, Site.lat).where(
        or_(Site.id.in_(trip_sites), and_(Site.enterprise_id.in_(parties), Site.active)))).all()
    site_lon, site_lat = np.array([s.lon for s in sites], dtype=float), np.array([s.lat for s in sites], dtype=float)
    crs = loaded.corridor.crs if loaded else _utm(site_lon, site_lat, *(near or ()))
    x, y = to_metric(site_lon, site_lat, crs)
    unloading = next(((float(sx), float(sy)) for s, sx, sy in zip(sites, x, y) if s.id == version.unloading_site_id),
                     None)
    plate = session.scalar(select(Vehicle.plate).where(Vehicle.id == version.vehicle_id))
    return Trip(waybill_id=waybill.id, carrier_id=waybill.carrier_id,
                label=f"{plate} ({waybill.number})" if plate else waybill.number, hazard_classes=classes,
                corridor=loaded, crs=crs, permitted=shapely.multipoints(np.column_stack((x, y))) if sites else None,
                unloading_site_id=version.unloading_site_id, unloading=unloading)


def _utm(*coordinates: FloatArray) -> pyproj.CRS:
    """The UTM zone around the given lon, lat, lon, lat … arrays; World Mercator when they are all empty (then
    nothing on the trip is measured anyway)."""
    lon = np.concatenate(coordinates[0::2])
    lat = np.concatenate(coordinates[1::2])
    if not len(lon):
        return pyproj.CRS.from_epsg(3395)
    return utm_crs(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))


def _corridor(session: Session, corridor_id: uuid.UUID) -> LoadedCorridor:
    # The drawn GeoJSON is read only when the cache misses: parsing it costs more than the whole batch's check.
    record = session.get(CorridorRecord, corridor_id, options=[defer(CorridorRecord.geojson)])
    zone_ids = tuple(sorted(session.scalars(zones_near(record).with_only_columns(Zone.id))))
    key = (corridor_id, zone_ids)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    loaded = LoadedCorridor(load_corridor(trip_geojson(session, record)))
    with _cache_lock:
        _cache[key] = loaded
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded
