"""GB 18218-2018 worked by hand: S = Σ q/Q, R = α · Σ β·q/Q, grades, and alerts when a site crosses up."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.services.hazards import gb18218
from app.services.hazards.gb18218 import Grade
from app.services.hazards.major_hazard import Assessment, assess, term_for
from app.services.ledger import lifecycle
from models import Alert, AlertKind, EntryKind, Severity
from tests.app.ledger.conftest import an_hour_ago
from tests.factories import make_chemical, make_site

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
