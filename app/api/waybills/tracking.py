"""``POST /api/v1/waybills/{id}/track`` (positions from the carrier or its terminal), ``…/compliance``, and
``POST /api/v1/track`` (a carrier platform's feed: the positions of many vehicles in one request)."""
from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.waybills.routes import READERS
from app.auth import allow, current_user
from app.extensions import db
from app.services import monitoring, tracking, tracking_feed
from models import Role


blp = Blueprint("waybill_tracking", __name__, url_prefix="waybills",
                description="Positions of waybills in transit and the trips' compliance")
feed = Blueprint("track", __name__, url_prefix="track",
                 description="Positions of many vehicles in one request, as a carrier's monitoring platform forwards "
                             "them (JT/T 809)")


FIX = {"type": "object", "properties": {"time": {"type": "string", "description": "ISO 8601 or epoch seconds"},
                                        "lon": {"type": "number"}, "lat": {"type": "number"},
                                        "speed": {"type": "number", "description": "km/h"}}}
FIXES_SCHEMA = {"type": "object", "properties": {"fixes": {"type": "array", "items": FIX, "maxItems": 10_000}}}
CSV_EXAMPLE = "time,lon,lat,speed\n2026-01-01T08:00:00Z,121.47,31.23,40"
FEED_FIX = {"type": "object", "properties": {
    **FIX["properties"], "waybill": {"type": "string", "format": "uuid", "description": "the fix's waybill, or:"},
    "terminal": {"type": "string", "description": "the GPS terminal of a vehicle on a waybill in transit"}}}
FEED_SCHEMA = {"type": "object", "properties": {"fixes": {"type": "array", "items": FEED_FIX, "maxItems": 10_000}}}
FEED_CSV_EXAMPLE = ("terminal,time,lon,lat,speed\n013912345678,2026-01-01T08:00:00Z,121.47,31.23,40\n"
                    "013912345679,2026-01-01T08:00:00Z,121.48,31.22,35")


class IngestOut(ma.Schema):
    received = ma.fields.Integer()
    stored = ma.fields.Integer()
    duplicates = ma.fields.Integer(metadata={"description": "already stored for this terminal and time"})
    dropped = ma.fields.List(ma.fields.Dict(), metadata={"description": "rows not stored, by reason"})


class WaybillIngestOut(IngestOut):
    waybill = ma.fields.String()
    terminal = ma.fields.String()


class FeedOut(IngestOut):
    waybills = ma.fields.List(ma.fields.Nested(WaybillIngestOut),
                              metadata={"description": "each waybill's own report (rows numbered in the request)"})


class ComplianceOut(ma.Schema):
    waybill = ma.fields.String()
    status = ma.fields.String()
    points = ma.fields.Integer()
    valid_points = ma.fields.Integer()
    compliant = ma.fields.Boolean(allow_none=True, metadata={"description": "null while no position is known"})
    inside_share = ma.fields.Float(allow_none=True, metadata={"description": "share of fixes inside the corridor"})
    method = ma.fields.String(metadata={"description": "how the fixes were judged: map_match (the roads driven, "
                                                       "MONITOR_MAP_MATCH) or buffer"})
    episodes = ma.fields.List(ma.fields.Dict())
    route_driven = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON LineString of the fixes"})
    note = ma.fields.String()
    alerts = ma.fields.List(ma.fields.Dict(), metadata={"description": "the live checks' alerts of the trip"})


@blp.route("/<uuid:waybill_id>/track")
class Track(MethodView):
    accepted_content_types = frozenset({"application/json", "text/csv"})
    max_body_bytes = tracking.MAX_TRACK_BODY_BYTES

    @allow(Role.ADMIN, Role.ENTERPRISE)
    @blp.response(200, IngestOut)
    @blp.doc(requestBody={"content": {"application/json": {"schema": FIXES_SCHEMA},
                                      "text/csv": {"schema": {"type": "string", "example": CSV_EXAMPLE}}}})
    def post(self, waybill_id: uuid.UUID) -> dict[str, Any]:
        """Report up to 10,000 fixes of the waybill's vehicle; a retried upload stores nothing twice.

        The body (at most 4 MB, 16 columns, CSV lines of 1 KB, JSON texts of 64 characters) is read only once
        the waybill is known to be one the user carries."""
        return tracking.ingest(db.session, current_user(), waybill_id,
                               lambda: tracking.parse_fixes(request.get_data(), request.mimetype))


@feed.route("")
class Feed(MethodView):
    accepted_content_types = frozenset({"application/json", "text/csv"})
    max_body_bytes = tracking.MAX_TRACK_BODY_BYTES

    @allow(Role.ADMIN, Role.ENTERPRISE)
    @feed.response(200, FeedOut)
    @feed.doc(requestBody={"content": {"application/json": {"schema": FEED_SCHEMA},
                                       "text/csv": {"schema": {"type": "string", "example": FEED_CSV_EXAMPLE}}}})
    def post(self) -> dict[str, Any]:
        """Report up to 10,000 fixes of several vehicles, each fix naming its waybill or its GPS terminal.

        Stored and checked as if each vehicle's fixes had come to its ``/waybills/{id}/track``, in one
        transaction. A fix naming a waybill the user does not carry, or an unknown terminal, refuses the whole
        batch (422 ``unknown_waybill``); one whose waybill is not in transit refuses it too (409
        ``not_in_transit``); ``errors`` names each such vehicle by its first fix, and nothing is stored. A
        retried batch stores nothing twice.
        """
        frame = tracking.parse_fixes(request.get_data(), request.mimetype)
        return tracking_feed.ingest_feed(db.session, current_user(), frame)


@blp.route("/<uuid:waybill_id>/compliance")
class Compliance(MethodView):
    @allow(*READERS)
    @blp.response(200, ComplianceOut)
    def get(self, waybill_id: uuid.UUID) -> dict[str, Any]:
        """Deviation, forbidden-zone and signal-gap episodes of the trip so far, against its corridor (recomputed
        from every fix), and the alerts the live checks raised as the fixes came."""
        report = tracking.compliance(db.session, current_user(), waybill_id)
        return {**report, "alerts": monitoring.trip_alerts(db.session, waybill_id)}
