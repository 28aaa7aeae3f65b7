"""GB 18218-2018 cases worked by hand from the standard, run through ``hazledger hazard compute`` (and the API).

The constants used (sources and what was verified: app/data/README.md):
- §4.2.1: a unit is a major hazard source when S = Σ qᵢ/Qᵢ ≥ 1 (q and Q in tonnes; "等于或超过").
- §4.1 (several hazards): Q is the lowest of the categories' thresholds (Table 2).
- §4.3.2: R = α · Σ βᵢ·qᵢ/Qᵢ; Table 6: 一级 R ≥ 100, 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10.
- Table 1: chlorine 5 t, phosgene (碳酰氯) 0.3 t, methyl isocyanate 0.75 t, ammonia 10 t, LPG 50 t, methanol 500 t,
  toluene 500 t. Table 3: chlorine β 4, phosgene and methyl isocyanate β 20, ammonia β 2.
- Table 2 / Table 4: J1 5 t β 4; W2 10 t β 1.5; W3 150 t β 1; W5.3 1000 t β 1; W5.4 5000 t β 1; W1.1 1 t β 2.
- Table 5: α = 0.5 (nobody), 1.0 (1-29), 1.2 (30-49), 1.5 (50-99), 2.0 (100 or more).

"Discrepancy" marks the cases the engine answered wrongly before this audit: q/Q with Q = 0.3 t or 0.75 t has no
finite decimal, and the sums were rounded before being compared with Table 6's and §4.2.1's boundaries.
"""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.services import units
from tests.factories import auth, make_chemical, make_site, make_user
from models import Role

D = Decimal


def _plant(population, *chemicals):
    return {"exposed_population": population, "units": [{"name": "U", "chemicals": [dict(c) for c in chemicals]}]}


def _un(un_number, tonnes):
    return {"un_number": un_number, "quantity_t": tonnes}


def _category(category, tonnes):
    return {"category": category, "quantity_t": tonnes}


# (case with the arithmetic, plant, S, R, grade of the unit)
CASES = [
    ("§4.2.1 single chemical exactly at Q: chlorine 5 t, S = 5/5 = 1 -> a source; 10 people α 1.0: "
     "R = 1.0 x 4 x 1 = 4 -> 四级", _plant(10, _un("1017", 5)), "1", "4", "四级"),
    ("§4.2.1 just under: chlorine 4.999 t, S = 0.9998 < 1 -> not a source (R = 3.9992 is not graded)",
     _plant(10, _un("1017", 4.999)), "0.9998", "3.9992", None),
    ("Table 6 discrepancy: phosgene 1 t, 60 people α 1.5: S = 1/0.3 = 10/3; R = 1.5 x 20 x 10/3 = 100 -> 一级 "
     "(was 二级: 99.999... from a rounded 10/3)", _plant(60, _un("1076", 1)), "3.333333", "100", "一级"),
    ("Table 6: phosgene 0.5 t, α 1.5: R = 1.5 x 20 x 5/3 = 50 -> 二级", _plant(60, _un("1076", 0.5)),
     "1.666667", "50", "二级"),
    ("Table 6 discrepancy: methyl isocyanate 2.5 t, α 1.5: S = 2.5/0.75 = 10/3; R = 1.5 x 20 x 10/3 = 100 -> 一级",
     _plant(60, _un("2480", 2.5)), "3.333333", "100", "一级"),
    ("Table 6: methyl isocyanate 0.25 t + 1.25 t in one unit (two lines): S = 1/3 + 5/3 = 2; α 1.0 (5 people): "
     "R = 20 x 2 = 40 -> 三级", _plant(5, _un("2480", 0.25), _un("2480", 1.25)), "2", "40", "三级"),
    ("§4.2.1 discrepancy: phosgene 0.1 t (1/3) + methyl isocyanate 0.25 t (1/3) + aerosols W3 50 t (50/150 = 1/3): "
     "S = 1 exactly -> a source (was 0.999...); α 1.0: R = 20/3 + 20/3 + 1/3 = 41/3 = 13.666667 -> 三级",
     _plant(5, _un("1076", 0.1), _un("2480", 0.25), _category("W3", 50)), "1", "13.666667", "三级"),
    ("Table 5 α 0.5 (nobody within 500 m): chlorine 25 t, S = 5, R = 0.5 x 4 x 5 = 10 -> 三级 (boundary)",
     _plant(0, _un("1017", 25)), "5", "10", "三级"),
    ("§4.1 several hazards: a gas of acute toxicity category 1 (J1, 5 t) and flammable (W2, 10 t): Q = 5 t, "
     "β = 4 (J1's); 5 t: S = 1, α 1.0: R = 4 -> 四级", _plant(10, _category("J1,W2", 5)), "1", "4", "四级"),
    ("§4.1 several hazards, order of the list does not matter: W2,J1 the same as J1,W2",
     _plant(10, _category("W2,J1", 5)), "1", "4", "四级"),
    ("Table 2 W5.3: 1000 t of a category 2 flammable liquid (no W5.1/W5.2 conditions): S = 1 -> a source; "
     "β 1, α 2.0 (120 people): R = 2 -> 四级", _plant(120, _category("W5.3", 1000)), "1", "2", "四级"),
    ("Table 2 W5.4: the same 1000 t as a category 3 liquid: S = 1000/5000 = 0.2 -> not a source",
     _plant(120, _category("W5.4", 1000)), "0.2", "0.4", None),
    ("Table 2 W1.1: 1 t of division 1.1 explosive: S = 1; β 2 (Table 4), α 2.0: R = 4 -> 四级",
     _plant(100, _category("W1.1", 1)), "1", "4", "四级"),
    ("Table 1 + Table 4: methanol 500 t (Q 500, W5.3 β 1) + toluene 250 t (Q 500, β 1): S = 1 + 0.5 = 1.5; "
     "40 people α 1.2: R = 1.2 x 1.5 = 1.8 -> 四级", _plant(40, _un("1230", 500), _un("1294", 250)), "1.5", "1.8",
     "四级"),
    ("Table 1/3 + Table 4: ammonia 10 t (Q 10, β 2) + LPG 25 t (Q 50, W2 β 1.5): S = 1 + 0.5 = 1.5; "
     "α 2.0: R = 2 x (2 + 0.75) = 5.5 -> 四级", _plant(150, _un("1005", 10), _un("1075", 25)), "1.5", "5.5", "四级"),
    ("Table 1 by CAS: hydrogen (CAS 1333-74-0, Q 5 t, W2 β 1.5) 50 t, α 1.0: S = 10, R = 15 -> 三级",
     _plant(10, {"cas": "1333-74-0", "quantity_t": 50}), "10", "15", "三级"),
]


@pytest.fixture
def compute_cli(tmp_path):
    def run(plant):
        path = tmp_path / "plant.json"
        path.write_text(json.dumps(plant), encoding="utf-8")
        result = CliRunner().invoke(cli, ["hazard", "compute", str(path), "--format", "json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)
    return run


@pytest.mark.parametrize("case, plant, s, r, grade", CASES, ids=[c[0][:80] for c in CASES])
def test_gb18218_by_hand(compute_cli, case, plant, s, r, grade):
    report = compute_cli(plant)
    [unit] = report["units"]
    assert (unit["s"], unit["r"], unit["grade"], unit["major_hazard_source"]) == (s, r, grade, grade is not None)
    assert report["grade"] == grade


def test_the_api_answers_the_exact_boundary_too(client, session):
    """POST /api/v1/hazard/compute with the three-thirds unit: S = 1 exactly, R = 41/3 -> 三级 (as the console)."""
    _, token = make_user(session, Role.AUDITOR)
    session.commit()
    document = _plant(5, _un("1076", 0.1), _un("2480", 0.25), _category("W3", 50))
    response = client.post("/api/v1/hazard/compute", json=document, headers=auth(token))
    assert response.status_code == 200, response.get_json()
    [unit] = response.get_json()["units"]
    assert (unit["s"], unit["r"], unit["grade"]) == ("1", "13.666667", "三级")


def test_a_registered_site_in_kilograms_is_graded_exactly(client, session, world):
    """The registry keeps design maximums in kg: 1,000 kg of phosgene is 1 t (q/Q = 1/0.3); 60 people, α 1.5:
    R = 1.5 x 20 x 10/3 = 100 -> 一级 on GET /api/v1/sites/{id}/hazard (was 二级)."""
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    site = make_site(session, world.producer, exposed_population=60)
    units.default_unit(session, site)
    phosgene = make_chemical(session, un_number="1076", name_zh="碳酰氯", hazard_class="2",
                             major_hazard_threshold_t=D("0.3"), major_hazard_beta=D(20))
    session.commit()
    units.set_design_maximum(session, supervisor, site.id, chemical_id=phosgene.id, quantity_t=D(1),
                             reason="设计文件")
    body = client.get(f"/api/v1/sites/{site.id}/hazard", headers=auth(world.tokens["producer"])).get_json()
    assert (body["s"], body["r"], body["grade"], body["major_hazard_source"]) == ("3.333333", "100", "一级", True)
