"""``/api/v1/incidents``: report a dangerous-goods incident, follow it through its states, see who is in danger."""
from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.incidents import schemas as s
from app.api.waybills.routes import ETAG_HEADER, _checked, etag
from app.auth import allow, current_user
from app.extensions import db
from app.services.incidents import exposure, service
from models import Role
from models.incidents import Incident

blp = Blueprint("incidents", __name__, description="Dangerous-goods incidents: ERG zones, who is in danger, "
                                                   "traffic kept away, departments told")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
REPORTERS = (Role.ADMIN, Role.SUPERVISOR, Role.ENTERPRISE)


@blp.route("")
class Incidents(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.IncidentQuery)
    @blp.response(200, s.IncidentOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Incident]:
        """Incidents the caller may see, newest first (a carrier: those on its own waybills)."""
        stmt = service.visible_incidents(current_user())
        if "state" in query:
            stmt = stmt.where(Incident.state == query["state"])
        if "waybill" in query:
            stmt = stmt.where(Incident.waybill_id == query["waybill"])
        return page_of(db.session, stmt, pagination_parameters)

    @allow(*REPORTERS)
    @blp.arguments(s.IncidentIn)
    @blp.response(201, s.IncidentOut, headers=ETAG_HEADER)
    def post(self, data: dict[str, Any]) -> tuple[Incident, dict[str, str]]:
        """Report an incident (a supervisor; a carrier on its own waybill). Location defaults to the vehicle's last
        fix; the cargo comes from the waybill. The ERG 2016 zones are computed, become a temporary no-entry zone
        for every hazmat trip, and the responding departments and the vehicles heading there are alerted."""
        incident = service.report(db.session, current_user(), data)
        return incident, etag(incident)


@blp.route("/<uuid:incident_id>")
class IncidentById(MethodView):
    @allow(*READERS)
    @blp.response(200, s.IncidentOut, headers=ETAG_HEADER)
    def get(self, incident_id: uuid.UUID) -> tuple[Incident, dict[str, str]]:
        """One incident with its zones and history (404 for another carrier's)."""
        incident = service.get_incident(db.session, current_user(), incident_id)
        return incident, etag(incident)


@blp.route("/<uuid:incident_id>/transition", methods=["POST"])
@allow(Role.ADMIN, Role.SUPERVISOR)
@blp.arguments(s.MoveIn)
@blp.response(200, s.IncidentOut, headers=ETAG_HEADER)
def transition(data: dict[str, Any], incident_id: uuid.UUID) -> tuple[Incident, dict[str, str]]:
    """Move the incident: reported → confirmed → contained → closed (a false alarm: reported → closed); a draft
    is confirmed (with `spill`, `night`, `wind_from_deg`, `wind_speed_ms` saying what is happening: its zones are
    recomputed, closed to traffic and sent to the departments) or dismissed (closed). Closing
    lifts its no-entry zone and resolves its alerts. Send the ETag as `If-Match` (or `row_version` in the body):
    a stale one is 412 (409 `stale_version` for the body) and changes nothing."""
    situation = {name: data[name] for name in service.SITUATION if name in data}
    return _checked(lambda seen: service.move(db.session, current_user(), incident_id, data["to"],
                                              reason=data.get("reason"), row_version=seen, situation=situation),
                    data)


@blp.route("/<uuid:incident_id>/exposure")
@allow(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
@blp.response(200)
def exposure_view(incident_id: uuid.UUID) -> dict[str, Any]:
    """Who is in danger: registered sites inside each zone (exposed population, units, chemicals held; a major
    hazard unit inside a fire zone is a domino risk), districts affected, other waybills in transit inside or
    heading in within the look-ahead, road edges inside (with a road network configured)."""
    incident = service.get_incident(db.session, current_user(), incident_id)
    return exposure.assess(db.session, incident)
