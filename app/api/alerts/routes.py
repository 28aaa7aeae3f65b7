"""``/api/v1/alerts``: the alerts a user may see, one with its history, acknowledging and closing, the stream."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.alerts import schemas as s
from app.api.alerts.stream import open_stream
from app.auth import allow, current_user
from app.extensions import db
from app.services import alert_queries, alerts
from models import Role

blp = Blueprint("alerts", __name__, description="Alerts of the live checks: one per episode, open → acknowledged → "
                                                "closed, and a real-time stream of their changes")
#: Enterprises see the alerts they answer for or whose trips they are party to; the authority sees all.
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)
HANDLERS = (Role.ADMIN, Role.SUPERVISOR)


@blp.route("")
class Alerts(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.AlertQuery)
    @blp.response(200, s.AlertOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """Alerts the caller may see, newest first, filtered by state, kind, severity (at least), waybill,
        enterprise, site and when the episode began."""
        stmt = alert_queries.filtered(current_user(), **query)
        return [alerts.alert_json(alert) for alert in page_of(db.session, stmt, pagination_parameters)]


@blp.route("/<uuid:alert_id>")
class AlertById(MethodView):
    @allow(*READERS)
    @blp.response(200, s.AlertDetailOut)
    def get(self, alert_id: uuid.UUID) -> dict[str, Any]:
        """One alert with every change it went through (404 for one the caller may not see)."""
        alert = alerts.get_alert(db.session, current_user(), alert_id)
        return {**alerts.alert_json(alert), "history": alert_queries.history(db.session, alert)}


def _move(path: str, move: Any, summary: str) -> None:
    """Register ``POST /<id>/<path>``: supervisors and administrators move an alert on, with a note."""

    @allow(*HANDLERS)
    @blp.arguments(s.NoteIn)
    @blp.response(200, s.AlertOut)
    def view(data: dict[str, Any], alert_id: uuid.UUID) -> dict[str, Any]:
        return alerts.alert_json(move(db.session, current_user(), alert_id, data["note"]))

    view.__doc__ = summary
    view.__name__ = f"alert_{path}"
    blp.route(f"/<uuid:alert_id>/{path}", methods=["POST"], endpoint=f"alert_{path}")(view)


_move("acknowledge", alerts.acknowledge, "Acknowledge an open alert: someone is dealing with it (409 otherwise).")
_move("close", alerts.close, "Close an open or acknowledged alert (409 when closed already).")


@blp.route("/stream")
class AlertStream(MethodView):
    @allow(*READERS)
    @query_arguments(blp, s.StreamQuery)
    @blp.doc(responses={200: {"description": "Server-Sent Events: `id` (feed position), `event: change`, `data` "
                                             "(the alert as now, with `change`, `changed_at`, `actor_id`)",
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}}})
    def get(self, query: dict[str, Any]) -> Response:
        """The changes of the alerts the caller may see, as they happen; resumes after ``Last-Event-ID`` (or
        ``?after=``), else starts now. Ends after a few minutes: clients reconnect (EventSource does)."""
        return open_stream(current_user(), query.get("after"))
