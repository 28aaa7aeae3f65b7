"""Zones the authority marks as needing a pass (Order 29 e-waybills, issue 15): a waybill whose permitted
corridor enters an active one waits for public security's pass; the zone is named as the reason."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, select

from app.services.waybills.submission import checked
from app.services.waybills.passes import pass_reasons
from models import Corridor, Role, Zone
from models.waybills import Waybill
from tests.app.waybills.test_lifecycle import API, post
from tests.app.waybills.test_order29 import _submitted
from tests.factories import auth, make_user

#: a corridor 200 m either side of a diagonal line; the zones below lie within its bounding box (plus margin)
LINE = {"type": "Feature", "properties": {"width_m": 200},
        "geometry": {"type": "LineString", "coordinates": [[120.3, 31.5], [120.4, 31.6]]}}


def _square(lon: float, lat: float, half: float = 0.004) -> dict:
    corners = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [corners + [corners[0]]]}


CROSSED = _square(120.35, 31.55)  # the line runs through its middle
BESIDE = _square(120.335, 31.585)  # about 3 km off the line: near its box, outside its 200 m


def _corridor(client, trip) -> str:
    created = client.post("/api/v1/corridors", headers=trip.headers["admin"], json={
        "name": "锡山通道", "geojson": {"type": "FeatureCollection", "features": [LINE]}})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def _zone(client, trip, name: str, geometry: dict, **extra) -> dict:
    created = client.post("/api/v1/zones", headers=trip.headers["admin"], json={
        "name": name, "rule": "no_stop", "geometry": geometry, "requires_pass": True, **extra})
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def _reasons(session, waybill_id: str) -> list[str]:
    waybill = session.get(Waybill, uuid.UUID(waybill_id))
    session.refresh(waybill)
    lines, _warnings, _facts = checked(session, waybill, waybill.current)
    return pass_reasons(session, waybill, lines)


def test_a_corridor_entering_a_zone_needing_a_pass_waits_for_one_naming_the_zone(client, session, trip):
    corridor_id = _corridor(client, trip)
    zone = _zone(client, trip, "老城区限行区", CROSSED)
    assert zone["requires_pass"] is True
    waybill = _submitted(client, trip, corridor_id=corridor_id)
    assert waybill["status"] == "awaiting_pass"
    assert _reasons(session, waybill["id"]) == ["corridor 锡山通道 enters zone 老城区限行区, entered only with a pass"]
    assert post(client, trip, "carrier", f"{API}/{waybill['id']}/depart").status_code == 409


@pytest.mark.parametrize("geometry, extra", [
    (BESIDE, {}),  # not crossed
    (CROSSED, {"hazard_classes": ["2"]}),  # crossed, but concerns gases, and methanol is class 3
    (CROSSED, {"requires_pass": False}),  # crossed, an ordinary zone
])
def test_a_waybill_is_issued_when_its_corridor_enters_no_zone_needing_a_pass(client, session, trip, geometry, extra):
    corridor_id = _corridor(client, trip)
    _zone(client, trip, "开发区", geometry, **extra)
    waybill = _submitted(client, trip, corridor_id=corridor_id)
    assert waybill["status"] == "issued"
    assert _reasons(session, waybill["id"]) == []


def test_an_inactive_zone_needs_no_pass(client, session, trip):
    corridor_id = _corridor(client, trip)
    zone = _zone(client, trip, "临时限行区", CROSSED)
    patched = client.patch(f"/api/v1/zones/{zone['id']}", json={"active": False}, headers=trip.headers["admin"])
    assert patched.status_code == 200 and patched.get_json()["requires_pass"] is True
    assert _submitted(client, trip, corridor_id=corridor_id)["status"] == "issued"


def test_a_zone_of_a_wider_class_concerns_its_divisions(client, session, trip):
    corridor_id = _corridor(client, trip)
    _zone(client, trip, "港区", CROSSED, hazard_classes=["3"])
    assert _submitted(client, trip, corridor_id=corridor_id)["status"] == "awaiting_pass"


def test_only_an_admin_marks_a_zone_and_bad_input_is_422(client, session, trip):
    body = {"name": "限行区", "rule": "no_stop", "geometry": CROSSED, "requires_pass": True}
    for role in (Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE):
        assert client.post("/api/v1/zones", json=body, headers=auth(make_user(session, role)[1])).status_code == 403
    refused = client.post("/api/v1/zones", json={**body, "requires_pass": "perhaps"}, headers=trip.headers["admin"])
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "requires_pass" in refused.get_json()["errors"]
    assert session.query(Zone).count() == 0
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "pass" in spec["ZoneIn"]["properties"]["requires_pass"]["description"]
    assert "requires_pass" in spec["ZoneOut"]["properties"]


def test_cli_import_reads_a_zones_requires_pass(fresh_database_url, tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    def run(requires_pass: object):
        zone = {"type": "Feature", "geometry": CROSSED,
                "properties": {"role": "forbidden", "name": "限行区", "rule": "no_stop", "requires_pass": requires_pass}}
        path = tmp_path / "corridor.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [LINE, zone]}), encoding="utf-8")
        return CliRunner().invoke(cli, ["--database-url", fresh_database_url, "corridors", "import", str(path),
                                        "--name", "锡山通道", "--with-zones"])

    refused = run("yes")
    assert refused.exit_code == 2 and "requires_pass" in refused.stderr
    done = run(True)
    assert done.exit_code == 0, done.output
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(Zone.requires_pass)).scalars().all() == [True]
            assert connection.execute(select(Corridor.name)).scalars().all() == ["锡山通道"]
    finally:
        engine.dispose()
