"""``/api/v1/terminals``: the JT/T 808 terminals the gateway knows, connected or not, and their last message."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from app.api._paging import page_of
from app.api._query import query_arguments
from app.api.terminals.schemas import TerminalOut, TerminalQuery
from app.auth import allow, current_user
from app.extensions import db
from app.services import terminals
from models import Role

blp = Blueprint("terminals", __name__, description="JT/T 808 terminals seen by the gateway: connection and last "
                                                   "message (a carrier sees its own vehicles' terminals)")
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE)


@blp.route("")
class Terminals(MethodView):
    @allow(*READERS)
    @query_arguments(blp, TerminalQuery)
    @blp.response(200, TerminalOut(many=True))
    @blp.paginate()
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """Terminals the caller may see, by number: connected now or not, the last message and position."""
        stmt = terminals.visible_terminals(current_user(), query.get("connected"))
        return [terminals.terminal_json(t) for t in page_of(db.session, stmt, pagination_parameters)]


@blp.route("/<string:terminal_id>")
class TerminalById(MethodView):
    @allow(*READERS)
    @blp.response(200, TerminalOut)
    def get(self, terminal_id: str) -> dict[str, Any]:
        """One terminal (404 for another carrier's)."""
        return terminals.terminal_json(terminals.get_terminal(db.session, current_user(), terminal_id))
