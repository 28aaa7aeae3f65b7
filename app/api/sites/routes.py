"""``/api/v1/sites``: an enterprise registers and keeps its own sites; ``/{id}/hazard`` explains its GB 18218 figure."""
from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api._registry import OWNERS, READERS, Resource, add_registry_routes
from app.api.sites.schemas import HazardOut, SiteIn, SiteOut, SiteQuery
from app.auth import allow, current_user
from app.extensions import db
from app.services import registry
from app.services.hazards.major_hazard import assess, explain
from app.services.sites import SITES

blp = Blueprint("sites", __name__, description="Plants, warehouses, tank farms, terminals, disposal facilities")
add_registry_routes(blp, Resource(SITES, SiteIn, SiteOut, SiteQuery, writers=OWNERS))


@blp.route("/<uuid:record_id>/hazard")
class SiteHazard(MethodView):
    @allow(*READERS)
    @blp.response(200, HazardOut)
    @blp.doc(summary="The site's major hazard figure (GB 18218-2018) from live balances, term by term")
    def get(self, record_id: uuid.UUID) -> dict[str, Any]:
        """S = Σ q/Q and R = α · Σ β·q/Q with every chemical's q, Q, β and where they came from; the grade."""
        site = registry.get(db.session, SITES, current_user(), record_id)
        return explain(site, assess(db.session, [site], rated_only=False)[site.id])
