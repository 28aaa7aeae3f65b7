"""``/api/v1/sites``: an enterprise registers and keeps its own sites."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api._registry import OWNERS, Resource, add_registry_routes
from app.api.sites.schemas import SiteIn, SiteOut, SiteQuery
from app.services.sites import SITES

blp = Blueprint("sites", __name__, description="Plants, warehouses, tank farms, terminals, disposal facilities")
add_registry_routes(blp, Resource(SITES, SiteIn, SiteOut, SiteQuery, writers=OWNERS))
