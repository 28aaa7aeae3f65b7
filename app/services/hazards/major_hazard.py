"""Major hazard sources (GB 18218-2018) of the registered sites: per unit, from the design maximums.

- The grade: each unit's S and R from the design maximums a supervisor registered for it (§4.2.2), computed by
  :mod:`~app.services.hazards.identification`; the site's grade is its worst unit's. A chemical's Q, β and
  categories come from the catalogue record, else from the shipped excerpt of Table 1 (by UN or CAS number).
  :func:`regrading` wraps a change of those figures and raises a MAJOR_HAZARD alert when the site became a
  major hazard source or went up a grade.
- The safety check: the ledger's live balance per unit is compared with what the unit is registered for.
  :func:`recheck` runs inside every ledger transaction that moved a counted chemical at a site
  (``app/services/ledger/followups.py``) and raises an alert when a unit came to hold more of a chemical than
  its design maximum, or a counted chemical it has no design maximum for.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from app.services.alerts import raise_alert
from app.services.hazards import gb18218
from app.services.hazards.design_maxima import DEFAULT_UNIT_NAME, current_maxima, units_of
from app.services.hazards.gb18218 import Grade, split_categories
from app.services.hazards.identification import (
    Assessment, NotCounted, Rating, Term, alpha_basis, by_weight, not_counted_json, number, rate, table1_entry,
    term_json, worst,
)
from app.services.ledger.balances import movements
from app.text import Text
from models import Account, AccountKind, AlertKind, Batch, Chemical, Severity, Site
from models.types import Quantity, utcnow

_KG_PER_T = Decimal(1000)
SEVERITY = {Grade.FIRST: Severity.CRITICAL, Grade.SECOND: Severity.HIGH, Grade.THIRD: Severity.MEDIUM,
            Grade.FOURTH: Severity.LOW}


def rating_of(chemical: Chemical) -> Rating | Text:
    """Q and β of a catalogue chemical (its own figures, else the shipped Table 1's), or why it is not counted.

    The shipped Table 1 is matched by CAS number only: a UN number may name a generic entry (n.o.s., a
    solution), a CAS number names the substance Table 1 lists."""
    entry = next(filter(None, (table1_entry(cas=cas) for cas in chemical.cas_numbers or ())), None)
    threshold = chemical.major_hazard_threshold_t or (entry.threshold_t if entry else None)
    beta = chemical.major_hazard_beta or (entry.beta if entry else None)
    categories = split_categories(chemical.major_hazard_category) or (entry.categories if entry else ())
    return rate(table1_threshold=threshold, table3_beta=beta, categories=categories)


def rated(chemical: Chemical) -> bool:
    """Whether GB 18218 counts the chemical (a threshold from Table 1 or a category)."""
    return isinstance(rating_of(chemical), Rating)


def _name(chemical: Chemical) -> str:
    return chemical.name_zh or chemical.name_en or chemical.un_number or str(chemical.id)


@dataclass(frozen=True)
class UnitFigure:
    """One unit of a site: its id (None: a default unit not yet registered), kind and assessment."""

    unit_id: uuid.UUID | None
    kind: str
    assessment: Assessment


@dataclass(frozen=True)
class SiteAssessment:
    """Every unit of a site, and the site's figure: its worst unit's."""

    population: int | None
    units: list[UnitFigure]

    @property
    def alpha(self) -> Decimal:
        return gb18218.alpha(self.population)

    @property
    def worst(self) -> Assessment | None:
        return worst(u.assessment for u in self.units)

    @property
    def s(self) -> Decimal:
        return self.worst.s if self.worst else Decimal(0)

    @property
    def r(self) -> Decimal:
        return self.worst.r if self.worst else Decimal(0)

    @property
    def grade(self) -> Grade | None:
        return self.worst.grade if self.worst else None


def _unit_assessment(population: int | None, name: str, maxima: Iterable[tuple[Chemical, Decimal]]) -> Assessment:
    terms: list[Term] = []
    ignored: list[NotCounted] = []
    for chemical, kg in maxima:
        rating = rating_of(chemical)
        if isinstance(rating, str):
            ignored.append(NotCounted(_name(chemical), kg / _KG_PER_T, rating, chemical.un_number,
                                      chemical_id=chemical.id))
        else:
            terms.append(Term(_name(chemical), kg / _KG_PER_T, rating, chemical.un_number, chemical_id=chemical.id))
    return Assessment(gb18218.alpha(population), sorted(terms, key=by_weight), ignored, name)


def assess(session: Session, sites: Iterable[Site]) -> dict[uuid.UUID, SiteAssessment]:
    """Every site's units graded from their current design maximums (three queries for any number of sites)."""
    sites = {site.id: site for site in sites}
    units = units_of(session, list(sites))
    maxima = current_maxima(session, [u.id for u in units])
    chemicals = {c.id: c for c in session.scalars(select(Chemical).where(
        Chemical.id.in_({chemical_id for _, chemical_id in maxima})))} if maxima else {}
    per_unit: dict[uuid.UUID, list[tuple[Chemical, Decimal]]] = defaultdict(list)
    for (unit_id, chemical_id), kg in maxima.items():
        per_unit[unit_id].append((chemicals[chemical_id], kg))
    by_site: dict[uuid.UUID, list[UnitFigure]] = {site_id: [] for site_id in sites}
    for unit in units:
        population = sites[unit.site_id].exposed_population
        by_site[unit.site_id].append(UnitFigure(unit.id, str(unit.kind),
                                                _unit_assessment(population, unit.name, per_unit[unit.id])))
    # A site registered outside the API before units existed may have no unit row yet: its default unit.
    return {site_id: SiteAssessment(sites[site_id].exposed_population, figures or [
        UnitFigure(None, "", _unit_assessment(sites[site_id].exposed_population, DEFAULT_UNIT_NAME, []))])
        for site_id, figures in by_site.items()}


@contextmanager
def regrading(session: Session, site: Site) -> Iterator[None]:
    """Around a change of the site's design maximums or population: alert when it made the site a major hazard
    source or moved it up a grade (one alert per site and grade: its key). The caller commits."""
    before = assess(session, [site])[site.id].grade
    yield
    now = assess(session, [site])[site.id]
    grade = now.grade
    if grade is None or grade.rank <= gb18218.rank(before):
        return
    raise_alert(session, key=f"major_hazard:{site.id}:{grade.name.lower()}", kind=AlertKind.MAJOR_HAZARD,
                severity=SEVERITY[grade], started_at=utcnow(), enterprise_id=site.enterprise_id, site_id=site.id,
                lon=site.lon, lat=site.lat, subject=site.name,
                details={"grade": str(grade), "previous_grade": str(before) if before else None,
                         "unit": now.worst.name if now.worst else None,
                         "s": number(now.s), "r": number(now.r), "alpha": number(now.alpha)})


def _unit_holdings(session: Session, site_ids: Collection[uuid.UUID], since_sequence: int) -> list[Any]:
    """(site_id, unit_id or None for the default, chemical_id, kg now, kg at *since_sequence*), one query."""
    account_ids = list(session.scalars(select(Account.id).where(
        Account.kind == AccountKind.SITE, Account.site_id.in_(list(site_ids)))))
    if not account_ids:
        return []
    moves = movements(account_ids=account_ids)
    now = type_coerce(func.sum(moves.c.delta), Quantity())
    before = type_coerce(func.sum(case((moves.c.sequence <= since_sequence, moves.c.delta), else_=0)), Quantity())
    return list(session.execute(
        select(Account.site_id, Account.unit_id, Batch.chemical_id, now.label("kg"), before.label("kg_before"))
        .select_from(moves).join(Account, Account.id == moves.c.account_id)
        .join(Batch, Batch.id == moves.c.batch_id)
        .group_by(Account.site_id, Account.unit_id, Batch.chemical_id)))


def _exceeds(kg: Decimal, limit: Decimal | None) -> bool:
    """Whether a unit holding *kg* breaks its registration: more than its design maximum, or any at all of a
    counted chemical it has no design maximum for."""
    return kg > (limit if limit is not None else 0)


def recheck(session: Session, site_ids: Collection[uuid.UUID], *, since_sequence: int, at: dt.datetime) -> None:
    """The safety check of the units of *site_ids* after the entries past *since_sequence*: an alert for each
    unit that came to hold more of a counted chemical than its design maximum, or one it has none for."""
    sites = {site.id: site for site in session.scalars(select(Site).where(Site.id.in_(list(site_ids))))}
    units = units_of(session, list(sites))
    default = {u.site_id: u for u in units if u.is_default}
    by_id = {u.id: u for u in units}
    maxima = current_maxima(session, list(by_id))
    for row in _unit_holdings(session, sites, since_sequence):
        unit = by_id.get(row.unit_id) if row.unit_id else default.get(row.site_id)
        chemical = session.get(Chemical, row.chemical_id)
        if unit is None or chemical is None or not rated(chemical):
            continue
        limit = maxima.get((unit.id, chemical.id))
        if not _exceeds(row.kg, limit) or _exceeds(row.kg_before or 0, limit):
            continue
        site = sites[row.site_id]
        problem = "no_design_maximum" if limit is None else "over_design_maximum"
        raise_alert(session, key=f"design_maximum:{unit.id}:{chemical.id}:{problem}:{since_sequence}",
                    kind=AlertKind.MAJOR_HAZARD, severity=Severity.HIGH if limit is not None else Severity.MEDIUM,
                    started_at=at, enterprise_id=site.enterprise_id, site_id=site.id, lon=site.lon, lat=site.lat,
                    subject=site.name,
                    details={"problem": problem, "unit_id": str(unit.id), "unit": unit.name,
                             "chemical_id": str(chemical.id), "chemical": _name(chemical),
                             "held_t": number(row.kg / _KG_PER_T),
                             "design_maximum_t": number(limit / _KG_PER_T) if limit is not None else None})


def explain(site: Site, assessment: SiteAssessment) -> dict[str, Any]:
    """The figure unit by unit and term by term, as ``GET /api/v1/sites/{id}/hazard`` shows it."""
    grade = assessment.grade
    top = assessment.worst
    return {
        "site_id": str(site.id), "site": site.name,
        "formula": Text("per unit: S = Σ qᵢ/Qᵢ (source when S ≥ 1); R = α · Σ βᵢ·qᵢ/Qᵢ; q = the unit's design "
                        "maximum (GB 18218-2018 §4.2.2); the site's grade is its worst unit's"),
        "exposed_population": site.exposed_population, "alpha": number(assessment.alpha),
        "alpha_basis": alpha_basis(site.exposed_population),
        "s": number(assessment.s), "r": number(assessment.r), "worst_unit": top.name if top else None,
        "major_hazard_source": grade is not None, "grade": str(grade) if grade else None,
        "units": [{"unit_id": str(u.unit_id) if u.unit_id else None, "name": u.assessment.name, "kind": u.kind,
                   "s": number(u.assessment.s), "r": number(u.assessment.r),
                   "grade": str(u.assessment.grade) if u.assessment.grade else None,
                   "major_hazard_source": u.assessment.grade is not None,
                   "terms": [{**term_json(t), "chemical_id": str(t.chemical_id)} for t in u.assessment.terms],
                   "not_counted": [{**not_counted_json(n), "chemical_id": str(n.chemical_id)}
                                   for n in u.assessment.not_counted]}
                  for u in assessment.units],
    }
