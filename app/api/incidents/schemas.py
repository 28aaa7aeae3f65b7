"""Incident payloads at the HTTP edge: the report, a state change, the list's filters, and the incident."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._query import PagedQuery
from app.api.waybills.schemas import ActionIn
from models.incidents import IncidentState, SpillKind


class IncidentQuery(PagedQuery):
    state = ma.fields.Enum(IncidentState, by_value=True)
    waybill = ma.fields.UUID()


class IncidentIn(ma.Schema):
    waybill_id = ma.fields.UUID(load_default=None, allow_none=True,
                                metadata={"description": "the vehicle's waybill (required for a carrier)"})
    lon = ma.fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180),
                          metadata={"description": "WGS-84; default: the vehicle's last fix"})
    lat = ma.fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    spill = ma.fields.Enum(SpillKind, by_value=True, required=True,
                           metadata={"description": "leak_small, leak_large, fire, tank_exposed_to_fire"})
    night = ma.fields.Boolean(load_default=False, metadata={"description": "between sunset and sunrise"})
    wind_from_deg = ma.fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=360),
                                    metadata={"description": "where the wind blows from; unknown: circles"})
    wind_speed_ms = ma.fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100))
    capacity_l = ma.fields.Float(load_default=None, allow_none=True,
                                 validate=validate.Range(min=0, min_inclusive=False, max=1_000_000),
                                 metadata={"description": "tank capacity; default: the waybill's"})
    un_number = ma.fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}$"),
                                 metadata={"description": "the cargo, when there is no waybill (or it differs)"})
    hazard_class = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=8),
                                    metadata={"description": "the placard's class, for an unidentified load"})
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))

    @ma.validates_schema
    def _lon_lat_together(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("lon") is None) != (data.get("lat") is None):
            missing = "lat" if data.get("lat") is None else "lon"
            raise ma.ValidationError({missing: ["send lon and lat together"]})


class MoveIn(ActionIn):
    to = ma.fields.Enum(IncidentState, by_value=True, required=True,
                        metadata={"description": "confirmed, contained or closed"})
    reason = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    # Confirming a draft only: what is happening (the draft assumed a large spill by night, wind unknown).
    spill = ma.fields.Enum(SpillKind, by_value=True, metadata={"description": "confirming a draft: what happens"})
    night = ma.fields.Boolean(metadata={"description": "confirming a draft: between sunset and sunrise"})
    wind_from_deg = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=360),
                                    metadata={"description": "confirming a draft: where the wind blows from"})
    wind_speed_ms = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=100))


class IncidentEventOut(ma.Schema):
    from_state = ma.fields.String(allow_none=True)
    to_state = ma.fields.String()
    actor_id = ma.fields.UUID()
    reason = ma.fields.String(allow_none=True)
    at = ma.fields.AwareDateTime()


class IncidentOut(ma.Schema):
    id = ma.fields.UUID()
    state = ma.fields.String(metadata={"description": "draft, reported, confirmed, contained, closed"})
    source = ma.fields.String(metadata={"description": "'report', or a draft's: 'terminal_alarm', 'long_stop'"})
    waybill_id = ma.fields.UUID(allow_none=True)
    carrier_id = ma.fields.UUID(allow_none=True)
    spill = ma.fields.String()
    lon = ma.fields.Float()
    lat = ma.fields.Float()
    location_source = ma.fields.String(metadata={"description": "'reported', or 'last_fix' of the vehicle"})
    night = ma.fields.Boolean()
    wind_from_deg = ma.fields.Float(allow_none=True)
    wind_speed_ms = ma.fields.Float(allow_none=True)
    un_number = ma.fields.String(allow_none=True)
    material = ma.fields.String(allow_none=True)
    hazard_class = ma.fields.String(allow_none=True)
    capacity_l = ma.fields.Float(allow_none=True)
    zones = ma.fields.Dict(metadata={"description": "ERG 2016 zones: GeoJSON FeatureCollection, each zone naming "
                                                    "its ERG table; cargo summaries; the union (area)"})
    zone_id = ma.fields.UUID(allow_none=True, metadata={"description": "the temporary no-entry zone"})
    zone_until = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "when it lapses (or lapsed)"})
    note = ma.fields.String(allow_none=True)
    reported_by = ma.fields.UUID(allow_none=True, metadata={"description": "none: a draft"})
    row_version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    events = ma.fields.List(ma.fields.Nested(IncidentEventOut))
