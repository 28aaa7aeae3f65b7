"""GB 18218-2018 worked by hand: S = Σ q/Q, R = α · Σ β·q/Q, grades, and alerts when a site crosses up."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, select

from app.services.hazards import gb18218
from app.services.hazards.gb18218 import Grade
from app.services.hazards.major_hazard import Assessment, assess, term_for
from app.services.ledger import lifecycle
from models import Alert, AlertKind, EntryKind, Severity
from tests.app.ledger.conftest import an_hour_ago
from tests.app.test_http_contract import assert_problem
from tests.factories import auth, make_chemical, make_site

D = Decimal


def _methanol(session):
    return make_chemical(session, un_number="1230", name_zh="甲醇", major_hazard_threshold_t=D(500),
                         major_hazard_category="W5.3")


def _benzene(session):
    return make_chemical(session, un_number="1114", name_zh="苯", major_hazard_threshold_t=D(50),
                         major_hazard_category="W5.3")


def _chlorine(session):
    return make_chemical(session, un_number="1017", name_zh="液氯", hazard_class="2",
                         major_hazard_threshold_t=D(5), major_hazard_beta=D(4))


def _produce(session, world, site, chemical, code, kg):
    lifecycle.introduce(session, world.as_producer, kind=EntryKind.PRODUCE, code=code, chemical_id=chemical.id,
                        site_id=site.id, quantity=D(kg), occurred_at=an_hour_ago())


def _hazard_alerts(session, site):
    return list(session.scalars(select(Alert).where(Alert.kind == AlertKind.MAJOR_HAZARD, Alert.site_id == site.id)
                                .order_by(Alert.opened_at, Alert.key)))


@pytest.mark.parametrize("population, alpha", [
    (None, "2.0"), (0, "0.5"), (1, "1.0"), (29, "1.0"), (30, "1.2"), (49, "1.2"), (50, "1.5"), (99, "1.5"),
    (100, "2.0"), (5000, "2.0"),
])
def test_alpha_follows_table_5(population, alpha):
    assert gb18218.alpha(population) == D(alpha)


def test_a_mixture_just_under_then_just_over_s_1(session, world):
    """Methanol (Table 1: Q = 500 t) and benzene (Q = 50 t), both β = 1 (category W5.3, Table 4); 20 people
    live within 500 m, so α = 1.0 (Table 5).

    250 t methanol + 24.99 t benzene: S = 250/500 + 24.99/50 = 0.5 + 0.4998 = 0.9998 < 1: not a source.
    20 kg more benzene: S = 0.5 + 25.01/50 = 0.5 + 0.5002 = 1.0002 >= 1: a major hazard source;
    R = 1.0 × (1 × 0.5 + 1 × 0.5002) = 1.0002 < 10: 四级.
    """
    site = make_site(session, world.producer, exposed_population=20)
    methanol, benzene = _methanol(session), _benzene(session)
    _produce(session, world, site, methanol, "MEOH-1", "250000")
    _produce(session, world, site, benzene, "BZ-1", "24990")
    under = assess(session, [site])[site.id]
    assert (under.s, under.grade) == (D("0.9998"), None)
    assert _hazard_alerts(session, site) == []

    _produce(session, world, site, benzene, "BZ-2", "20")
    over = assess(session, [site])[site.id]
    assert over.s == D("1.0002") and over.alpha == D("1.0") and over.r == D("1.0002")
    assert over.grade is Grade.FOURTH
    [alert] = _hazard_alerts(session, site)
    assert alert.key == f"major_hazard:{site.id}:fourth" and alert.severity is Severity.LOW
    assert alert.enterprise_id == world.producer.id and alert.details["s"] == "1.0002"


@pytest.mark.parametrize("tonnes, r, grade", [
    ("6.249", "9.9984", Grade.FOURTH), ("6.25", "10", Grade.THIRD), ("31.249", "49.9984", Grade.THIRD),
    ("31.25", "50", Grade.SECOND), ("62.499", "99.9984", Grade.SECOND), ("62.5", "100", Grade.FIRST),
])
def test_grade_boundaries_10_50_100(tonnes, r, grade):
    """Chlorine: Q = 5 t (Table 1), β = 4 (Table 3); 150 people within 500 m: α = 2.0.

    R = 2.0 × 4 × q/5 = 1.6 q: q = 6.25 t gives R = 10 (三级 from 10), 31.25 t gives 50 (二级 from 50),
    62.5 t gives 100 (一级 from 100); a kilogram less stays a grade below: 1.6 × 6.249 = 9.9984 (四级),
    1.6 × 31.249 = 49.9984 (三级), 1.6 × 62.499 = 99.9984 (二级).
    """
    chlorine = type("Chemical", (), {"id": None, "name_zh": "液氯", "name_en": None, "un_number": "1017",
                                     "major_hazard_threshold_t": D(5), "major_hazard_category": None,
                                     "major_hazard_beta": D(4)})
    assessment = Assessment(gb18218.alpha(150), [term_for(chlorine, D(tonnes))])
    assert assessment.s == D(tonnes) / 5 and assessment.r == D(r)
    assert assessment.grade is grade


def test_going_up_a_grade_raises_a_new_alert_and_coming_back_does_not(session, world):
    """Chlorine (Q = 5 t, β = 4) at a site with 150 people within 500 m (α = 2.0): R = 2.0 × 4 × q/5 = 1.6 q.

    6.25 t: S = 1.25, R = 10: 三级 (an alert, medium). 25 t more, 31.25 t: S = 6.25, R = 50: 二级 (a second
    alert, high). 25 t used: back to 三级, which raises nothing; 25 t again: 二级 again, the same alert.
    """
    site = make_site(session, world.producer, exposed_population=150)
    chlorine = _chlorine(session)
    _produce(session, world, site, chlorine, "CL-1", "6250")
    [third] = _hazard_alerts(session, site)
    assert third.key.endswith(":third") and third.severity is Severity.MEDIUM
    assert third.details == {"grade": "三级", "previous_grade": None, "s": "1.25", "r": "10", "alpha": "2"}
    _produce(session, world, site, chlorine, "CL-2", "25000")
    assert [a.key.rsplit(":", 1)[1] for a in _hazard_alerts(session, site)] == ["third", "second"]
    second = _hazard_alerts(session, site)[1]
    assert second.severity is Severity.HIGH and second.details["previous_grade"] == "三级"
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="CL-2", site_id=site.id,
                     quantity=D("25000"), occurred_at=an_hour_ago())
    _produce(session, world, site, chlorine, "CL-3", "25000")
    assert len(_hazard_alerts(session, site)) == 2


def test_the_rules_cost_no_query_when_they_cannot_apply(session, connection, world):
    """A chemical with neither a threshold nor a category cannot change S, and a batch that entered the ledger
    this year cannot be overdue waste: posting them asks nothing about hazards or waste."""
    site = make_site(session, world.producer)
    statements: list[str] = []

    def keep(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", keep)
    _produce(session, world, site, world.chemical, "PLAIN-1", "900000")
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="PLAIN-1", site_id=site.id,
                     quantity=D("1"), occurred_at=an_hour_ago())
    event.remove(connection, "before_cursor_execute", keep)
    assert statements and not [s for s in statements if "waste_batches" in s or "GROUP BY ledger_accounts.site_id" in s]
    assert _hazard_alerts(session, site) == [] and assess(session, [site])[site.id].terms == []


def test_the_hazard_endpoint_explains_the_figure_term_by_term(client, session, world):
    """20 people within 500 m: α = 1.0. Held: 100 t methanol (Q = 500 t from the catalogue, β = 1 from its
    category W5.3), 4 t LPG with no threshold of its own, category W2 (Q = 10 t from Table 2, β = 1.5 from
    Table 4), 3 t sulphuric acid (not covered by GB 18218: not counted).

    S = 100/500 + 4/10 = 0.2 + 0.4 = 0.6 < 1: not a major hazard source;
    R = 1.0 × (1 × 0.2 + 1.5 × 0.4) = 0.8.
    """
    site = make_site(session, world.producer, exposed_population=20)
    lpg = make_chemical(session, un_number="1075", name_zh="液化石油气", hazard_class="2", major_hazard_category="W2")
    acid = make_chemical(session, un_number="1830", name_zh="硫酸", hazard_class="8")
    for code, chemical, kg in (("M-1", _methanol(session), "100000"), ("L-1", lpg, "4000"), ("A-1", acid, "3000")):
        _produce(session, world, site, chemical, code, kg)
    response = client.get(f"/api/v1/sites/{site.id}/hazard", headers=auth(world.tokens["producer"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["s"], body["r"], body["alpha"], body["major_hazard_source"], body["grade"]) == (
        "0.6", "0.8", "1", False, None)
    assert body["alpha_basis"] == "20 people within 500 m (GB 18218 Table 5)"
    terms = {t["name"]: t for t in body["terms"]}
    assert {k: terms["液化石油气"][k] for k in ("q_t", "threshold_t", "beta", "q_over_threshold",
                                           "beta_q_over_threshold")} == {
        "q_t": "4", "threshold_t": "10", "beta": "1.5", "q_over_threshold": "0.4", "beta_q_over_threshold": "0.6"}
    assert terms["液化石油气"]["threshold_source"] == "category W2 (GB 18218 Table 2)"
    assert terms["甲醇"]["threshold_source"] == "catalogue (GB 18218 Table 1)"
    assert terms["甲醇"]["beta_source"] == "category W5.3 (GB 18218 Table 4)"
    assert [t["name"] for t in body["terms"]] == ["液化石油气", "甲醇"]  # largest β·q/Q first
    assert [(n["name"], n["q_t"]) for n in body["not_counted"]] == [("硫酸", "3")]
    assert client.get(f"/api/v1/sites/{site.id}/hazard", headers=auth(world.tokens["auditor"])).status_code == 200
    other = client.get(f"/api/v1/sites/{site.id}/hazard", headers=auth(world.tokens["buyer"]))
    assert_problem(other, 404)
