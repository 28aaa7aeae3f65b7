"""``hazledger corridors import`` and ``hazledger zones import``: GeoJSON files into managed records."""
from __future__ import annotations

import json
from pathlib import Path

import click

from app.cli import CliContext
from app.cli._common import fail, writes
from app.extensions import db
from app.services.corridors import ZONE_FIELDS, import_geojson


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not a readable GeoJSON file ({exc})")


def _split(geojson: dict) -> tuple[list[dict], list[dict]]:
    """Corridor features and zone features (``"role": "forbidden"``) of a FeatureCollection."""
    features = geojson.get("features") if geojson.get("type") == "FeatureCollection" else [geojson]
    if not isinstance(features, list):
        fail("expected a GeoJSON FeatureCollection or Feature")
    zones = [f for f in features if isinstance(f, dict) and (f.get("properties") or {}).get("role") == "forbidden"]
    return [f for f in features if f not in zones], zones


@click.group("corridors")
def corridors() -> None:
    """Corridors the authority permits."""


@corridors.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", required=True)
@click.option("--hazard-class", "classes", multiple=True, help="Classes the corridor is approved for (repeat).")
@click.option("--with-zones", is_flag=True, help="Also register the file's forbidden zones, named by their 'name'.")
@click.pass_obj
@writes
def import_corridor(obj: CliContext, file: Path, name: str, classes: tuple[str, ...], with_zones: bool) -> None:
    """Register the corridor drawn in FILE (its lines, polygons and road lists)."""
    parts, zones = _split(_read(file))
    zone_records = [
        {**{key: props[key] for key in ZONE_FIELDS if props.get(key)}, "geometry": feature.get("geometry"),
         "name": props.get("name") or f"{name} zone {number}", "rule": props.get("rule") or "no_entry"}
        for number, feature in enumerate(zones if with_zones else [], start=1)
        for props in [feature.get("properties") or {}]
    ]
    corridor = {"name": name, "hazard_classes": list(classes),
                "geojson": {"type": "FeatureCollection", "features": parts}}
    with obj.app.app_context():
        record, zone_rows = import_geojson(db.session, corridor, zone_records)
        click.echo(f"corridor {record.name} registered: {record.id}")
        for zone in zone_rows:
            click.echo(f"zone {zone.name} ({zone.rule}) registered: {zone.id}")
