"""``hazledger incident zones``: the ERG 2016 zones of a spill, offline (no database), for drills.

Exit 0 with GeoJSON (or a JSON summary), 2 on bad input with a one-line reason on stderr.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli._common import echo_json
from app.cli.route import _catalogue_option, _FILE, _reasons_to_exit_2, un_catalogue
from app.config import DEFAULTS
from routing._errors import RoutingInputError

if TYPE_CHECKING:
    from routing.emergency import ErgTable

# The ERG lookup of the shared reference data (../shared/data/README.md); HAZLEDGER_ERG_FILE or --erg names another.
DEFAULT_ERG = Path(str(DEFAULTS["DATA_DIR"])) / str(DEFAULTS["ERG_FILE"])

incident = click.Group("incident", help="Dangerous-goods incidents: ERG 2016 zones (no database needed).")


def erg_table(path: Path | None) -> ErgTable:
    """The ERG lookup of ``--erg``, else ``$HAZLEDGER_ERG_FILE``, else the shared one."""
    from routing.emergency import load_erg

    path = path or Path(os.environ.get("HAZLEDGER_ERG_FILE") or DEFAULT_ERG)
    if not path.is_file():
        raise RoutingInputError(f"ERG table not found: {path} (use --erg FILE)")
    return load_erg(path)


@incident.command("zones")
@click.option("--un", "un_number", default=None, metavar="NUMBER",
              help="UN number of the cargo, e.g. 1017; omit it for an unidentified load.")
@click.option("--name", "material_name", default=None,
              help="Shipping name (picks the ERG entry when a UN number has several; default: the UN list's).")
@click.option("--class", "hazard_class", default=None, metavar="CLASS",
              help="The placard's ADR class, when the UN number is unknown or has no ERG entry (e.g. 3, 2.3).")
@click.option("--lon", type=float, required=True, help="Spill longitude, WGS-84 degrees.")
@click.option("--lat", type=float, required=True, help="Spill latitude, WGS-84 degrees.")
@click.option("--large", is_flag=True, help="Large spill (default: small).")
@click.option("--night", is_flag=True, help="Between sunset and sunrise (default: day).")
@click.option("--fire", is_flag=True, help="The tank is on fire or exposed to fire.")
@click.option("--in-water", is_flag=True, help="Spilled in water (water-reactive materials).")
@click.option("--wind-from", "wind_from", type=float, default=None, metavar="DEG",
              help="Where the wind blows from, degrees clockwise from north (unknown: circles).")
@click.option("--wind-speed-ms", type=float, default=None, help="Wind speed, m/s (ERG Table 3's wind class).")
@click.option("--capacity-l", type=float, default=None, help="Tank capacity, litres (BLEVE distance).")
@click.option("--container", type=click.Choice(["rail", "truck", "multi-ton", "small-cylinders", "nurse-tank",
                                                "multi-small"]),
              default="truck", show_default=True, help="ERG Table 3 container for a large spill of its gases.")
@click.option("--erg", "erg_path", type=_FILE, default=None,
              help="ERG lookup CSV (default: the shared erg2016_lookup.csv).")
@_catalogue_option
@click.option("--format", "fmt", type=click.Choice(["geojson", "json"]), default="geojson", show_default=True)
@_reasons_to_exit_2
def zones(un_number: str | None, material_name: str | None, hazard_class: str | None, lon: float, lat: float,
          large: bool, night: bool, fire: bool, in_water: bool, wind_from: float | None,
          wind_speed_ms: float | None, capacity_l: float | None, container: str, erg_path: Path | None,
          catalogue: Path | None, fmt: str) -> None:
    """The ERG 2016 isolation, protective action, fire and BLEVE zones of a spill; every figure names its table."""
    from routing.cargo import normalise_un
    from routing.emergency import Scenario, compute_zones

    table = erg_table(erg_path)
    code = ""
    un = normalise_un(un_number) if un_number else None
    if un is not None:
        entries = un_catalogue(catalogue)
        if un not in entries:
            raise RoutingInputError(f"UN{un} is not in the UN catalogue")
        entry = entries[un]
        material_name = material_name or entry.description
        hazard_class = hazard_class or entry.hazard_class
        code = entry.classification_code
    scenario = Scenario(un_number=un, material_name=material_name, hazard_class=hazard_class,
                        classification_code=code, large=large, night=night, fire=fire, in_water=in_water,
                        wind_from_deg=wind_from, wind_speed_ms=wind_speed_ms, capacity_l=capacity_l,
                        container=container)
    result = compute_zones(table, scenario, lon, lat)
    echo_json(result.to_geojson() if fmt == "geojson" else result.summary())
