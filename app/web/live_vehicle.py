"""Follow a vehicle live (issue 19): a waybill's latest position, the track so far, its corridor and its open
alerts, on one page that refreshes itself.

The page is the waybill's trip map (:mod:`app.web.maps`, inline SVG: no map tiles, nothing from another site)
with the vehicle's newest fix marked; a small script asks ``…/live.json`` every few seconds for the same parts,
drawn again on the server, and puts them in place. Without script the page is as of loading (and says so).
Supervisors follow any waybill; an enterprise follows only a waybill it carries: anyone else is told it does not
exist (404), as for a waybill it may not see.
"""
from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, jsonify, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.errors import NotFound
from app.extensions import db
from app.i18n import N_, Text, localize
from app.services.alerts import visible_alerts
from app.services.waybills import service
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.maps import Marker, safe_trip_map
from app.web.waybills import names_of, party_names
from models import Alert, AlertState, GpsFix, Role, User, Vehicle, Waybill

#: Who may follow a vehicle: the supervising authorities, and a carrier (its own vehicles only).
FOLLOWERS = (Role.ADMIN, Role.SUPERVISOR, Role.ENTERPRISE)
#: How often the page asks for news, in seconds (``LIVE_POLL_SECONDS``).
POLL_SECONDS = 5


def followed_waybill(session: Session, user: User, waybill_id: uuid.UUID) -> Waybill:
    """The waybill *user* may follow: one it may see, and for an enterprise one it carries (404 otherwise)."""
    waybill = service.get_waybill(session, user, waybill_id)  # 404 for a waybill the user may not see
    if user.role is Role.ENTERPRISE and waybill.carrier_id != user.enterprise_id:
        raise NotFound(Text("No waybill {id}.", id=waybill_id))
    return waybill


def _last_vertex(track: str) -> tuple[float, float] | None:
    """The last point of an SVG path drawn by :func:`app.web.svg.polyline` (``M x y L x y …``)."""
    if not track:
        return None
    x, y = track.rsplit("L", 1)[-1].lstrip("M").split()[:2]
    return float(x), float(y)


def _parts(session: Session, user: User, waybill: Waybill) -> dict[str, Any]:
    """What the page shows of the trip now: its map with the latest position marked, the newest fix, the open
    alerts."""
    trip_map, map_problem = safe_trip_map(session, user, waybill)
    if trip_map is not None and trip_map.corridor:  # a map without a corridor marks the latest position already
        last = _last_vertex(trip_map.track)
        if last is not None:
            trip_map.sites.append(Marker("site last-position", *last, localize(N_("Latest position"))))
    fix = session.execute(select(GpsFix.at, GpsFix.lon, GpsFix.lat, GpsFix.speed_kph)
                          .where(GpsFix.waybill_id == waybill.id).order_by(GpsFix.at.desc()).limit(1)).first()
    alerts = list(session.scalars(visible_alerts(user).where(Alert.waybill_id == waybill.id,
                                                             Alert.state != AlertState.CLOSED)
                                  .order_by(Alert.opened_at.desc())))
    fixes = session.scalar(select(func.count()).select_from(GpsFix).where(GpsFix.waybill_id == waybill.id))
    return {"waybill": waybill, "map": trip_map, "map_problem": map_problem, "fix": fix, "fixes": fixes,
            "alerts": alerts, "back": url_for("web.follow_vehicle", waybill_id=waybill.id)}


@bp.get("/waybills/<uuid:waybill_id>/live")
@roles(*FOLLOWERS)
def follow_vehicle(waybill_id: uuid.UUID) -> str:
    session, user = db.session, web_user()
    waybill = followed_waybill(session, user, waybill_id)
    version = waybill.current
    plate = names_of(session, Vehicle, {version.vehicle_id}, "plate").get(version.vehicle_id)
    return render_template("live_vehicle.html", plate=plate, names=party_names(session, [waybill]),
                           poll_seconds=current_app.config.get("LIVE_POLL_SECONDS", POLL_SECONDS),
                           **_parts(session, user, waybill))


@bp.get("/waybills/<uuid:waybill_id>/live.json")
@roles(*FOLLOWERS)
def follow_vehicle_json(waybill_id: uuid.UUID) -> Response:
    """The live parts of the page, drawn again: ``{"status", "fixes", "html"}`` (the script swaps ``html`` in)."""
    session, user = db.session, web_user()
    waybill = followed_waybill(session, user, waybill_id)
    parts = _parts(session, user, waybill)
    response = jsonify(status=waybill.status.value, fixes=parts["fixes"],
                       html=render_template("_live_vehicle.html", **parts))
    response.headers["Cache-Control"] = "no-store"
    return response
