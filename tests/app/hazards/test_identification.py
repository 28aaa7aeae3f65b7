"""GB 18218-2018 per unit, worked by hand, without a database; ``hazard compute`` and ``POST /hazard/compute``."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.services.hazards import gb18218
from app.services.hazards.identification import compute, rate, table1, table1_entry
from tests.app.test_http_contract import assert_problem
from tests.factories import auth, make_user
from models import Role

D = Decimal


def _unit(name, *chemicals):
    return {"name": name, "chemicals": [dict(c) for c in chemicals]}


def test_two_chlorine_units_are_two_units_not_one_site():
    """3 t of chlorine in tank farm A and 3 t in warehouse B (GB 18218 §3.6: a tank area within its dike and a
    separate warehouse are two storage units). Chlorine: Q = 5 t (Table 1), β = 4 (Table 3); α = 2.0 (150 people).

    Each unit: S = 3/5 = 0.6 < 1, not a major hazard source; R = 2.0 × 4 × 0.6 = 4.8. Summed over the site it
    would have been S = 1.2, R = 9.6, 四级: wrong, the standard never sums units.
    """
    report = compute(150, [_unit("储罐区A", {"un_number": "1017", "quantity_t": 3}),
                           _unit("仓库B", {"cas": "7782-50-5", "quantity_t": 3})])
    assert [(u["name"], u["s"], u["r"], u["grade"], u["major_hazard_source"]) for u in report["units"]] == [
        ("储罐区A", "0.6", "4.8", None, False), ("仓库B", "0.6", "4.8", None, False)]
    assert report["grade"] is None and report["major_hazard_source"] is False


def test_the_site_takes_its_worst_units_grade():
    """α = 1.0 (20 people). Unit 1: 10 t chlorine: S = 2, R = 1.0 × 4 × 2 = 8: 四级. Unit 2: 40 t chlorine:
    S = 8, R = 32: 三级. The site is 三级."""
    report = compute(20, [_unit("U1", {"un_number": "1017", "quantity_t": 10}),
                          _unit("U2", {"un_number": "1017", "quantity_t": 40})])
    assert [(u["s"], u["r"], u["grade"]) for u in report["units"]] == [("2", "8", "四级"), ("8", "32", "三级")]
    assert report["grade"] == "三级"


def test_a_table_1_flammable_gas_takes_beta_1_5_from_table_4():
    """Hydrogen: Q = 5 t (Table 1), not in Table 3, flammable gas W2: β = 1.5 (Table 4). α = 0.5 (nobody
    within 500 m). 10 t: S = 2, R = 0.5 × 1.5 × 2 = 1.5: 四级."""
    [unit] = compute(0, [_unit("氢气储罐", {"un_number": "1049", "quantity_t": 10})])["units"]
    [term] = unit["terms"]
    assert (term["threshold_t"], term["threshold_source"], term["beta"], term["beta_source"]) == (
        "5", "GB 18218 Table 1", "1.5", "category W2 (GB 18218 Table 4)")
    assert (unit["s"], unit["r"], unit["grade"]) == ("2", "1.5", "四级")


def test_several_hazards_take_the_lowest_threshold():
    """A gas both flammable (W2: Q = 10 t, β 1.5) and acutely toxic, category 2 (J3: Q = 50 t, β 2): Q is the
    lowest, 10 t, and β is that category's, 1.5. 5 t: S = 0.5; α = 1.0: R = 0.75."""
    [unit] = compute(10, [_unit("U", {"category": "J3,W2", "quantity_t": 5})])["units"]
    [term] = unit["terms"]
    assert term["threshold_t"] == "10" and term["beta"] == "1.5"
    assert "lowest of W2, J3" in term["threshold_source"]
    assert (unit["s"], unit["r"]) == ("0.5", "0.75")
    equal = rate(table1_threshold=None, table3_beta=None, categories=["J2", "W4"])  # both Q = 50 t
    assert (equal.threshold_t, equal.beta) == (D(50), D(1))


def test_a_chemical_with_no_category_and_no_table_1_entry_is_listed_as_not_counted():
    """Sulphuric acid (UN 1830) is not in Table 1 and has no Table 2 category given: not counted, with the
    reason; it changes neither S nor R."""
    [unit] = compute(None, [_unit("U", {"un_number": "1830", "quantity_t": 900},
                                  {"un_number": "1230", "quantity_t": 250})])["units"]
    assert [t["name"] for t in unit["terms"]] == ["甲醇"] and unit["s"] == "0.5"
    [ignored] = unit["not_counted"]
    assert ignored["un_number"] == "1830" and "not counted" in ignored["reason"]


def test_a_table_1_chemical_without_beta_or_category_is_counted_with_beta_assumed_and_said_so():
    rating = rate(table1_threshold=D(200), table3_beta=None, categories=[])
    assert rating.beta == 1 and rating.beta_assumed and "assumed" in rating.beta_source


def test_unknown_population_alpha_is_the_stated_policy():
    report = compute(None, [_unit("U", {"un_number": "1017", "quantity_t": 1})])
    assert report["alpha"] == "2" and "by policy" in report["alpha_basis"]


def test_the_shipped_table_1_excerpt_is_consistent():
    """Every row: a threshold, β from Table 3 or a known Table 2 category (never both missing), distinct UN
    numbers; the Table 3 gases keep the β the README lists."""
    seen: set[str] = set()
    for entry in table1():
        assert entry.threshold_t > 0 and (entry.beta is not None or entry.categories)
        assert all(c in gb18218.CATEGORIES for c in entry.categories)
        assert not seen & set(entry.un_numbers)
        seen |= set(entry.un_numbers)
    assert table1_entry(un_number="1017").beta == 4 and table1_entry(cas="7664-41-7").beta == 2
    assert table1_entry(un_number="1075").categories == ("W2",)


@pytest.fixture
def plant_file(tmp_path):
    def write(document):
        path = tmp_path / "plant.json"
        path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
        return str(path)
    return write


def test_cli_hazard_compute_json(plant_file):
    path = plant_file({"exposed_population": 150, "units": [
        _unit("tank farm A", {"un_number": "1017", "quantity_t": 3}),
        _unit("warehouse B", {"un_number": "1017", "quantity_t": 3})]})
    result = CliRunner().invoke(cli, ["hazard", "compute", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [(u["name"], u["s"]) for u in body["units"]] == [("tank farm A", "0.6"), ("warehouse B", "0.6")]
    assert body["grade"] is None
    text = CliRunner().invoke(cli, ["hazard", "compute", path])
    assert text.exit_code == 0 and "tank farm A: S = 0.6" in text.output


@pytest.mark.parametrize("document", [
    "{not json", "[" * 100_000 + "]" * 100_000, [1], {"units": []},
    {"exposed_population": True, "units": [{"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": 1}]}]},
    {"units": [{"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": "1e309"}]}]},
    {"units": [{"name": "U", "chemicals": [{"quantity_t": 1}]}]},
    {"units": [{"name": "U", "chemicals": [{"category": "W99", "quantity_t": 1}]}]},
    {"units": [{"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": -1}]}]},
    {"units": [{"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": 1}]},
               {"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": 1}]}]},
    {"exposed_population": -1, "units": [{"name": "U", "chemicals": [{"un_number": "1017", "quantity_t": 1}]}]},
])
def test_cli_hazard_compute_bad_input_exits_2(plant_file, document):
    result = CliRunner().invoke(cli, ["hazard", "compute", plant_file(document), "--format", "json"])
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_cli_hazard_compute_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["hazard", "compute", str(tmp_path / "none.json")])
    assert result.exit_code == 2


def test_api_hazard_compute(client, session):
    _, token = make_user(session, Role.AUDITOR)
    session.commit()
    document = {"exposed_population": 150, "units": [_unit("A", {"un_number": "1017", "quantity_t": 3}),
                                                     _unit("B", {"un_number": "1017", "quantity_t": 3})]}
    response = client.post("/api/v1/hazard/compute", json=document, headers=auth(token))
    assert response.status_code == 200, response.get_json()
    assert [(u["s"], u["grade"]) for u in response.get_json()["units"]] == [("0.6", None), ("0.6", None)]
    bad = client.post("/api/v1/hazard/compute", json={"units": [{"name": "A", "chemicals": []}]},
                      headers=auth(token))
    assert_problem(bad, 422)
    assert client.post("/api/v1/hazard/compute", json=document).status_code == 401
