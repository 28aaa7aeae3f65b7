"""Registering corridors and forbidden zones, and assembling the geometry a trip is checked against."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_, Text
from app.services import unit_of_work
from models.corridors import Corridor, Zone, ZoneRule
from routing import RoutingInputError
from routing.corridors import is_road_list, load_corridor, resolve_road_lists


def _parsed(geojson: dict[str, Any], field: str, *, zones_only: bool = False):
    """The routing engine's reading of *geojson*, or a 422 naming *field* with the engine's reason."""
    try:
        return load_corridor(geojson, zones_only=zones_only)
    except RoutingInputError as error:
        raise ValidationFailed("The geometry is not usable.", errors={field: [str(error)]}) from None


def _with_roads(geojson: dict[str, Any]) -> dict[str, Any]:
    """*geojson* with the geometry of its road lists (准行路线 given as ``osm_way_ids`` / ``road_names``) filled
    in from the configured road network (:func:`routing.corridors.resolve_road_lists`), so that every reader
    without the network checks them by the buffer of the listed roads; every id and name must be in the network
    (422 naming those that are not)."""
    features = geojson.get("features") if geojson.get("type") == "FeatureCollection" else [geojson]
    if not isinstance(features, list) or not any(
            isinstance(f, dict) and isinstance(f.get("properties"), dict) and is_road_list(f["properties"])
            for f in features):
        return geojson
    from app.services.road_network import road_network  # the network's modules: only for a road list

    network = road_network(wait=True)
    if network is None:
        raise ValidationFailed("The geometry is not usable.", errors={"geojson": [N_(
            "lists OSM way ids or road names, but no road network is configured (NETWORK_PATH) to find them in")]})
    try:
        return resolve_road_lists(geojson, network)
    except RoutingInputError as error:
        raise ValidationFailed("The geometry is not usable.", errors={"geojson": [str(error)]}) from None


def _unique_name(session: Session, model: type[Corridor] | type[Zone], name: str) -> None:
    if session.scalar(select(model.id).where(model.name == name)) is not None:
        raise Conflict(Text("A {value} named {name!r} exists already.", value=model.__tablename__[:-1],
                            name=name), errors={"name": [N_("taken")]})


def _add_corridor(session: Session, data: dict[str, Any]) -> Corridor:
    data = {**data, "geojson": _with_roads(data["geojson"])}
    parsed = _parsed(data["geojson"], "geojson")
    if any(feature.forbidden for feature in parsed.features):
        raise ValidationFailed("Register forbidden zones as zones.",
                               errors={"geojson": [N_("contains features with role 'forbidden'")]})
    _unique_name(session, Corridor, data["name"])
    west, south, east, north = parsed.bbox
    corridor = Corridor(**data, min_lon=west, min_lat=south, max_lon=east, max_lat=north)
    session.add(corridor)
    return corridor


def register_corridor(session: Session, data: dict[str, Any]) -> Corridor:
    """Store a corridor drawn by the authority, after the routing engine has read it without complaint."""
    with unit_of_work(session):
        return _add_corridor(session, data)


ZONE_FIELDS = ("name", "rule", "geometry", "hazard_classes", "time_windows", "tz", "requires_pass")


def zone_feature(*, name: str, rule: str, geometry: dict[str, Any], hazard_classes: list[str] | None = None,
                 time_windows: list[list[str]] | None = None, tz: str | None = None, **_other: Any) -> dict[str, Any]:
    """A zone as a GeoJSON feature in the routing engine's conventions."""
    return {"type": "Feature", "geometry": geometry, "properties": {
        "name": name, "role": "forbidden", "rule": str(rule), "hazard_classes": hazard_classes or [],
        "time_windows": time_windows or [], "tz": tz or "Asia/Shanghai",
    }}


def _add_zone(session: Session, data: dict[str, Any]) -> Zone:
    if not isinstance(data.get("requires_pass", False), bool):  # a file's property, unchecked by a schema
        raise ValidationFailed("The zone is not usable.", errors={"requires_pass": [N_("must be true or false")]})
    parsed = _parsed(zone_feature(**data), "geometry", zones_only=True)
    _unique_name(session, Zone, data["name"])
    west, south, east, north = parsed.bbox
    zone = Zone(**data, min_lon=west, min_lat=south, max_lon=east, max_lat=north)
    session.add(zone)
    session.flush()  # a second zone of the same name in one import must see this one
    return zone


def register_zone(session: Session, data: dict[str, Any]) -> Zone:
    """Store a forbidden zone after the routing engine has read it (invalid polygons are refused or repaired)."""
    with unit_of_work(session):
        return _add_zone(session, data)


def import_geojson(session: Session, corridor: dict[str, Any] | None, zones: list[dict[str, Any]]
                   ) -> tuple[Corridor | None, list[Zone]]:
    """Register a corridor and zones from one file: all of them, or (on any error) none."""
    with unit_of_work(session):
        return (_add_corridor(session, corridor) if corridor else None), [_add_zone(session, z) for z in zones]


def get_record(session: Session, model: type[Corridor] | type[Zone], record_id: uuid.UUID) -> Corridor | Zone:
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(Text("No {value} {record_id}.", value=model.__tablename__[:-1], record_id=record_id))
    return record


def set_active(session: Session, record: Corridor | Zone, active: bool) -> Corridor | Zone:
    with unit_of_work(session):
        record.active = active
    return record


#: Zones this far (degrees, about 5 km) beyond a corridor's drawn lines count as around it: a vehicle that
#: leaves the corridor may enter them, and a straight corridor's box has no height at all.
ZONE_MARGIN_DEG = 0.05


def zones_near(corridor: Corridor) -> Select[tuple[Zone]]:
    """Active zones whose bounding box overlaps the corridor's, grown by :data:`ZONE_MARGIN_DEG` (one query;
    geometries are not compared)."""
    return select(Zone).where(zone_near(corridor)).order_by(Zone.name)


def zone_near(corridor: Any) -> ColumnElement[bool]:
    """The condition of :func:`zones_near`, for a corridor record or for the ``Corridor`` class itself (to join
    corridors to the zones around them: the zones of many corridors in one query)."""
    margin = ZONE_MARGIN_DEG
    return and_(Zone.active, Zone.min_lon <= corridor.max_lon + margin, Zone.max_lon >= corridor.min_lon - margin,
                Zone.min_lat <= corridor.max_lat + margin, Zone.max_lat >= corridor.min_lat - margin)


def pass_opens(zone: type[Zone]) -> ColumnElement[bool]:
    """The zones a pass opens: no-entry zones that require a pass (see :func:`trip_geojson`)."""
    return and_(zone.requires_pass, zone.rule == ZoneRule.NO_ENTRY)


def trip_geojson(session: Session, corridor: Corridor, *, holds_pass: bool = False) -> dict[str, Any]:
    """The corridor's features plus the forbidden zones around it: what a trip on it is checked against.

    A trip whose waybill *holds a pass* (通行证, granted by public security: see
    :mod:`app.services.waybills.passes`) may enter the no-entry zones that are closed only to trips without one
    (``Zone.requires_pass``), so those are left out of its checks; a no-stop zone still forbids it to stop.
    """
    features = list(corridor.geojson.get("features", [corridor.geojson]))
    if corridor.hazard_classes:
        features = [{**f, "properties": {"hazard_classes": corridor.hazard_classes, **(f.get("properties") or {})}}
                    for f in features]
    zones = zones_near(corridor)
    if holds_pass:
        zones = zones.where(~pass_opens(Zone))
    features += [zone_feature(**{field: getattr(zone, field) for field in ZONE_FIELDS})
                 for zone in session.scalars(zones)]
    return {"type": "FeatureCollection", "features": features}
