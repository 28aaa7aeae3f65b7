"""The demo tells one consistent story (issue 24): numbers dated on their movement's day, a status history that
agrees with the departure and arrival times, and every documented flow working on the demo as loaded."""
from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from app import create_app
from app.cli import cli
from app.extensions import db
from app.services.demo_scenario import NATIONAL, VEHICLE_CONTENT
from models.types import utcnow

ORDER = ["draft", "submitted", "approved", "rejected", "cancelled", "in_transit", "delivered", "closed"]


def _load(database_url: str) -> dict:
    result = CliRunner().invoke(cli, ["--database-url", database_url, "demo", "load", "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_the_demo_story_is_consistent_and_its_generator_can_ship_its_waste_oil(fresh_database_url):
    demo = _load(fresh_database_url)
    app = create_app({"DATABASE_URL": fresh_database_url})
    client = app.test_client()
    as_ = {role: {"Authorization": f"Bearer {token}"} for role, token in demo["tokens"].items()}

    for waybill_id in demo["waybills"]:
        waybill = client.get(f"/api/v1/waybills/{waybill_id}", headers=as_["supervisor"]).get_json()
        created = _when(waybill["created_at"])
        assert waybill["number"][2:10] == f"{created:%Y%m%d}", waybill["number"]
        events = {event["to_status"]: _when(event["at"]) for event in waybill["events"]}
        assert abs(events["draft"] - created) < dt.timedelta(seconds=1)  # stamped by the same request
        times = [events[status] for status in ORDER if status in events]
        assert times == sorted(times), waybill["events"]
        if waybill["departed_at"]:
            departed = _when(waybill["departed_at"])
            assert events["in_transit"] == departed and created < departed
            assert created.date() == departed.date(), (waybill["number"], created, departed)
        if waybill["delivered_at"]:
            assert events["delivered"] == _when(waybill["delivered_at"])
        assert max(times) <= utcnow()

    [manifest] = client.get("/api/v1/waste-manifests", headers=as_["supervisor"]).get_json()
    waybill = client.get(f"/api/v1/waybills/{manifest['waybill_id']}", headers=as_["supervisor"]).get_json()
    # opened with its waybill; its national number (转移管理办法) begins with the year
    assert _when(manifest["created_at"]) == _when(waybill["created_at"])
    assert waybill["number"][2:10] == f"{_when(manifest['created_at']):%Y%m%d}"
    assert manifest["number"][:4] == f"{_when(manifest['created_at']):%Y}" and len(manifest["number"]) == 14

    # The works (the demo's generator) ships its waste mineral oil, UN 3082 class 9, to the disposer.
    disposer = next(e for e in client.get("/api/v1/enterprises?q=滨湖", headers=as_["supervisor"]).get_json())
    carrier = next(e for e in client.get("/api/v1/enterprises?role=carrier", headers=as_["supervisor"]).get_json())
    [works] = client.get("/api/v1/sites?q=梅村厂区", headers=as_["consignee"]).get_json()
    [facility] = client.get("/api/v1/sites?q=胡埭处置中心", headers=as_["supervisor"]).get_json()
    oil = client.get("/api/v1/batches/XW-WASTE-000", headers=as_["consignee"]).get_json()["batch"]
    manifest = client.post("/api/v1/waste-manifests", headers=as_["consignee"], json={
        "carrier_id": carrier["id"], "disposer_id": disposer["id"], "disposer_site_id": facility["id"],
        "disposal_method": "D10", "lines": [{"batch": "XW-WASTE-000", "quantity_kg": "180"}]})
    assert manifest.status_code == 201, manifest.get_json()
    departs = utcnow() + dt.timedelta(days=1)
    draft = client.post("/api/v1/waybills", headers=as_["consignee"], json={
        **NATIONAL, **VEHICLE_CONTENT["van"], "waste_manifest_number": manifest.get_json()["number"],
        "consignee_id": disposer["id"], "carrier_id": carrier["id"], "vehicle_plate": "苏B23456",
        "driver_certificate": "32028100121235", "escort_certificate": "32028100150027",
        "loading_site_id": works["id"], "unloading_site_id": facility["id"],
        "departure_earliest": departs.isoformat(), "departure_latest": (departs + dt.timedelta(hours=4)).isoformat(),
        "emergency_contact": "0510-86801119",
        "lines": [{"batch_id": oil["id"], "quantity_kg": "180", "packaging_kind": "drum", "packaging_count": 1}]})
    assert draft.status_code == 201, draft.get_json()
    body = draft.get_json()
    submitted = client.post(f"/api/v1/waybills/{body['id']}/submit", headers=as_["consignee"],
                            json={"row_version": body["row_version"]})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "issued"  # Order 29: no approval for an ordinary waybill
    assert submitted.get_json()["current"]["lines"][0]["hazard_class"] == "9"
    db.dispose(app)


def test_a_story_waybill_is_made_and_issued_on_the_day_it_departs_whatever_the_hour_the_demo_loads():
    """The demo's past trips depart at the hour it loads, less some days: one loaded at 00:04 UTC made the waybill
    at 18:04 the day before, dated its number that day, and broke the story above."""
    from app.services.demo_scenario import _story_time

    for departs in (dt.datetime(2026, 11, 29, 0, 4, 25, tzinfo=dt.timezone.utc),
                    dt.datetime(2026, 11, 29, 5, 59, tzinfo=dt.timezone.utc),
                    dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.timezone.utc)):
        draft, issued = _story_time("draft", departs), _story_time("issued", departs)
        assert draft.date() == issued.date() == departs.date()
        assert draft < issued < departs
    late = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.timezone.utc)
    assert late - _story_time("draft", late) == dt.timedelta(hours=6)
    assert _story_time("delivered", late) == late + dt.timedelta(hours=2)
