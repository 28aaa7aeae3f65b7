"""``/api/v1/risk-map`` (GeoJSON) and ``/api/v1/risk-map.svg``: sites and districts in the four risk colours."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app, json
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api._registry import READERS
from app.auth import allow, current_user
from app.extensions import db
from app.services.hazards.risk_map import visible_risk_map
from app.services.hazards.risk_svg import render

# Two resources side by side under /api/v1 (one with a suffix), so the blueprint takes no prefix of its own.
blp = Blueprint("risk_map", __name__, url_prefix="",
                description="Major hazard sources and districts coloured red / orange / yellow / blue")


def _collection() -> dict[str, Any]:
    """The map of the active sites the caller may see (an enterprise: its own), districts from the shared data."""
    config = current_app.config
    return visible_risk_map(db.session, current_user(), Path(config["DATA_DIR"]) / config["DISTRICTS_FILE"])


@blp.route("/risk-map")
class RiskMap(MethodView):
    @allow(*READERS)
    @blp.response(200, content_type="application/geo+json")
    def get(self) -> Response:
        """A GeoJSON FeatureCollection: districts (polygons) and sites (points), each with its level and colour,
        the site's S, R, grade and unresolved alerts; ``legend``, ``rules`` and ``attribution`` alongside."""
        return Response(json.dumps(_collection(), ensure_ascii=False), mimetype="application/geo+json")


@blp.route("/risk-map.svg")
class RiskMapSvg(MethodView):
    @allow(*READERS)
    @blp.response(200, content_type="image/svg+xml")
    def get(self) -> Response:
        """The same map drawn server-side as SVG, with a legend and the data attribution (no tiles, no CDN)."""
        return Response(render(_collection()), mimetype="image/svg+xml")
