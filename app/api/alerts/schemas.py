"""Alert payloads at the HTTP edge: the list's filters, a note, and the alert as the API and the stream show it."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.api._query import PagedQuery

from models import AlertKind, AlertState, Severity


class AlertQuery(PagedQuery):
    state = ma.fields.Enum(AlertState, by_value=True)
    kind = ma.fields.Enum(AlertKind, by_value=True)
    severity = ma.fields.Enum(Severity, by_value=True, metadata={"description": "this tier and those above"})
    waybill = ma.fields.UUID()
    enterprise = ma.fields.UUID(metadata={"description": "the enterprise answerable (the carrier for a trip)"})
    site = ma.fields.UUID()
    since = ma.fields.AwareDateTime(metadata={"description": "episodes that began at or after"})
    until = ma.fields.AwareDateTime(metadata={"description": "episodes that began before"})


class StreamQuery(ma.Schema):
    after = ma.fields.Integer(validate=validate.Range(min=0),
                              metadata={"description": "feed position to resume after (as the Last-Event-ID header)"})


class NoteIn(ma.Schema):
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class AlertOut(ma.Schema):
    """:func:`app.services.alerts.alert_json` (times are ISO 8601 with offset)."""

    id = ma.fields.String()
    key = ma.fields.String(metadata={"description": "the episode: kind, subject and when it began"})
    kind = ma.fields.String()
    severity = ma.fields.String()
    state = ma.fields.String()
    title = ma.fields.String(metadata={
        "description": "from kind, subject and the current details, in the language of Accept-Language (English "
                       "by default)"})
    subject = ma.fields.String(allow_none=True, metadata={"description": "what it is about: a trip's label, a site's "
                                                                         "name, a manifest's number"})
    enterprise_id = ma.fields.String(allow_none=True)
    waybill_id = ma.fields.String(allow_none=True)
    site_id = ma.fields.String(allow_none=True)
    batch_id = ma.fields.String(allow_none=True)
    started_at = ma.fields.String()
    last_seen_at = ma.fields.String()
    ended_at = ma.fields.String(allow_none=True, metadata={"description": "null while the episode goes on"})
    location = ma.fields.List(ma.fields.Float(), allow_none=True, metadata={"description": "[lon, lat] WGS-84"})
    details = ma.fields.Dict()
    opened_at = ma.fields.String()
    updated_at = ma.fields.String()
    acknowledged_at = ma.fields.String(allow_none=True)
    acknowledged_by = ma.fields.String(allow_none=True)
    closed_at = ma.fields.String(allow_none=True)
    closed_by = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    resolved_by = ma.fields.String(allow_none=True, metadata={"description": "'system' when no person closed it"})
    resolution = ma.fields.String(allow_none=True, metadata={"description": "why the system closed it"})
    escalated_at = ma.fields.String(allow_none=True, metadata={"description": "when its severity last rose"})


class ChangeOut(ma.Schema):
    event_id = ma.fields.Integer(metadata={"description": "position in the change feed (the stream's event id)"})
    change = ma.fields.String()
    at = ma.fields.String()
    actor_id = ma.fields.String(allow_none=True, metadata={"description": "null for the system"})


class AlertDetailOut(AlertOut):
    history = ma.fields.List(ma.fields.Nested(ChangeOut))
