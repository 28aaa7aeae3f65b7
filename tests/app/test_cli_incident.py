"""`hazledger incident zones`: offline ERG 2016 zones for drills; exit 2 with one line on bad input."""
import json

import pytest
from click.testing import CliRunner

from app.cli.incident import incident


def run(*args):
    return CliRunner().invoke(incident, ["zones", *map(str, args)])


def test_phosgene_large_spill_by_night_takes_the_shipping_name_from_the_un_list():
    result = run("--un", "1076", "--lon", 121.47, "--lat", 31.23, "--large", "--night", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["material"] == "Phosgene"
    assert [(z["kind"], z["distance_m"]) for z in summary["zones"]] == [
        ("initial_isolation", 500), ("protective_action", 9000)]


def test_geojson_with_wind_draws_the_square():
    result = run("--un", "UN1017", "--lon", 121.47, "--lat", 31.23, "--night", "--wind-from", 90)
    assert result.exit_code == 0, result.output
    collection = json.loads(result.output)
    kinds = {f["properties"]["kind"]: f["properties"] for f in collection["features"]}
    assert kinds["protective_action"]["shape"] == "square_downwind"
    assert kinds["protective_action"]["distance_m"] == 1100
    assert "spill" in kinds and collection["guide"] == 124


def test_gasoline_on_fire_by_its_placard():
    result = run("--un", "1203", "--lon", 121.47, "--lat", 31.23, "--fire", "--capacity-l", 30000,
                 "--format", "json")
    summary = json.loads(result.output)
    assert summary["basis"] == "placard" and summary["guide"] == 127
    assert {z["kind"]: z["distance_m"] for z in summary["zones"]}["fire_isolation"] == 800


def test_unidentified_load():
    summary = json.loads(run("--lon", 121.47, "--lat", 31.23, "--format", "json").output)
    assert summary["guide"] == 111 and summary["basis"] == "unidentified"


@pytest.mark.parametrize("args, reason", [
    (["--un", "9999", "--lon", 121.47, "--lat", 31.23], "not in the UN catalogue"),
    (["--un", "abc", "--lon", 121.47, "--lat", 31.23], "not a UN number"),
    (["--un", "1017", "--lon", 121.47, "--lat", 91], "out of range"),
    (["--un", "1017", "--lon", 121.47, "--lat", 31.23, "--wind-from", -5], "wind direction"),
    (["--un", "1017", "--lon", 121.47, "--lat", 31.23, "--capacity-l", -1], "tank capacity"),
    (["--un", "1017", "--lon", 121.47, "--lat", 31.23, "--erg", "/nonexistent.csv"], "ERG table not found"),
])
def test_bad_input_exits_2_with_one_line(args, reason):
    result = run(*args)
    assert result.exit_code == 2
    assert reason in result.output and result.output.count("\n") == 1
