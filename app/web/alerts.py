"""Alerts on the pages: one alert with its history, acknowledging and closing it with a note (forms, through the
API's schema and service), and the live feed the dashboard listens to.

Browsers' EventSource cannot send a bearer token, so the pages have their own stream URL, authenticated by the
session cookie; it is the API's stream (:func:`app.api.alerts.stream.open_stream`), with events named by their
change.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Response, flash, redirect, render_template, request, url_for

from app.api.alerts.schemas import NoteIn
from app.api.alerts.stream import open_stream
from app.errors import Conflict
from app.extensions import db
from app.services import alert_queries, alerts
from app.services.alert_text import alert_title
from app.web.access import EVERYONE, roles, safe_next, web_user
from app.web.blueprint import bp
from app.web.forms import Errors, load
from app.web.i18n import translate
from app.web.waybills import names_of
from models import Alert, Role, User, Waybill


HANDLERS = (Role.ADMIN, Role.SUPERVISOR)  # as the API's


@bp.get("/alerts/<uuid:alert_id>")
@roles(*EVERYONE)
def alert_page(alert_id: uuid.UUID) -> str:
    """One alert with its details and every change; a supervisor acknowledges or closes it here, with a note."""
    return _alert_page(alerts.get_alert(db.session, web_user(), alert_id))  # 404 for one the user may not see


def _alert_page(alert: Alert, errors: Errors | None = None, note: str | None = None) -> str:
    history = alert_queries.history(db.session, alert)
    actors = {str(i): name for i, name in names_of(
        db.session, User, {uuid.UUID(h["actor_id"]) for h in history if h["actor_id"]}).items()}
    waybill = db.session.get(Waybill, alert.waybill_id) if alert.waybill_id else None
    return render_template("alert.html", alert=alert, history=history, actors=actors, waybill=waybill,
                           errors=errors or {}, note=note or "", can_handle=web_user().role in HANDLERS)


def _moved(alert_id: uuid.UUID, move: Callable[..., Alert], done: str) -> Response | tuple[str, int]:
    """Move the alert on as the API does (its ``NoteIn``, its service call); back to the page it came from."""
    note = request.form.get("note") or ""
    data, errors = load(NoteIn(), {"note": note.strip() or None})
    if data is None:
        return _alert_page(alerts.get_alert(db.session, web_user(), alert_id), errors, note), 422
    try:
        alert = move(db.session, web_user(), alert_id, data["note"])
        flash(translate(done, title=alert_title(alert)), "ok")
    except Conflict as error:
        flash(translate(error.detail), "error")
    return redirect(safe_next(request.form.get("next"), url_for("web.dashboard")))


@bp.post("/alerts/<uuid:alert_id>/acknowledge")
@roles(*HANDLERS)
def acknowledge_alert(alert_id: uuid.UUID) -> Response | tuple[str, int]:
    return _moved(alert_id, alerts.acknowledge, "Alert acknowledged: {title}")


@bp.post("/alerts/<uuid:alert_id>/close")
@roles(*HANDLERS)
def close_alert(alert_id: uuid.UUID) -> Response | tuple[str, int]:
    return _moved(alert_id, alerts.close, "Alert closed: {title}")


@bp.get("/alerts/stream")
@roles(*EVERYONE)
def alert_stream() -> Response:
    after = request.args.get("after", "")
    return open_stream(web_user(), int(after) if after.isdigit() else None, named_by_change=True)
