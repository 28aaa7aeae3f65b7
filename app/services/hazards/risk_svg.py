"""The risk map drawn as a self-contained SVG: district polygons, site dots, a legend and the attribution.

No tiles and no scripts: the system runs air-gapped, and an SVG can be embedded in a page or printed as it is.
Coordinates are projected equirectangularly around the map's middle latitude (a city spans a few tenths of a
degree, so the distortion is negligible). The map's extent is the districts' (the sites' when there are no
districts); sites outside it are counted below the legend, not drawn.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from app.i18n import N_, Text, label, localize

WIDTH = 900
MAP_HEIGHT_MAX = 900
MARGIN = 20
LEGEND_WIDTH = 230
#: A legend row: the level, and below it the grades it stands for.
LEGEND_ROW = 28


def _points(geometry: dict[str, Any]) -> Iterator[tuple[float, float]]:
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Point":
        yield coordinates[0], coordinates[1]
        return
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    for polygon in polygons:
        for ring in polygon:
            for lon, lat, *_ in ring:
                yield lon, lat


def _extent(features: Iterable[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    points = [p for f in features for p in _points(f["geometry"])]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad = 0.01  # degrees: a lone site still gets a frame
    return min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad


def render(collection: dict[str, Any], title: str | None = None, attributes: Mapping[str, str] | None = None) -> str:
    """The SVG document of a :func:`~app.services.hazards.risk_map.risk_map` FeatureCollection; *attributes*
    are added to its root element (an ``id``, a ``role`` when a page embeds it). Its words are in the reader's
    language (the page's, or the API's ``Accept-Language``); names are data and stay as they are."""
    title = title or localize(N_("Major hazard sources: four-colour risk map (Wuxi)"))
    districts = [f for f in collection["features"] if f["properties"]["kind"] == "district"]
    sites = [f for f in collection["features"] if f["properties"]["kind"] == "site"]
    incidents = [f for f in collection["features"] if f["properties"]["kind"].startswith("incident_")]
    extent = _extent(districts or sites) or (119.3, 31.0, 120.7, 32.1)  # Wuxi, when there is nothing to show
    west, south, east, north = extent
    x_scale = math.cos(math.radians((south + north) / 2))
    map_width = WIDTH - LEGEND_WIDTH - 2 * MARGIN
    scale = min(map_width / ((east - west) * x_scale), MAP_HEIGHT_MAX / (north - south))
    credits = [*map(localize, collection["attribution"]),
               localize(N_("Major hazard sources: GB 18218-2018, from the hazledger ledger"))]
    height = int((north - south) * scale) + 2 * MARGIN + 30 + 14 * (len(credits) + 1)

    def xy(lon: float, lat: float) -> str:
        return f"{MARGIN + (lon - west) * x_scale * scale:.1f},{MARGIN + 30 + (north - lat) * scale:.1f}"

    extra = "".join(f" {name}={quoteattr(value)}" for name, value in (attributes or {}).items())
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12"{extra}>',
             f"<title>{escape(title)}</title>", '<rect width="100%" height="100%" fill="#ffffff"/>',
             f'<text x="{MARGIN}" y="{MARGIN + 10}" font-size="16" font-weight="bold">{escape(title)}</text>']
    for feature in districts:
        props = feature["properties"]
        parts.append(f'<path d="{_path(feature["geometry"], xy)}" fill="{props["colour"]}" fill-opacity="0.35" '
                     f'fill-rule="evenodd" stroke="#555555" stroke-width="0.8">'
                     f'<title>{escape(_district_tip(props))}</title>'
                     "</path>")
        lon, lat = _label_point(feature["geometry"])
        x, y = xy(lon, lat).split(",")
        parts.append(f'<text x="{x}" y="{y}" text-anchor="middle" fill="#333333" translate="no">'
                     f'{escape(props["name"])}</text>')
    for feature in incidents:  # over the districts, under the sites: the sites inside stay visible
        props = feature["properties"]
        parts.append(f'<path class="incident-zone {props["kind"]}" data-incident="{props["incident_id"]}" '
                     f'd="{_path(feature["geometry"], xy)}" fill="{props["colour"]}" fill-opacity="0.2" '
                     f'fill-rule="evenodd" stroke="{props["colour"]}" stroke-width="1.5" stroke-dasharray="6 3">'
                     f'<title>{escape(_incident_tip(collection, props))}</title></path>')
    outside = 0
    for feature in sites:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        if not (west <= lon <= east and south <= lat <= north):
            outside += 1
            continue
        x, y = xy(lon, lat).split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="6" fill="{props["colour"]}" stroke="#000000" stroke-width="1">'
                     f"<title>{escape(_site_tip(props))}</title></circle>")
        parts.append(f'<text x="{float(x) + 8:.1f}" y="{float(y) + 4:.1f}" font-size="10" fill="#111111" '
                     f'class="site-name" translate="no">{escape(props["name"])}</text>')
    parts += _legend(collection, outside)
    for n, line in enumerate(credits):
        y = height - MARGIN - 14 * (len(credits) - 1 - n)
        parts.append(f'<text x="{MARGIN}" y="{y}" font-size="10" fill="#555555">{escape(line)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _path(geometry: dict[str, Any], xy: Callable[[float, float], str]) -> str:
    """The SVG path of a (multi)polygon, *xy* placing its points."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return " ".join("M" + " L".join(xy(lon, lat) for lon, lat, *_ in ring) + " Z"
                    for polygon in polygons for ring in polygon)


def _incident_tip(collection: dict[str, Any], props: Mapping[str, Any]) -> str:
    entry = next(e for e in collection["incident_legend"] if e["kind"] == props["kind"])
    cargo = f"UN{props['un_number']}" if props["un_number"] else localize(N_("Unidentified load"))
    return f"{localize(entry['label'])}: {cargo}, {label('incident_state', props['state'])}"


def _label_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """The middle of the largest polygon's outer ring's bounding box: good enough for a district label."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    ring = max((polygon[0] for polygon in polygons), key=len)
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


def _district_tip(props: Mapping[str, Any]) -> str:
    return localize(Text(N_("{name}: {level}, {count} site(s)"), name=props["name"],
                         level=label("risk_level", props["level"]), count=props["sites"]))


def _site_tip(props: Mapping[str, Any]) -> str:
    grade = label("hazard_grade", props["grade"]) if props["grade"] else localize(N_("not a major hazard source"))
    return localize(Text(N_("{name}: {level}; S = {s}, R = {r}, {grade}"), name=props["name"],
                         level=label("risk_level", props["level"]), s=props["s"], r=props["r"], grade=grade))


def _legend(collection: dict[str, Any], outside: int) -> list[str]:
    x = WIDTH - LEGEND_WIDTH
    parts = [f'<g transform="translate({x},{MARGIN + 30})">',
             f'<text y="0" font-weight="bold">{escape(localize(N_("Legend")))}</text>']
    for n, entry in enumerate(reversed(collection["legend"])):
        y = 20 + n * LEGEND_ROW
        parts.append(f'<rect x="0" y="{y - 11}" width="16" height="14" fill="{entry["colour"]}" stroke="#000000"/>')
        parts.append(f'<text x="22" y="{y}">{escape(label("risk_level", entry["level"]))}</text>')
        parts.append(f'<text x="22" y="{y + 11}" font-size="9">{escape(label("risk_rule", entry["level"]))}</text>')
    raises = collection.get("policy", {}).get("critical_alert_raises", 1)
    rule = (Text(N_("An unresolved critical alert raises a site {levels} level(s)"), levels=raises) if raises
            else N_("Alerts do not change the risk level"))
    parts.append(f'<text y="{20 + 4 * LEGEND_ROW + 6}" font-size="10">{escape(localize(rule))}</text>')
    y = 20 + 4 * LEGEND_ROW + 20
    if outside:
        parts.append(f'<text y="{y}" font-size="10">'
                     f'{escape(localize(Text(N_("{count} site(s) outside the map area"), count=outside)))}</text>')
        y += 14
    for entry in collection.get("incident_legend", []):
        y += LEGEND_ROW
        parts.append(f'<rect x="0" y="{y - 11}" width="16" height="14" fill="{entry["colour"]}" fill-opacity="0.2" '
                     f'stroke="{entry["colour"]}" stroke-dasharray="6 3" class="legend-{entry["kind"]}"/>')
        parts.append(f'<text x="22" y="{y}" font-size="10">{escape(localize(entry["label"]))}</text>')
    parts.append("</g>")
    return parts
