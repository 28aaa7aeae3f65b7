"""GB 18218-2018 on the registry: per unit, from the design maximums a supervisor registers; the ledger's live
stock as a safety check against them; the figures that set a grade kept by a supervisor, with history."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event, select

from app.errors import ValidationFailed
from app.services import units
from app.services.hazards import gb18218
from app.services.hazards.gb18218 import Grade
from app.services.hazards.identification import Assessment, Rating, Term
from app.services.hazards.major_hazard import assess
from app.services.ledger import lifecycle
from models import Account, Alert, AlertKind, EntryKind, Role, Severity, SiteUnit, UnitKind
from tests.app.ledger.conftest import an_hour_ago
from tests.app.test_http_contract import assert_problem
from tests.factories import auth, make_chemical, make_site, make_user

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


@pytest.fixture
def supervisor(session):
    user, token = make_user(session, Role.SUPERVISOR)
    session.commit()
    return user, token


def _site(session, world, **fields):
    site = make_site(session, world.producer, **fields)
    units.default_unit(session, site)
    return site


def _maximum(session, user, site, chemical, tonnes, unit=None):
    units.set_design_maximum(session, user, site.id, chemical_id=chemical.id, quantity_t=D(tonnes),
                             reason="设计文件", unit_id=unit.id if unit else None)


def _produce(session, world, site, chemical, code, kg, unit=None):
    lifecycle.introduce(session, world.as_producer, kind=EntryKind.PRODUCE, code=code, chemical_id=chemical.id,
                        site_id=site.id, quantity=D(kg), occurred_at=an_hour_ago(), unit_id=unit.id if unit else None)


def _alerts(session, site, prefix):
    return list(session.scalars(select(Alert).where(Alert.kind == AlertKind.MAJOR_HAZARD, Alert.site_id == site.id,
                                                    Alert.key.startswith(prefix)).order_by(Alert.opened_at, Alert.key)))


@pytest.mark.parametrize("population, alpha", [
    (None, "2.0"), (0, "0.5"), (1, "1.0"), (29, "1.0"), (30, "1.2"), (49, "1.2"), (50, "1.5"), (99, "1.5"),
    (100, "2.0"), (5000, "2.0"),
])
def test_alpha_follows_table_5(population, alpha):
    assert gb18218.alpha(population) == D(alpha)


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
    term = Term("液氯", D(tonnes), Rating(D(5), "Table 1", D(4), "Table 3"))
    assessment = Assessment(gb18218.alpha(150), [term])
    assert assessment.s == D(tonnes) / 5 and assessment.r == D(r)
    assert assessment.grade is grade


def test_a_mixture_just_under_then_just_over_s_1_by_design_maximum(session, world, supervisor):
    """One unit registered for methanol (Q = 500 t) and benzene (Q = 50 t), both β = 1 (W5.3, Table 4);
    20 people within 500 m: α = 1.0. The grade comes from the design maximums, whatever is in stock.

    250 t methanol + 24.99 t benzene: S = 0.5 + 0.4998 = 0.9998 < 1: not a source, no alert.
    Benzene raised to 25.01 t: S = 0.5 + 0.5002 = 1.0002 ≥ 1; R = 1.0002 < 10: 四级, an alert.
    """
    user, _ = supervisor
    site = _site(session, world, exposed_population=20)
    methanol, benzene = _methanol(session), _benzene(session)
    _maximum(session, user, site, methanol, "250")
    _maximum(session, user, site, benzene, "24.99")
    under = assess(session, [site])[site.id]
    assert (under.s, under.grade) == (D("0.9998"), None)
    assert _alerts(session, site, "major_hazard:") == []

    _maximum(session, user, site, benzene, "25.01")
    over = assess(session, [site])[site.id]
    assert (over.s, over.alpha, over.r, over.grade) == (D("1.0002"), D("1.0"), D("1.0002"), Grade.FOURTH)
    [alert] = _alerts(session, site, "major_hazard:")
    assert alert.key == f"major_hazard:{site.id}:fourth" and alert.severity is Severity.LOW
    assert alert.details["s"] == "1.0002" and alert.details["unit"] == "默认单元"
    assert session.scalars(select(Account).where(Account.site_id == site.id)).all() == []  # no stock needed


def test_two_units_of_chlorine_are_not_summed(client, session, world, supervisor):
    """3 t of chlorine registered in the tank farm (the default unit) and 3 t in a separate warehouse: two
    storage units (GB 18218 §3.6), S = 0.6 each, not a major hazard source. Summed it would be S = 1.2, 四级."""
    user, token = supervisor
    site = _site(session, world, exposed_population=150)
    chlorine = _chlorine(session)
    warehouse = units.add_unit(session, user, site.id, name="仓库B", kind=UnitKind.STORAGE)
    _maximum(session, user, site, chlorine, "3")
    _maximum(session, user, site, chlorine, "3", warehouse)
    assessment = assess(session, [site])[site.id]
    assert [(u.assessment.name, u.assessment.s) for u in assessment.units] == [
        ("默认单元", D("0.6")), ("仓库B", D("0.6"))]
    assert assessment.grade is None and _alerts(session, site, "major_hazard:") == []
    body = client.get(f"/api/v1/sites/{site.id}/hazard", headers=auth(world.tokens["producer"])).get_json()
    assert [(u["name"], u["s"], u["r"], u["grade"]) for u in body["units"]] == [
        ("默认单元", "0.6", "4.8", None), ("仓库B", "0.6", "4.8", None)]
    assert body["grade"] is None and body["major_hazard_source"] is False


def test_the_live_stock_is_a_safety_check_against_the_design_maximum(session, world, supervisor):
    """Chlorine registered at 5 t in the default unit; none registered in the warehouse unit.

    4 t produced: within the maximum, no alert. 2 t more (6 t): over the maximum, an alert (high). 1 t into the
    warehouse unit, registered for no chlorine: an alert (medium). The grade stays the design maximum's.
    """
    user, _ = supervisor
    site = _site(session, world, exposed_population=10)
    chlorine = _chlorine(session)
    warehouse = units.add_unit(session, user, site.id, name="仓库B", kind=UnitKind.STORAGE)
    _maximum(session, user, site, chlorine, "5")
    _produce(session, world, site, chlorine, "CL-1", "4000")
    assert _alerts(session, site, "design_maximum:") == []
    _produce(session, world, site, chlorine, "CL-2", "2000")
    [over] = _alerts(session, site, "design_maximum:")
    assert over.severity is Severity.HIGH and over.details["problem"] == "over_design_maximum"
    assert (over.details["held_t"], over.details["design_maximum_t"]) == ("6", "5")
    _produce(session, world, site, chlorine, "CL-3", "1000", warehouse)
    missing = [a for a in _alerts(session, site, "design_maximum:") if a.details["problem"] == "no_design_maximum"]
    assert [(a.details["unit"], a.severity) for a in missing] == [("仓库B", Severity.MEDIUM)]
    _produce(session, world, site, chlorine, "CL-4", "500")  # still over: the same episode, no new alert
    assert len(_alerts(session, site, "design_maximum:")) == 2
    assert assess(session, [site])[site.id].s == D(1)  # 5 t / 5 t: the registered maximum, not the 7.5 t held


def test_a_movement_names_the_unit_and_only_a_unit_of_that_site(session, world, supervisor):
    user, _ = supervisor
    site, other = _site(session, world), _site(session, world)
    chemical = _methanol(session)
    store = units.add_unit(session, user, site.id, name="罐区", kind=UnitKind.STORAGE)
    foreign = units.add_unit(session, user, other.id, name="外厂罐区", kind=UnitKind.STORAGE)
    _produce(session, world, site, chemical, "M-1", "1000")
    lifecycle.transfer(session, world.as_producer, batch_code="M-1", from_site_id=site.id, to_site_id=site.id,
                       to_unit_id=store.id, quantity=D(400), occurred_at=an_hour_ago())
    accounts = session.scalars(select(Account).where(Account.site_id == site.id)).all()
    assert sorted(str(a.unit_id) for a in accounts) == sorted(["None", str(store.id)])
    with pytest.raises(ValidationFailed) as refused:
        _produce(session, world, site, chemical, "M-2", "10", foreign)
    assert refused.value.errors == {"unit_id": ["not an active unit of this site"]}
    default = session.scalars(select(SiteUnit).where(SiteUnit.site_id == site.id, SiteUnit.is_default)).one()
    _produce(session, world, site, chemical, "M-3", "10", default)  # naming the default is naming none
    assert len(session.scalars(select(Account).where(Account.site_id == site.id)).all()) == 2


def test_the_rules_cost_no_query_when_they_cannot_apply(session, connection, world):
    """A chemical GB 18218 does not count cannot break a design maximum: posting it asks nothing about hazards
    (and a batch that entered the ledger this year cannot be overdue waste)."""
    site = _site(session, world)
    statements: list[str] = []

    def keep(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", keep)
    _produce(session, world, site, world.chemical, "PLAIN-1", "900000")
    lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="PLAIN-1", site_id=site.id,
                     quantity=D("1"), occurred_at=an_hour_ago())
    event.remove(connection, "before_cursor_execute", keep)
    assert statements and not [s for s in statements if "waste_batches" in s or "unit_design_maxima" in s]
    assert _alerts(session, site, "") == []


def test_an_enterprise_cannot_lower_its_own_grade(client, session, world, supervisor):
    """Issue 25, finding 5: the exposed population (α) and the design maximums set the grade. The firm's PATCH
    is refused and changes nothing; a supervisor sets them, each with a reason, kept in the history."""
    user, token = supervisor
    site = _site(session, world, exposed_population=150)
    chlorine = _chlorine(session)
    _maximum(session, user, site, chlorine, "25")  # S = 5, R = 2.0 × 4 × 5 = 40: 三级
    session.commit()
    firm = auth(world.tokens["producer"])
    patch = client.patch(f"/api/v1/sites/{site.id}", json={"exposed_population": 0}, headers=firm)
    assert_problem(patch, 422)
    for path, body in (("exposed-population", {"exposed_population": 0, "reason": "我们说的"}),
                       ("design-maxima", {"chemical_id": str(chlorine.id), "quantity_t": "1", "reason": "x"}),
                       ("units", {"name": "拆分", "kind": "storage"})):
        assert_problem(client.post(f"/api/v1/sites/{site.id}/{path}", json=body, headers=firm), 403)
    hazard = client.get(f"/api/v1/sites/{site.id}/hazard", headers=firm).get_json()
    assert (hazard["exposed_population"], hazard["r"], hazard["grade"]) == (150, "40", "三级")

    changed = client.post(f"/api/v1/sites/{site.id}/exposed-population",
                          json={"exposed_population": 40, "reason": "2026 census of the 500 m ring"},
                          headers=auth(token))
    assert changed.status_code == 201, changed.get_json()
    [setting] = changed.get_json()["exposed_population"]
    assert (setting["exposed_population"], setting["previous"], setting["set_by"]) == (40, 150, str(user.id))
    hazard = client.get(f"/api/v1/sites/{site.id}/hazard", headers=firm).get_json()
    assert (hazard["alpha"], hazard["r"]) == ("1.2", "24")
    history = client.get(f"/api/v1/sites/{site.id}/figures-history", headers=firm).get_json()
    assert [Decimal(m["quantity_t"]) for m in history["design_maxima"]] == [25]
    assert client.get(f"/api/v1/sites/{site.id}/units", headers=auth(world.tokens["buyer"])).status_code == 404
    assert_problem(client.post(f"/api/v1/sites/{site.id}/exposed-population",
                               json={"exposed_population": -1, "reason": "x"}, headers=auth(token)), 422)


def test_units_are_listed_and_registered_by_a_supervisor(client, session, world, supervisor):
    user, token = supervisor
    site = _site(session, world)
    session.commit()
    made = client.post(f"/api/v1/sites/{site.id}/units", json={"name": "仓库B", "kind": "storage"},
                       headers=auth(token))
    assert made.status_code == 201, made.get_json()
    again = client.post(f"/api/v1/sites/{site.id}/units", json={"name": "仓库B", "kind": "storage"},
                        headers=auth(token))
    assert_problem(again, 409)
    listed = client.get(f"/api/v1/sites/{site.id}/units", headers=auth(world.tokens["producer"])).get_json()
    assert [(u["name"], u["kind"], u["is_default"]) for u in listed] == [
        ("默认单元", "production", True), ("仓库B", "storage", False)]
    unknown = client.post(f"/api/v1/sites/{site.id}/design-maxima", headers=auth(token), json={
        "chemical_id": str(world.chemical.id), "unit_id": str(site.id), "quantity_t": "1", "reason": "x"})
    assert_problem(unknown, 422)


def test_a_site_registered_through_the_api_comes_with_its_default_unit(client, session, world):
    response = client.post("/api/v1/sites", headers=auth(world.tokens["producer"]), json={
        "name": "新仓库", "kind": "warehouse", "lon": 120.3, "lat": 31.6})
    assert response.status_code == 201, response.get_json()
    listed = client.get(f"/api/v1/sites/{response.get_json()['id']}/units",
                        headers=auth(world.tokens["producer"])).get_json()
    assert [(u["name"], u["kind"]) for u in listed] == [("默认单元", "storage")]
