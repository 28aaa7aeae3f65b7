"""Done when: a terminal session through the gateway alone makes the demo's deviation and forbidden-zone alerts
appear (the demo loaded without its track; the simulated tanker terminal registers, authenticates, reports the
detour, and uploads the stretch it kept back as a blind area)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json

from click.testing import CliRunner
from sqlalchemy import select

from app import create_app
from app.cli import cli
from app.extensions import db
from app.gateway.server import Backend, Gateway, flask_runner
from app.gateway.simulator import DEMO_GAP, drive_demo
from app.services.demo_track import DEMO_TRACK
from models import Waybill, WaybillStatus

#: A hang guard only, far beyond the few seconds the session takes.
GUARD_S = 300


def test_the_demo_alerts_come_through_the_gateway(fresh_database_url):
    loaded = CliRunner().invoke(cli, ["--database-url", fresh_database_url, "demo", "load", "--without-track",
                                      "--format", "json"], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    supervisor = {"Authorization": f"Bearer {json.loads(loaded.stdout)['tokens']['supervisor']}"}
    app = create_app({"DATABASE_URL": fresh_database_url})
    client = app.test_client()
    assert not client.get("/api/v1/alerts?kind=deviation", headers=supervisor).get_json()
    with app.app_context():
        departed = db.session.scalar(select(Waybill.departed_at).where(
            Waybill.status == WaybillStatus.IN_TRANSIT, Waybill.corridor_id.is_not(None)))
    backend = Backend(flask_runner(app))

    async def session() -> dict:
        gateway = Gateway(backend, interval=0.05)
        host, port = await gateway.start("127.0.0.1", 0)
        try:
            # As the demo's own upload does (demo_track.py): the terminal reports from 10 s after departure.
            return await drive_demo(host, port, DEMO_TRACK, start=departed + dt.timedelta(seconds=10))
        finally:
            await gateway.stop()

    try:
        outcome = asyncio.run(asyncio.wait_for(session(), GUARD_S))
    finally:
        backend.close()
    gap = DEMO_GAP[1] - DEMO_GAP[0]
    assert outcome == {"registered": "SUCCESS", "authenticated": "SUCCESS", "reported": 163 - gap,
                       "accepted": 163 - gap, "blind_area": gap, "blind_area_result": "SUCCESS"}
    alerts = client.get("/api/v1/alerts?state=open", headers=supervisor).get_json()
    trip_alerts = sorted(a["kind"] for a in alerts if a["waybill_id"])
    assert trip_alerts == ["deviation", "forbidden_zone"]
    [waybill] = {a["waybill_id"] for a in alerts if a["waybill_id"]}
    report = client.get(f"/api/v1/waybills/{waybill}/compliance", headers=supervisor).get_json()
    assert report["points"] == 163  # the blind-area stretch is in the trip's record too
    assert [e["kind"] for e in report["episodes"]] == ["deviation", "forbidden_zone"]
    terminals = client.get("/api/v1/terminals", headers=supervisor)
    if terminals.status_code == 200:  # the endpoint's own tests are in test_terminals_api.py
        [tanker] = [t for t in terminals.get_json() if t["terminal"] == "013912345678"]
        assert tanker["connected"] is False and tanker["last_message_id"] == "0x0704"
    db.dispose(app)
