"""Alerts on the pages: acknowledging one (a form), and the live feed the dashboard listens to.

Browsers' EventSource cannot send a bearer token, so the pages have their own stream, authenticated by the
session cookie and reading the same feed (:mod:`app.services.alert_queries`) scoped to what the user may see.
A stream ends after ``ALERT_STREAM_LIFETIME_S`` (so a thread of the server is never held for good); the browser
reconnects by itself and resumes after the ``Last-Event-ID`` it saw.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

from flask import Response, current_app, flash, redirect, request, stream_with_context, url_for

from app.errors import Conflict
from app.extensions import db
from app.services import alerts
from app.services.alert_queries import FeedEvent, feed_after, feed_head
from app.web.access import EVERYONE, roles, safe_next, web_user
from app.web.blueprint import bp
from app.web.i18n import translate
from models import Role, User


@bp.post("/alerts/<uuid:alert_id>/acknowledge")
@roles(Role.ADMIN, Role.SUPERVISOR)
def acknowledge_alert(alert_id: uuid.UUID) -> Response:
    note = (request.form.get("note") or "").strip()[:500] or None
    try:
        alert = alerts.acknowledge(db.session, web_user(), alert_id, note)
        flash(translate("Alert acknowledged: {title}", title=alert.title), "ok")
    except Conflict as error:
        flash(translate(error.detail), "error")
    return redirect(safe_next(request.form.get("next"), url_for("web.dashboard")))


def _start_position() -> int:
    for value in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if value and value.isdigit():
            return int(value)
    return feed_head(db.session)


def _message(event: FeedEvent) -> str:
    """One Server-Sent Events message, named by the change (``opened``, ``acknowledged``...)."""
    return f"id: {event.id}\nevent: {event.data['change']}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"


@bp.get("/alerts/stream")
@roles(*EVERYONE)
def alert_stream() -> Response:
    user_id, position = web_user().id, _start_position()
    config = current_app.config
    poll, heartbeat = float(config["ALERT_STREAM_POLL_S"]), float(config["ALERT_STREAM_HEARTBEAT_S"])
    deadline = time.monotonic() + float(config["ALERT_STREAM_LIFETIME_S"])

    def messages() -> Iterator[str]:
        # The request's session is closed once the view returns; the stream reads through its own, and holds
        # no transaction (nor an SQLite lock) while it waits.
        nonlocal position
        yield "retry: 2000\n\n"
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            session = db.session
            user = session.get(User, user_id)
            if user is None or not user.active:
                break
            items, position = feed_after(session, user, position)
            session.rollback()
            for item in items:
                yield _message(item)
            if items:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= heartbeat:
                quiet_since = time.monotonic()
                yield ": still here\n\n"
            else:
                time.sleep(poll)

    return Response(stream_with_context(messages()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
