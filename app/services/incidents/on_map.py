"""Open incidents on the risk map: each one's isolation circle and protective area (ERG 2016), as GeoJSON
features of the risk map's collection, which its SVG draws with a legend entry for each.

The isolation circle is the union of the zones everybody is moved out of (the initial isolation, and with fire
the fire isolation and BLEVE evacuation circles); the protective area the downwind zone (Table 1's protective
action square or the guide's downwind evacuation; a circle while the wind is unknown). A draft is not drawn: its
zones are a guess until a supervisor confirms it (docs/incidents.md); the page lists it.
"""
from __future__ import annotations

from typing import Any

from shapely.geometry import mapping
from sqlalchemy.orm import Session

from app.i18n import N_
from app.services.incidents.service import open_incidents
from app.services.incidents.zones import zones_of_kind
from models import User
from models.incidents import IncidentState

#: The map's incident layers, drawn in this order (the wider protective area under the isolation circle):
#: kind, the ERG zone kinds it joins, its colour, its legend entry.
LAYERS = (
    ("incident_protective", ("protective_action", "downwind_evacuation"), "#7b3294",
     N_("Incident: protective action area (ERG 2016)")),
    ("incident_isolation", ("initial_isolation", "fire_isolation", "bleve_evacuation"), "#000000",
     N_("Incident: isolation zone (ERG 2016)")),
)


def incident_features(session: Session, user: User) -> list[dict[str, Any]]:
    """The layers of every open, not draft, incident *user* may see."""
    features = []
    for incident in open_incidents(session, user):
        if incident.state is IncidentState.DRAFT:
            continue
        for kind, zone_kinds, colour, _legend in LAYERS:
            area = zones_of_kind(incident.zones, *zone_kinds)
            if not area.is_empty:
                features.append({"type": "Feature", "geometry": mapping(area), "properties": {
                    "kind": kind, "incident_id": str(incident.id), "state": str(incident.state),
                    "un_number": incident.un_number, "colour": colour}})
    return features


def incident_legend(features: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The legend entries of the layers *features* draw (untranslated: the page and the SVG translate them)."""
    drawn = {f["properties"]["kind"] for f in features}
    return [{"kind": kind, "colour": colour, "label": legend} for kind, _, colour, legend in LAYERS if kind in drawn]
