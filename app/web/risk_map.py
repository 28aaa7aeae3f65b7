"""The risk map page: the API's four-colour SVG of the major hazard sources, drawn inline (same origin, no script),
with its legend and a table of the sites it colours, for those who cannot see the colours."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from markupsafe import Markup

from app.extensions import db
from app.services.hazards.risk_map import LEVELS, visible_risk_map
from app.services.hazards.risk_svg import render
from app.services.incidents.service import open_incidents
from app.web.access import AUTHORITIES, roles, web_user
from app.web.blueprint import bp
from app.web.districts import district_name
from app.web.i18n import translate
from app.web.waybills import names_of
from models import Enterprise

_RANK = {name: rank for rank, (name, _colour, _label) in enumerate(LEVELS)}


def _listed(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """The sites the map colours above blue or that are major hazard sources, most dangerous first."""
    sites = [f["properties"] for f in collection["features"] if f["properties"]["kind"] == "site"]
    shown = [s for s in sites if s["major_hazard_source"] or _RANK[s["level"]] > 0]
    return sorted(shown, key=lambda s: (-_RANK[s["level"]], -float(s["r"]), s["name"]))


@bp.get("/risk-map")
@roles(*AUTHORITIES)
def risk_map() -> str:
    config = current_app.config
    collection = visible_risk_map(db.session, web_user(), Path(config["DATA_DIR"]) / config["DISTRICTS_FILE"])
    title = translate("Major hazard sources: four-colour risk map (Wuxi)")
    svg = render(collection, title, {"id": "risk-map", "role": "img", "aria-labelledby": "risk-map-caption"})
    sites = _listed(collection)
    known = {f["properties"]["adcode"]: f["properties"]["name"] for f in collection["features"]
             if f["properties"]["kind"] == "district"}
    districts = {s["district_adcode"]: known.get(s["district_adcode"]) or district_name(s["district_adcode"], {})
                 for s in sites}
    firms = names_of(db.session, Enterprise, {uuid.UUID(s["enterprise_id"]) for s in sites})
    return render_template("risk_map.html", svg=Markup(svg), title=title, legend=list(reversed(collection["legend"])),
                           sites=sites, districts=districts, firms={str(k): v for k, v in firms.items()},
                           attribution=collection["attribution"],
                           counted=sum(f["properties"]["kind"] == "site" for f in collection["features"]),
                           incidents=open_incidents(db.session, web_user()),
                           incident_legend=collection["incident_legend"])
