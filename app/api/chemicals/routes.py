"""``/api/v1/chemicals``: the catalogue; everyone reads and searches it, administrators edit it."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.api._registry import Resource, add_registry_routes
from app.api.chemicals.schemas import ChemicalIn, ChemicalOut, ChemicalQuery
from app.services.chemicals import CHEMICALS

blp = Blueprint("chemicals", __name__, description="Dangerous goods and the Chinese catalogue's controls")
add_registry_routes(blp, Resource(CHEMICALS, ChemicalIn, ChemicalOut, ChemicalQuery))
