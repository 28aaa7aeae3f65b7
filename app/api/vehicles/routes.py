"""``/api/v1/vehicles``: a carrier registers and keeps its own vehicles."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api._registry import OWNERS, Resource, add_registry_routes
from app.api.vehicles.schemas import VehicleIn, VehicleOut, VehicleQuery
from app.services.fleet import VEHICLES

blp = Blueprint("vehicles", __name__, description="Dangerous goods vehicles of the carriers")
add_registry_routes(blp, Resource(VEHICLES, VehicleIn, VehicleOut, VehicleQuery, writers=OWNERS))
