"""The live checks and ``hazledger route check`` find the same episodes in the same fixes (issue 18).

Both rest on :func:`routing.checks.fix_states`; the live checks continue their runs upload by upload. Whichever is
made faster, this test holds them to one answer: the same deviations (start, end, farthest offset) and the same
forbidden-zone episodes (zone, rule, start, end).
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from app.cli.route import route
from app.services.monitoring.settings import MonitorSettings
from tests.app.monitoring.conftest import B, alerts_of, box, post_fixes, road_geojson

NO_ENTRY = ("北侧禁入区", "no_entry", box(121.44, 31.203, 121.45, 31.206))  # the ``road`` fixture's zones
NO_STOP = ("中段禁停区", "no_stop", box(121.46, 31.199, 121.47, 31.201))


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)


def _route_check(tmp_path, fixes, settings: MonitorSettings) -> list[tuple]:
    corridor = road_geojson()
    corridor["features"] += [{"type": "Feature", "geometry": geometry,
                              "properties": {"name": name, "role": "forbidden", "rule": rule}}
                             for name, rule, geometry in (NO_ENTRY, NO_STOP)]
    (tmp_path / "corridor.geojson").write_text(json.dumps(corridor), encoding="utf-8")
    rows = ["time,lon,lat,speed", *(f"{f['time']},{f['lon']},{f['lat']},{f['speed']}" for f in fixes)]
    (tmp_path / "track.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(route, [
        "check", "--corridor", str(tmp_path / "corridor.geojson"), "--track", str(tmp_path / "track.csv"),
        "--min-points", str(settings.min_points), "--min-seconds", str(settings.min_seconds),
        "--hysteresis-m", str(settings.hysteresis_m), "--max-gap-s", str(settings.max_gap_s)])
    assert result.exit_code == 1, result.output
    return sorted((e["kind"], e.get("zone"), e.get("rule"), _when(e["start"]), _when(e["end"]),
                   e["max_offset_m"] if e["kind"] == "deviation" else None)
                  for e in json.loads(result.stdout)["episodes"] if e["kind"] in ("deviation", "forbidden_zone"))


def _live(alerts) -> list[tuple]:
    return sorted((a["kind"], a["details"].get("zone"), a["details"].get("rule"), _when(a["started_at"]),
                   _when(a["ended_at"]), a["details"].get("max_offset_m"))
                  for a in alerts if a["kind"] in ("deviation", "forbidden_zone"))


@pytest.mark.parametrize("uploads", [1, 3, 7])
def test_live_alerts_and_route_check_agree(client, app, road, tmp_path, uploads):
    app.config["MONITOR_STOP_MINUTES"] = 2
    car = road.drive()
    car.go(121.42, 31.20).go(121.42, 31.204).go(121.43, 31.204).go(121.43, 31.20)  # a detour 400 m north
    car.go(121.442, 31.20).go(121.442, 31.204).go(121.448, 31.204, kph=10).go(121.448, 31.20)  # through no-entry
    car.go(121.465, 31.20).wait(300)  # a stop in the no-stop zone
    car.go(121.48, 31.20).go(121.48, 31.2012, kph=20).go(121.49, 31.2012).go(121.49, 31.20)  # 83 m off: a small one
    fixes = car.go(*B).take()
    size = -(-len(fixes) // uploads)
    for first in range(0, len(fixes), size):
        post_fixes(client, road, fixes[first:first + size])
    live = _live(alerts_of(client, road))
    checked = _route_check(tmp_path, fixes, MonitorSettings.from_config(app.config))
    assert [e[:3] for e in checked] == [
        ("deviation", None, None), ("deviation", None, None), ("deviation", None, None),
        ("forbidden_zone", "中段禁停区", "no_stop"), ("forbidden_zone", "北侧禁入区", "no_entry")]
    assert live == checked
