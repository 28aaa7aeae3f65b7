"""``hazledger rules``: the contract's shapes and exit codes, without a database."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import cli
from tests.paths import SHARED_DATA

TABLE_A = SHARED_DATA / "dangerous_goods" / "adr2017_table_a.csv"


@pytest.fixture
def rules(tmp_path, monkeypatch):
    if not TABLE_A.is_file():
        pytest.skip(f"ADR 2017 Table A not found at {TABLE_A}")
    monkeypatch.delenv("HAZLEDGER_ADR_TABLE_A", raising=False)
    # a database that does not exist: the console must not need (nor create) one
    missing = tmp_path / "none.db"
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, ["--database-url", f"sqlite:///{missing}", "rules", *args])
        assert not missing.exists()
        return result
    return run


def test_line_json(rules):
    result = rules("line", "1017", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"line": "UN 1017 CHLORINE, 2.3 (5.1, 8), (C/D)"}


@pytest.mark.parametrize("args, expected", [
    (("1230",), "UN 1230 METHANOL, 3 (6.1), II, (D/E)"),
    (("1203", "--name", "GASOLINE"), "UN 1203 GASOLINE, 3, II, (D/E)"),
    (("1203",), "UN 1203 MOTOR SPIRIT, 3, II, (D/E)"),
    (("1993", "--pg", "I", "--technical-name", "ethyl acetate"),
     "UN 1993 FLAMMABLE LIQUID, N.O.S. (ethyl acetate), 3, I, (D/E)"),
    (("0336",), "UN 0336 FIREWORKS, 1.4G, (E)"),
])
def test_line_text(rules, args, expected):
    result = rules("line", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("args, reason", [
    (("9999",), "not in ADR 2017 Table A"),
    (("1993",), "ambiguous"),
    (("1993", "--pg", "IV"), "not UN[/PG"),
    (("1993", "--pg", "I"), "technical name"),
    (("1203", "--name", "DIESEL"), "not a name of UN 1203"),
    (("2186",), "carriage prohibited"),
])
def test_line_bad_input_exits_2_with_one_line(rules, args, reason):
    result = rules("line", *args)
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_mix_refused_exits_1_with_the_paragraph(rules):
    result = rules("mix", "0336", "1203", "--format", "json")
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["allowed"] is False and "ADR 7.5.2.1" in answer["reasons"][0]


def test_mix_allowed_exits_0(rules):
    result = rules("mix", "1017", "1230/II", "1203")
    assert result.exit_code == 0 and result.stdout.startswith("allowed")


def test_mix_bad_reference_exits_2(rules):
    result = rules("mix", "1017", "12")
    assert result.exit_code == 2 and "not UN[/PG" in result.stderr


@pytest.mark.parametrize("args, code, closed", [
    (("1017", "--tank"), "C/D", ["C", "D", "E"]),
    (("1017",), "C/D", ["D", "E"]),
    (("1203", "1017", "--tank"), "C/D", ["C", "D", "E"]),
    (("0004", "--explosive-mass-kg", "800"), "B1000C", ["C", "D", "E"]),
    (("3082",), "-", []),
])
def test_tunnel_json(rules, args, code, closed):
    result = rules("tunnel", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["code"], answer["closed"]) == (code, closed)


def test_tunnel_ambiguous_entry_exits_2(rules):
    result = rules("tunnel", "1993/III")
    assert result.exit_code == 2 and "1993/III/2" in result.stderr


def test_table_a_from_an_option_and_a_broken_file(rules, tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("un_number,name,class,classification_code,packing_group,labels,tunnel_code\n"
                    "1017,CHLORINE,2,2TOC,,2.3+5.1+8,C/D\n", encoding="utf-8")
    result = rules("--table-a", str(mine), "line", "1017")
    assert result.exit_code == 0 and "2.3 (5.1, 8)" in result.stdout
    assert rules("--table-a", str(mine), "line", "1230").exit_code == 2
    result = rules("--table-a", str(tmp_path / "absent.csv"), "line", "1017")
    assert result.exit_code == 2 and "cannot read ADR Table A" in result.stderr


def test_tunnel_small_load(rules):
    """ADR 1.1.3.6.4: 100 L of UN 1203 (× 3) and 10 kg of chlorine (note a, × 20) are 500 points: exempt, and
    8.6.3.3 leaves the load without a tunnel code; 40 kg of chlorine more make 1300 points: C/D."""
    result = rules("tunnel", "1203", "1017", "--quantity", "100L", "--quantity", "10 kg", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["code"], answer["closed"]) == ("-", [])
    assert (answer["small_load"]["exempt"], answer["small_load"]["points"]) == (True, 500)
    result = rules("tunnel", "1203", "1017", "--quantity", "100L", "--quantity", "50 kg")
    assert result.exit_code == 0 and result.stdout.startswith("C/D: closed to tunnel categories D, E")
    assert "1300 points exceed" in result.stdout


@pytest.mark.parametrize("quantities", [("300",), ("300 m",), ("1 L", "2 L")])
def test_tunnel_bad_quantity_exits_2(rules, quantities):
    args = [arg for quantity in quantities for arg in ("--quantity", quantity)]
    result = rules("tunnel", "1203", *args)
    assert result.exit_code == 2 and result.stderr.startswith("error:") and len(result.stderr.splitlines()) == 1
