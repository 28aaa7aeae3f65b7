"""``hazledger hazard compute FILE``: GB 18218-2018 for a plant described in a JSON file; no database."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import marshmallow as ma

from app.cli._common import echo_json, fail


@click.group("hazard")
def hazard() -> None:
    """Major hazard sources (GB 18218-2018)."""


def _load(path: Path) -> dict[str, Any]:
    from app.api.hazard.schemas import PlantIn

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        fail(f"{path}: not a readable JSON file ({error})")
    try:
        return PlantIn().load(document)  # type: ignore[no-any-return]
    except ma.ValidationError as error:
        fail(f"{path}: {json.dumps(error.messages, ensure_ascii=False)}")


@hazard.command("compute")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def compute_command(file: Path, fmt: str) -> None:
    """S, R and the grade of each unit in FILE and the site's grade (its worst unit's).

    FILE: {"exposed_population": N or null, "units": [{"name": S, "chemicals": [{"un_number" or "cas" or
    "category": S, "quantity_t": F}]}]}, quantities being each unit's design maximums. Exit 0, or 2 on bad input.
    """
    from app.services.hazards.identification import compute

    plant = _load(file)
    report = compute(plant["exposed_population"], plant["units"])
    if fmt == "json":
        echo_json(report)
        return
    click.echo(f"α = {report['alpha']} ({report['alpha_basis']})")
    for unit in report["units"]:  # type: ignore[union-attr]
        click.echo(f"{unit['name']}: S = {unit['s']}, R = {unit['r']}, {unit['grade'] or '非重大危险源'}")
        for term in unit["terms"]:
            click.echo(f"  {term['name']}: q = {term['q_t']} t, Q = {term['threshold_t']} t "
                       f"({term['threshold_source']}), β = {term['beta']} ({term['beta_source']})")
        for item in unit["not_counted"]:
            click.echo(f"  {item['name']}: {item['q_t']} t not counted ({item['reason']})")
    click.echo(f"site: {report['grade'] or '非重大危险源'} (the worst unit's grade)")
