"""Alerts on the pages: acknowledging one (a form), and the live feed the dashboard listens to.

Browsers' EventSource cannot send a bearer token, so the pages have their own stream URL, authenticated by the
session cookie; it is the API's stream (:func:`app.api.alerts.stream.open_stream`), with events named by their
change.
"""
from __future__ import annotations

import uuid

from flask import Response, flash, redirect, request, url_for

from app.api.alerts.stream import open_stream
from app.errors import Conflict
from app.extensions import db
from app.services import alerts
from app.services.alert_text import alert_title
from app.web.access import EVERYONE, roles, safe_next, web_user
from app.web.blueprint import bp
from app.web.i18n import translate
from models import Role


@bp.post("/alerts/<uuid:alert_id>/acknowledge")
@roles(Role.ADMIN, Role.SUPERVISOR)
def acknowledge_alert(alert_id: uuid.UUID) -> Response:
    note = (request.form.get("note") or "").strip()[:500] or None
    try:
        alert = alerts.acknowledge(db.session, web_user(), alert_id, note)
        flash(translate("Alert acknowledged: {title}", title=alert_title(alert)), "ok")
    except Conflict as error:
        flash(translate(error.detail), "error")
    return redirect(safe_next(request.form.get("next"), url_for("web.dashboard")))


@bp.get("/alerts/stream")
@roles(*EVERYONE)
def alert_stream() -> Response:
    after = request.args.get("after", "")
    return open_stream(web_user(), int(after) if after.isdigit() else None, named_by_change=True)
