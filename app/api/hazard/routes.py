"""``POST /api/v1/hazard/compute``: GB 18218-2018 for the units a caller describes; reads and writes nothing."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api._registry import READERS
from app.api.hazard.schemas import PlantIn, PlantOut
from app.auth import allow
from app.services.hazards.identification import compute

blp = Blueprint("hazard", __name__, description="Major hazard identification (GB 18218-2018) of a described plant")


@blp.route("/compute")
class HazardCompute(MethodView):
    @allow(*READERS)
    @blp.arguments(PlantIn)
    @blp.response(200, PlantOut)
    @blp.doc(summary="S, R and the grade of each unit, and the site's grade (its worst unit's)")
    def post(self, plant: dict[str, Any]) -> dict[str, Any]:
        """Quantities are the design maximums per unit (GB 18218 §4.2.2); a chemical named by UN or CAS number
        is looked up in Table 1, else rated by its category (Tables 2 and 4)."""
        return compute(plant["exposed_population"], plant["units"])
