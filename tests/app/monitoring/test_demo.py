"""The demo opens with live alerts: its tanker's detour went through the incremental checks."""
from __future__ import annotations

import json

from click.testing import CliRunner

from app import create_app
from app.cli import cli
from app.extensions import db


def test_demo_load_leaves_the_tanker_with_open_alerts(fresh_database_url):
    result = CliRunner().invoke(cli, ["--database-url", fresh_database_url, "demo", "load", "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    supervisor = {"Authorization": f"Bearer {json.loads(result.stdout)['tokens']['supervisor']}"}
    app = create_app({"DATABASE_URL": fresh_database_url})
    client = app.test_client()
    alerts = client.get("/api/v1/alerts?state=open", headers=supervisor).get_json()
    # The trip's two, and the inventory's (a major hazard source, waste stored too long).
    assert sorted(a["kind"] for a in alerts) == ["deviation", "forbidden_zone", "major_hazard", "waste_overdue"]
    [waybill] = {a["waybill_id"] for a in alerts if a["waybill_id"]}
    report = client.get(f"/api/v1/waybills/{waybill}/compliance", headers=supervisor).get_json()
    assert report["points"] == 163 and len(report["alerts"]) == 2
    assert [e["kind"] for e in report["episodes"]] == ["deviation", "forbidden_zone"]
    db.dispose(app)
