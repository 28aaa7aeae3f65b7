"""Corridor and zone payloads at the HTTP edge. Geometry is checked by the routing engine in the service."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._query import PagedQuery

from models.corridors import ZoneRule

HAZARD_CLASS = validate.Regexp(r"^[1-9](\.[1-6])?$", error="not an ADR class or division")
_TIME = validate.Regexp(r"^([01]?\d|2[0-4]):[0-5]\d$", error="time of day must be HH:MM")


class _Record(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    hazard_classes = ma.fields.List(ma.fields.String(validate=HAZARD_CLASS), load_default=list,
                                    validate=validate.Length(max=30))


class CorridorIn(_Record):
    description = ma.fields.String(validate=validate.Length(max=1000), allow_none=True)
    geojson = ma.fields.Dict(required=True, metadata={
        "description": "FeatureCollection of lines (buffered by width_m), polygons and road lists (geometry null, "
                       "osm_way_ids and/or road_names: each must be in the road network), WGS-84"})
    requires_pass = ma.fields.Boolean(load_default=False, metadata={
        "description": "a waybill using it waits for a public-security pass (通行证) before it departs"})


class ZoneIn(_Record):
    rule = ma.fields.Enum(ZoneRule, by_value=True, required=True)
    geometry = ma.fields.Dict(required=True, metadata={"description": "GeoJSON Polygon or MultiPolygon, WGS-84"})
    time_windows = ma.fields.List(ma.fields.List(ma.fields.String(validate=_TIME), validate=validate.Length(equal=2)),
                                  load_default=list, validate=validate.Length(max=24))
    tz = ma.fields.String(load_default="Asia/Shanghai", validate=validate.Length(max=40))
    district_adcode = ma.fields.String(validate=validate.Regexp(r"^\d{6}$"), allow_none=True)
    requires_pass = ma.fields.Boolean(load_default=False, metadata={
        "description": "a waybill whose corridor enters the zone waits for a public-security pass (通行证)"})

    @ma.validates("geometry")
    def _polygonal(self, value: dict, **_kwargs: object) -> None:
        if value.get("type") not in ("Polygon", "MultiPolygon"):
            raise ma.ValidationError("must be a GeoJSON Polygon or MultiPolygon")


class ActiveIn(ma.Schema):
    active = ma.fields.Boolean(required=True)


class _RecordOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    hazard_classes = ma.fields.List(ma.fields.String())
    bbox = ma.fields.Function(lambda r: [r.min_lon, r.min_lat, r.max_lon, r.max_lat])
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class CorridorOut(_RecordOut):
    description = ma.fields.String(allow_none=True)
    requires_pass = ma.fields.Boolean()
    geojson = ma.fields.Dict()


class ZoneOut(_RecordOut):
    rule = ma.fields.Enum(ZoneRule, by_value=True)
    geometry = ma.fields.Dict()
    time_windows = ma.fields.List(ma.fields.List(ma.fields.String()))
    tz = ma.fields.String()
    district_adcode = ma.fields.String(allow_none=True)
    requires_pass = ma.fields.Boolean()


class RecordQuery(PagedQuery):
    active = ma.fields.Boolean()
    q = ma.fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "name contains"})
