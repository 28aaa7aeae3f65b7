"""The responders' one-page brief of an incident (supervisors): cargo and document line, ERG guide and distances,
emergency contact from the waybill, who is in danger, and the map; printable."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from flask import Response, flash, redirect, render_template, request, url_for

from app.api.incidents.schemas import MoveIn
from app.errors import Conflict
from app.extensions import db
from app.services.incidents import exposure, service
from app.services.incidents.zones import area_of
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.forms import load
from app.web.i18n import label, translate
from app.services.road_network import road_network
from app.web.maps import ATTRIBUTION
from app.web.svg import Frame, path_data
from app.web.waybills import _document, party_names
from models import Role, Waybill
from models.incidents import Incident, SpillKind
from routing.projection import geometry_to_metric, to_metric, utm_crs


@dataclass
class Point:
    css: str
    x: float
    y: float
    title: str


@dataclass
class IncidentMap:
    frame: Frame
    zones: list[tuple[str, str, str]] = field(default_factory=list)  # css, d, title
    points: list[Point] = field(default_factory=list)
    roads: str = ""
    attribution: str = ATTRIBUTION


def incident_map(incident: Incident, found: dict[str, Any]) -> IncidentMap:
    """The zones (largest first), the spill, the exposed sites and vehicles, on the road network when installed."""
    network = road_network(wait=True)
    area = area_of(incident.zones)
    crs = network.crs if network is not None else utm_crs(*area.bounds)
    metric_area = geometry_to_metric(area, crs)
    frame = Frame.around([metric_area.bounds], 300.0, 800.0)
    drawn = IncidentMap(frame=frame)
    if network is not None:
        edges = network.edges.geometry.values
        near = edges[shapely.intersects(edges, frame.window)]
        if len(near):
            drawn.roads = path_data(frame, shapely.intersection(shapely.multilinestrings(near), frame.window))
    features = sorted(incident.zones["features"], key=lambda f: -shape(f["geometry"]).area)
    drawn.zones = [(f"zone-{f['properties']['kind']}", path_data(frame, geometry_to_metric(shape(f["geometry"]), crs)),
                    f"{label('erg_zone', f['properties']['kind'])} {f['properties']['distance_m']:.0f} m")
                   for f in features]
    marks = [("spill", incident.lon, incident.lat, translate("Incident site"))]
    marks += [("site", s["lon"], s["lat"], s["name"]) for s in found["sites"]]
    marks += [(f"vehicle vehicle-{w['where']}", *w["position"], w["number"]) for w in found["waybills"]]
    for css, lon, lat, title in marks:
        x, y = frame.xy(*to_metric(np.array([lon]), np.array([lat]), crs))
        drawn.points.append(Point(css, float(x[0]), float(y[0]), title))
    return drawn


@bp.get("/incidents/<uuid:incident_id>/brief")
@roles(Role.ADMIN, Role.SUPERVISOR)
def incident_brief(incident_id: uuid.UUID) -> str:
    return _brief_page(service.get_incident(db.session, web_user(), incident_id))


def _brief_page(incident: Incident, errors: dict[str, list[str]] | None = None) -> str:
    session = db.session
    waybill = session.get(Waybill, incident.waybill_id) if incident.waybill_id else None
    found = exposure.assess(session, incident)
    return render_template(
        "incident_brief.html", incident=incident, waybill=waybill,
        doc=_document(session, waybill) if waybill else None,
        names=party_names(session, [waybill]) if waybill else {}, found=found, map=incident_map(incident, found),
        state=label("incident_state", incident.state), errors=errors or {},
        spills=[(kind.value, label("spill", kind)) for kind in SpillKind])


@bp.post("/incidents/<uuid:incident_id>/<any(confirm, dismiss):decision>")
@roles(Role.ADMIN, Role.SUPERVISOR)
def decide_draft(incident_id: uuid.UUID, decision: str) -> Response | tuple[str, int]:
    """A supervisor confirms a draft, saying what is happening (as the API's transition), or dismisses it."""
    body: dict[str, Any] = {"to": "closed", "reason": request.form.get("reason", "").strip() or None}
    if decision == "confirm":
        body.update({name: request.form[name] for name in ("spill", "wind_from_deg") if request.form.get(name)},
                    to="confirmed", night="night" in request.form)
    data, errors = load(MoveIn(), body)
    if data is None:
        return _brief_page(service.get_incident(db.session, web_user(), incident_id), errors), 422
    situation = {name: data[name] for name in service.SITUATION if name in data}
    try:
        service.move(db.session, web_user(), incident_id, data["to"], reason=data["reason"], situation=situation)
    except Conflict as error:
        flash(translate(error.detail), "error")
    return redirect(url_for("web.incident_brief", incident_id=incident_id))
