"""``/api/v1/enterprises``: administrators register and change them; an enterprise user sees only its own."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api._registry import Resource, add_registry_routes
from app.api.enterprises.schemas import EnterpriseIn, EnterpriseOut, EnterpriseQuery
from app.services.enterprises import ENTERPRISES

blp = Blueprint("enterprises", __name__, description="Chemical firms, carriers and disposers")
add_registry_routes(blp, Resource(ENTERPRISES, EnterpriseIn, EnterpriseOut, EnterpriseQuery))
