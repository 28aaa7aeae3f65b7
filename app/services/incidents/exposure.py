"""Who is in danger from an incident: sites, districts, vehicles and roads inside its ERG zones.

- **Sites**: every active registered site inside a zone (its point), with the zones it is in, its exposed
  population (people within 500 m, as registered for GB 18218 α), and its units with the chemicals they are
  registered to hold (design maximums, GB 18218 §4.2.2) and their grade. A unit that is a major hazard source
  inside a fire or BLEVE zone is flagged ``domino_risk``: fire or fragments may spread the accident to it.
- **Districts**: the districts of those sites, and those whose outline (``DISTRICTS_FILE``) the zones touch.
- **Vehicles**: other waybills in transit inside the zones or heading in within the look-ahead
  (:func:`~.traffic.trips_at_risk`).
- **Roads**: the edges of the configured road network that touch the zones (closed to the re-planned routes).
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import shapely
from flask import current_app
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.hazards.identification import number
from app.services.hazards.major_hazard import assess as assess_units
from app.services.incidents.traffic import trips_at_risk
from app.services.incidents.zones import area_of
from app.services.road_network import road_network
from models import Site
from models.incidents import Incident
from routing.network import Network
from routing.projection import geometry_to_metric

#: Zones where fire or fragments reach: a major hazard unit inside one is a domino risk.
FIRE_ZONES = ("fire_isolation", "bleve_evacuation")


def assess(session: Session, incident: Incident) -> dict[str, Any]:
    """The incident's exposure, as ``GET /api/v1/incidents/{id}/exposure`` returns it."""
    network = road_network(wait=True)
    sites = exposed_sites(session, incident)
    return {
        "incident_id": str(incident.id),
        "sites": sites,
        "exposed_population": sum(s["exposed_population"] or 0 for s in sites),
        "sites_without_population": sum(1 for s in sites if s["exposed_population"] is None),
        "domino_risk": [s["name"] for s in sites if any(u["domino_risk"] for u in s["units"])],
        "districts": districts_affected(incident, sites),
        "waybills": [{"waybill_id": str(h.waybill.id), "number": h.waybill.number, "where": h.where,
                      "position": list(h.position)} for h in trips_at_risk(session, incident, network=network)],
        "roads": roads_inside(incident, network),
    }


def _zones(incident: Incident) -> list[tuple[str, BaseGeometry]]:
    return [(f["properties"]["kind"], shape(f["geometry"])) for f in incident.zones["features"]]


def exposed_sites(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """The active sites inside any zone, each with its zones, population and units (see the module's note)."""
    west, south, east, north = area_of(incident.zones).bounds
    candidates = list(session.scalars(select(Site).where(
        Site.active, Site.lon.between(west, east), Site.lat.between(south, north)).order_by(Site.name)))
    zones = _zones(incident)
    inside = {}
    for site in candidates:
        point = shapely.Point(site.lon, site.lat)
        kinds = sorted({kind for kind, geometry in zones if geometry.covers(point)})
        if kinds:
            inside[site.id] = (site, kinds)
    figures = assess_units(session, [site for site, _ in inside.values()]) if inside else {}
    return [_site_json(site, kinds, figures[site.id]) for site, kinds in inside.values()]


def _site_json(site: Site, kinds: list[str], figure: Any) -> dict[str, Any]:
    fire = any(kind in FIRE_ZONES for kind in kinds)
    units = []
    for unit in figure.units:
        grade = unit.assessment.grade
        held = [*unit.assessment.terms, *unit.assessment.not_counted]
        units.append({"unit_id": str(unit.unit_id) if unit.unit_id else None, "name": unit.assessment.name,
                      "grade": str(grade) if grade else None, "major_hazard_source": grade is not None,
                      "domino_risk": fire and grade is not None,
                      "chemicals": [{"name": c.name, "un_number": c.un_number, "design_maximum_t": number(c.q_t)}
                                    for c in held]})
    return {"site_id": str(site.id), "name": site.name, "kind": str(site.kind),
            "enterprise_id": str(site.enterprise_id),
            "lon": site.lon, "lat": site.lat, "zones": kinds, "exposed_population": site.exposed_population,
            "district_adcode": site.district_adcode, "units": units}


@functools.lru_cache(maxsize=2)
def _outlines(path: str) -> tuple[tuple[str, str, BaseGeometry], ...]:
    """The districts of the boundaries file, in WGS-84 (adcode, name, outline)."""
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    return tuple((str(f["properties"]["adcode"]), f["properties"]["name"], shape(f["geometry"])) for f in features)


def districts_affected(incident: Incident, sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The districts the zones touch (by the boundaries file, when installed) and those of the exposed sites."""
    path = Path(current_app.config["DATA_DIR"]) / current_app.config["DISTRICTS_FILE"]
    outlines = _outlines(str(path)) if path.is_file() else ()
    area = area_of(incident.zones)
    found = {adcode: {"adcode": adcode, "name": name, "by": "outline"}
             for adcode, name, outline in outlines if outline.intersects(area)}
    names = {adcode: name for adcode, name, _ in outlines}
    for site in sites:
        code = site["district_adcode"]
        if code and code not in found:
            found[code] = {"adcode": code, "name": names.get(code, code), "by": "site"}
    return sorted(found.values(), key=lambda d: d["adcode"])


def roads_inside(incident: Incident, network: Network | None) -> dict[str, Any]:
    """The road edges touching the zones: how many, their names and OSM ways (none without a network)."""
    if network is None:
        return {"network": False, "edges": 0, "names": [], "osm_way_ids": []}
    metric = geometry_to_metric(area_of(incident.zones), network.crs)
    hit = network.edges[shapely.intersects(network.edges.geometry.values, metric)]
    names = sorted({str(n) for value in hit.get("name", []) for n in (value if isinstance(value, list) else [value])
                    if isinstance(n, str) and n})
    ways = sorted({int(w) for value in hit["osmid"] for w in (value if isinstance(value, list) else [value])})
    return {"network": True, "edges": int(len(hit)), "names": names, "osm_way_ids": ways}
