"""With map matching on, the live checks and ``hazledger route check --match`` find the same deviations and
overspeed episodes in the same fixes, uploaded in 1, 3 or 7 batches (issue 20): deviation by the matched road,
overspeed against each matched road's limit (Order 29 Art. 46), the alerts naming the roads; and in 163 uploads of
one fix each, many of which leave nothing final yet.

The drive is the demo detour on the real Shanghai extract (geodata/demo_track_detour.csv: off the demo corridor
on 合肥路, 马当路 and 复兴中路), replayed at 1.8 × its speed so that it speeds on 60 km/h roads.
"""
from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner

from app.cli.route import route
from app.services.corridors import register_corridor
from app.services.monitoring.settings import MonitorSettings
from tests.app.monitoring.conftest import alerts_of, replay
from routing.checks import fix_speeds
from routing.projection import to_metric, utm_crs
from tests.paths import DEMO_CORRIDOR, REPO, SHANGHAI_OSM

SPEED_UP = 1.8


def _corridor() -> dict:
    """The demo corridor's line, for any cargo (its zones are not what this test compares)."""
    data = json.loads(DEMO_CORRIDOR.read_text(encoding="utf-8"))
    line = data["features"][0]
    line["properties"] = {"name": line["properties"]["name"], "width_m": line["properties"]["width_m"]}
    return {"type": "FeatureCollection", "features": [line]}


def _fixes(t0: dt.datetime) -> list[dict]:
    """The demo drive from *t0*, each fix with the speed its terminal reports (as JT/T 808 terminals do; the
    speed from positions is measured over 30 s around a fix, which a batch's last fixes cannot have yet)."""
    with open(REPO / "geodata" / "demo_track_detour.csv", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    start = dt.datetime.fromisoformat(rows[0]["time"])
    seconds = np.array([(dt.datetime.fromisoformat(r["time"]) - start).total_seconds() / SPEED_UP for r in rows])
    lon, lat = np.array([float(r["lon"]) for r in rows]), np.array([float(r["lat"]) for r in rows])
    kph = fix_speeds(*to_metric(lon, lat, utm_crs(lon.min(), lat.min(), lon.max(), lat.max())), seconds)
    return [{"time": (t0 + dt.timedelta(seconds=s)).isoformat(), "lon": x, "lat": y, "speed": round(v, 1)}
            for s, x, y, v in zip(seconds.tolist(), lon.tolist(), lat.tolist(), kph.tolist())]


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)


def _route_check(tmp_path, app, fixes: list[dict], settings: MonitorSettings, corridor: dict | None = None
                 ) -> list[dict]:
    """``route check --match`` of *fixes* against *corridor* (the demo corridor's line by default)."""
    (tmp_path / "corridor.geojson").write_text(json.dumps(corridor or _corridor()), encoding="utf-8")
    rows = ["time,lon,lat,speed", *(f"{f['time']},{f['lon']},{f['lat']},{f['speed']}" for f in fixes)]
    (tmp_path / "track.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(route, [
        "check", "--corridor", str(tmp_path / "corridor.geojson"), "--track", str(tmp_path / "track.csv"),
        "--network", str(SHANGHAI_OSM), "--cache-dir", str(app.config["CACHE_DIR"]), "--match",
        "--sigma-m", str(settings.match_sigma_m), "--min-points", str(settings.min_points),
        "--min-seconds", str(settings.min_seconds), "--hysteresis-m", str(settings.hysteresis_m),
        "--max-gap-s", str(settings.max_gap_s)])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["episodes"]


@pytest.mark.parametrize("uploads", [1, 3, 7, 163])
def test_live_checks_by_road_and_route_check_match_agree(client, session, trip, matching, tmp_path, uploads):
    trip_, fixes = replay(client, session, trip, register_corridor(session, {"name": "演示通道",
                                                                             "geojson": _corridor()}).id,
                          _fixes, uploads)
    settings = MonitorSettings.from_config(matching.config)
    checked = _route_check(tmp_path, matching, fixes, settings)
    alerts = alerts_of(client, trip_)
    live = sorted((a["kind"], _when(a["started_at"]), _when(a["last_seen_at"]), a["details"].get("max_offset_m"),
                   a["details"].get("limit_kph"), a["details"].get("max_speed_kph"))
                  for a in alerts if a["kind"] in ("deviation", "overspeed"))
    expected = sorted((e["kind"], _when(e["start"]), _when(e["end"]),
                       e["max_offset_m"] if e["kind"] == "deviation" else None,
                       e.get("limit_kph"), e.get("max_speed_kph"))
                      for e in checked if e["kind"] in ("deviation", "overspeed"))
    assert {e[0] for e in expected} == {"deviation", "overspeed"}
    assert live == expected
    for alert in (a for a in alerts if a["kind"] in ("deviation", "overspeed")):
        assert alert["details"]["method"] == "map_match"
        episode = next(e for e in checked if e["kind"] == alert["kind"] and _when(e["start"]) == _when(
            alert["started_at"]))
        named = episode["roads"] if alert["kind"] == "deviation" else [episode["road"]]
        assert set(named) & set(alert["details"]["roads"]), (named, alert["details"]["roads"])
        assert all(road in alert["title"] for road in alert["details"]["roads"])
    deviation = next(a for a in alerts if a["kind"] == "deviation")
    assert {"合肥路", "马当路"} <= set(deviation["details"]["roads"])
