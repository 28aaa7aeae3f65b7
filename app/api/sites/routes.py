"""``/api/v1/sites``: an enterprise registers and keeps its own sites; ``/{id}/hazard`` explains its GB 18218 figure.

The figures that set the grade — the units, their design maximums and the exposed population — are kept by a
supervisor (or an administrator), each change with a reason and kept in ``/{id}/figures-history``.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api._registry import OWNERS, READERS, Resource, add_registry_routes
from app.api.sites.schemas import (
    DesignMaximumIn, FiguresHistoryOut, HazardOut, PopulationIn, SiteIn, SiteOut, SiteQuery, UnitIn, UnitOut,
)
from app.auth import allow, current_user
from app.extensions import db
from app.services import units
from app.services.hazards.design_maxima import units_of
from app.services.hazards.major_hazard import assess, explain
from app.services.sites import SITES
from models import Role

blp = Blueprint("sites", __name__, description="Plants, warehouses, tank farms, terminals, disposal facilities")
add_registry_routes(blp, Resource(SITES, SiteIn, SiteOut, SiteQuery, writers=OWNERS))
#: Who sets the figures a regulatory grade comes from.
REGULATORS = (Role.ADMIN, Role.SUPERVISOR)


@blp.route("/<uuid:record_id>/hazard")
class SiteHazard(MethodView):
    @allow(*READERS)
    @blp.response(200, HazardOut)
    @blp.doc(summary="The site's major hazard figure (GB 18218-2018) per unit, from the design maximums")
    def get(self, record_id: uuid.UUID) -> dict[str, Any]:
        """Each unit's S = Σ q/Q and R = α · Σ β·q/Q with every chemical's q, Q, β and where they came from;
        the site's grade is its worst unit's."""
        site = units.visible_site(db.session, current_user(), record_id)
        return explain(site, assess(db.session, [site])[site.id])


@blp.route("/<uuid:record_id>/units")
class SiteUnits(MethodView):
    @allow(*READERS)
    @blp.response(200, UnitOut(many=True))
    @blp.doc(summary="The site's production and storage units (GB 18218 §3.5, §3.6), its default unit first")
    def get(self, record_id: uuid.UUID) -> list[Any]:
        site = units.visible_site(db.session, current_user(), record_id)
        return units_of(db.session, [site.id])

    @allow(*REGULATORS)
    @blp.arguments(UnitIn)
    @blp.response(201, UnitOut)
    @blp.doc(summary="Register a unit of the site (supervisor)")
    def post(self, data: dict[str, Any], record_id: uuid.UUID) -> Any:
        return units.add_unit(db.session, current_user(), record_id, name=data["name"], kind=data["kind"])


def _setting(path: str, schema: type, change: Callable[..., Any], summary: str) -> None:
    """Register ``POST /{id}/<path>``: a supervisor changes a figure that sets the grade; answers the history."""

    @allow(*REGULATORS)
    @blp.arguments(schema)
    @blp.response(201, FiguresHistoryOut)
    @blp.doc(summary=summary)
    def view(data: dict[str, Any], record_id: uuid.UUID) -> dict[str, Any]:
        user = current_user()
        change(db.session, user, record_id, **data)
        return units.history(db.session, user, record_id)

    view.__name__ = f"site_{path.replace('-', '_')}"
    blp.route(f"/<uuid:record_id>/{path}", methods=["POST"], endpoint=view.__name__)(view)


_setting("design-maxima", DesignMaximumIn, units.set_design_maximum,
         "Register a unit's design maximum of a chemical (supervisor; kept in the history)")
_setting("exposed-population", PopulationIn, units.set_population,
         "Set the people within 500 m of the site (supervisor; kept in the history)")


@blp.route("/<uuid:record_id>/figures-history")
class SiteFiguresHistory(MethodView):
    @allow(*READERS)
    @blp.response(200, FiguresHistoryOut)
    @blp.doc(summary="Every setting of the site's design maximums and exposed population, newest first")
    def get(self, record_id: uuid.UUID) -> dict[str, Any]:
        return units.history(db.session, current_user(), record_id)
