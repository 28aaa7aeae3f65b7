"""``/api/v1/permits``: administrators issue, change and revoke permits; ``/check`` answers "may E do A?"."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api._query import query_arguments
from app.api._registry import READERS, Resource, add_registry_routes
from app.api.permits.schemas import PermitCheckQuery, PermitDecisionOut, PermitIn, PermitOut, PermitQuery
from app.auth import allow, current_user, scope_to_enterprise
from app.extensions import db
from app.services.permits import PERMITS, PermitDecision, permit_decision

blp = Blueprint("permits", __name__, description="Permits and the decisions they support")


@blp.route("/check")
class PermitCheck(MethodView):
    @allow(*READERS)
    @query_arguments(blp, PermitCheckQuery)
    @blp.response(200, PermitDecisionOut)
    def get(self, query: dict[str, Any]) -> PermitDecision:
        """May the enterprise do the activity with the chemical on the date? With the reason when not."""
        scope_to_enterprise(current_user(), query["enterprise"])
        return permit_decision(db.session, query["enterprise"], query["activity"], query["chemical"], query["date"])


add_registry_routes(blp, Resource(PERMITS, PermitIn, PermitOut, PermitQuery, retire_path="revoke"))
