"""Managed corridors and forbidden zones (issue 7, first part): REST, validation by the routing engine."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from app.services.corridors import trip_geojson
from models import Corridor, Role, Zone
from tests.factories import auth, make_user
from tests.paths import DEMO_CORRIDOR

LINE = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"width_m": 40},
     "geometry": {"type": "LineString", "coordinates": [[121.47, 31.23], [121.49, 31.23]]}}]}
SQUARE = {"type": "Polygon", "coordinates": [[[121.478, 31.228], [121.482, 31.228], [121.482, 31.232],
                                              [121.478, 31.232], [121.478, 31.228]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[121.47, 31.22], [121.48, 31.23], [121.48, 31.22],
                                              [121.47, 31.23], [121.47, 31.22]]]}
FAR_AWAY = {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.31, 39.9], [116.31, 39.91], [116.3, 39.9]]]}


@pytest.fixture
def admin(session):
    return auth(make_user(session, Role.ADMIN)[1])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_register_and_read_a_corridor(client, session, admin):
    payload = {"name": "外环危化品通道", "geojson": LINE, "hazard_classes": ["3", "8"]}
    created = client.post("/api/v1/corridors", json=payload, headers=admin)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["bbox"] == pytest.approx([121.47, 31.23, 121.49, 31.23])
    carrier = auth(make_user(session, Role.ENTERPRISE)[1])
    fetched = client.get(f"/api/v1/corridors/{body['id']}", headers=carrier).get_json()
    assert fetched["geojson"] == LINE and fetched["hazard_classes"] == ["3", "8"]


def test_the_demo_corridor_file_registers(client, admin):
    geojson = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    geojson["features"] = [f for f in geojson["features"] if (f.get("properties") or {}).get("role") != "forbidden"]
    assert client.post("/api/v1/corridors", json={"name": "demo", "geojson": geojson},
                       headers=admin).status_code == 201


@pytest.mark.parametrize("geojson, reason", [
    ({"type": "FeatureCollection", "features": []}, "no usable geometry"),
    ({"type": "Point", "coordinates": [121.4, 31.2]}, "must be a FeatureCollection"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
      "geometry": {"type": "LineString", "coordinates": [[200, 31], [201, 31]]}}]}, "out of range"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"role": "forbidden"},
      "geometry": SQUARE}]}, "forbidden"),
])
def test_unusable_corridors_are_422_and_write_nothing(client, session, admin, geojson, reason):
    before = count(session, Corridor)
    response = client.post("/api/v1/corridors", json={"name": "bad", "geojson": geojson}, headers=admin)
    assert response.status_code == 422
    assert reason in " ".join(response.get_json()["errors"]["geojson"])
    assert count(session, Corridor) == before


def test_zone_rules_windows_and_repair(client, session, admin):
    payload = {"name": "水源保护区", "rule": "no_entry", "geometry": SQUARE, "time_windows": [["07:00", "09:00"]]}
    ok = client.post("/api/v1/zones", json=payload, headers=admin)
    assert ok.status_code == 201, ok.get_json()
    repaired = client.post("/api/v1/zones", json={"name": "bow tie", "rule": "no_stop", "geometry": BOWTIE},
                           headers=admin)
    assert repaired.status_code == 201  # a self-intersecting ring is repaired by make_valid, not refused


@pytest.mark.parametrize("payload, field", [
    ({"name": "z", "rule": "no_parking", "geometry": SQUARE}, "rule"),
    ({"name": "z", "rule": "no_entry", "geometry": {"type": "LineString", "coordinates": []}}, "geometry"),
    ({"name": "z", "rule": "no_entry", "geometry": SQUARE, "time_windows": [["7am", "9am"]]}, "time_windows.0.0"),
    ({"name": "z", "rule": "no_entry", "geometry": SQUARE, "tz": "Mars/Olympus"}, "geometry"),
    ({"name": "z", "rule": "no_entry", "geometry": SQUARE, "hazard_classes": ["10"]}, "hazard_classes.0"),
])
def test_bad_zones_are_422(client, session, admin, payload, field):
    before = count(session, Zone)
    response = client.post("/api/v1/zones", json=payload, headers=admin)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert count(session, Zone) == before


def test_only_admin_registers_everyone_reads(client, session, admin):
    for role in (Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE):
        token = auth(make_user(session, role)[1])
        assert client.post("/api/v1/zones", json={"name": "z", "rule": "no_entry", "geometry": SQUARE},
                           headers=token).status_code == 403
        assert client.get("/api/v1/zones", headers=token).status_code == 200


def test_deactivate_and_filter(client, session, admin):
    zone = client.post("/api/v1/zones", json={"name": "临时管制", "rule": "no_entry", "geometry": SQUARE},
                       headers=admin).get_json()
    patched = client.patch(f"/api/v1/zones/{zone['id']}", json={"active": False}, headers=admin)
    assert patched.get_json()["active"] is False
    listed = client.get("/api/v1/zones?active=true", headers=admin).get_json()
    assert zone["id"] not in [z["id"] for z in listed]
    assert client.patch(f"/api/v1/zones/{zone['id']}", json={"geometry": SQUARE}, headers=admin).status_code == 422


def test_trip_geometry_has_the_corridor_and_only_nearby_active_zones(client, session, admin):
    corridor = client.post("/api/v1/corridors", json={"name": "c", "geojson": LINE, "hazard_classes": ["3"]},
                           headers=admin).get_json()
    for name, geometry in (("near", SQUARE), ("far", FAR_AWAY)):
        client.post("/api/v1/zones", json={"name": name, "rule": "no_entry", "geometry": geometry}, headers=admin)
    trip = trip_geojson(session, session.get(Corridor, uuid.UUID(corridor["id"])))
    names = [f["properties"].get("name") for f in trip["features"] if f["properties"].get("role") == "forbidden"]
    assert names == ["near"]
    assert trip["features"][0]["properties"]["hazard_classes"] == ["3"]


def test_cli_import_is_all_or_nothing(fresh_database_url, tmp_path):
    from click.testing import CliRunner

    from app.cli import cli

    geojson = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(geojson))
    zone = next(f for f in broken["features"] if (f.get("properties") or {}).get("role") == "forbidden")
    zone["properties"]["rule"] = "no_parking"
    (tmp_path / "broken.geojson").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "good.geojson").write_text(json.dumps(geojson), encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(cli, ["--database-url", fresh_database_url, "corridors", "import", *args])

    failed = run(str(tmp_path / "broken.geojson"), "--name", "demo", "--with-zones")
    assert failed.exit_code == 2 and "no_parking" in failed.stderr
    done = run(str(tmp_path / "good.geojson"), "--name", "demo", "--with-zones")  # the name is still free
    assert done.exit_code == 0, done.output
    assert sum(line.startswith("zone ") for line in done.stdout.splitlines()) == 2
