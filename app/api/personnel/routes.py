"""``/api/v1/personnel``: a carrier registers and keeps its own drivers and escorts."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api._registry import OWNERS, Resource, add_registry_routes
from app.api.personnel.schemas import PersonIn, PersonOut, PersonQuery
from app.services.fleet import PERSONNEL

blp = Blueprint("personnel", __name__, description="Drivers and escorts of the carriers")
add_registry_routes(blp, Resource(PERSONNEL, PersonIn, PersonOut, PersonQuery, writers=OWNERS))
