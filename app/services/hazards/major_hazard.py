"""Major hazard sources (GB 18218-2018) from the ledger's live balances: S, R and the grade of each site.

One query gives every (site, chemical) holding with the catalogue's facts for the chemical (balances ×
catalogue); the sums are then taken in Python with exact decimals, term by term, so the figure can be
explained. A chemical counts when the catalogue gives it a threshold (Table 1) or a hazard category (Table 2);
β is the chemical's own (Table 3), else its category's (Table 4), else 1.

:func:`recheck` runs inside every ledger transaction that moved a rated chemical at a site (see
``app/services/ledger/followups.py``): it compares each such site before and after the transaction and raises
a MAJOR_HAZARD alert when the site became a major hazard source or went up a grade.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app.services.alerts import raise_alert
from app.services.hazards import gb18218
from app.services.hazards.gb18218 import Grade
from app.services.ledger.balances import movements
from models import Account, AccountKind, AlertKind, Batch, Chemical, Severity, Site
from models.types import Quantity

_KG_PER_T = Decimal(1000)
SEVERITY = {Grade.FIRST: Severity.CRITICAL, Grade.SECOND: Severity.HIGH, Grade.THIRD: Severity.MEDIUM,
            Grade.FOURTH: Severity.LOW}
#: A chemical the identification counts: the catalogue gives it a threshold or a hazard category.
RATED = or_(Chemical.major_hazard_threshold_t.isnot(None), Chemical.major_hazard_category.isnot(None))


def rated(chemical: Chemical) -> bool:
    """:data:`RATED` for a loaded chemical."""
    return chemical.major_hazard_threshold_t is not None or chemical.major_hazard_category is not None


@dataclass(frozen=True)
class Term:
    """One chemical held at a site: q/Q and β·q/Q, with where Q and β came from."""

    chemical_id: uuid.UUID
    name: str
    un_number: str | None
    q_t: Decimal
    threshold_t: Decimal
    threshold_source: str
    beta: Decimal
    beta_source: str

    @property
    def ratio(self) -> Decimal:
        return self.q_t / self.threshold_t

    @property
    def weighted(self) -> Decimal:
        return self.beta * self.ratio


@dataclass(frozen=True)
class Assessment:
    """S, R and the grade of one site from the terms of the chemicals it holds."""

    alpha: Decimal
    terms: list[Term]
    #: Chemicals held that GB 18218 does not count here (no threshold, no category): (chemical id, name, q_t).
    not_counted: list[tuple[uuid.UUID, str, Decimal]] = field(default_factory=list)

    @property
    def s(self) -> Decimal:
        return sum((t.ratio for t in self.terms), Decimal(0))

    @property
    def r(self) -> Decimal:
        return self.alpha * sum((t.weighted for t in self.terms), Decimal(0))

    @property
    def grade(self) -> Grade | None:
        return gb18218.grade(self.s, self.r)


def term_for(chemical: Any, q_t: Decimal) -> Term | None:
    """The term of *q_t* tonnes of *chemical* (a Chemical or a row with its columns), or None if it is not rated."""
    category = gb18218.CATEGORIES.get(chemical.major_hazard_category or "")
    if chemical.major_hazard_threshold_t is not None:
        threshold, threshold_source = chemical.major_hazard_threshold_t, "catalogue (GB 18218 Table 1)"
    elif category is not None:
        threshold = category.threshold_t
        threshold_source = f"category {chemical.major_hazard_category} (GB 18218 Table 2)"
    else:
        return None
    if chemical.major_hazard_beta is not None:
        beta, beta_source = chemical.major_hazard_beta, "catalogue (GB 18218 Table 3)"
    elif category is not None:
        beta, beta_source = category.beta, f"category {chemical.major_hazard_category} (GB 18218 Table 4)"
    else:
        beta, beta_source = gb18218.DEFAULT_BETA, "no category: 1"
    return Term(chemical.id, chemical.name_zh or chemical.name_en or "", chemical.un_number, q_t,
                threshold, threshold_source, beta, beta_source)


def _holdings(session: Session, site_ids: Collection[uuid.UUID] | None, *, rated_only: bool,
              since_sequence: int | None = None) -> list[Any]:
    """(site_id, the chemical's columns, kg now, kg at *since_sequence*) per site and chemical held, one query.

    *site_ids* None: every site. The site accounts are looked up first, so the balances are read through the
    (account, batch) indexes of the named sites only.
    """
    account_ids = None
    if site_ids is not None:
        account_ids = list(session.scalars(select(Account.id).where(
            Account.kind == AccountKind.SITE, Account.site_id.in_(list(site_ids)))))
        if not account_ids:
            return []
    moves = movements(account_ids=account_ids)
    now = type_coerce(func.sum(moves.c.delta), Quantity())
    before = type_coerce(func.sum(case((moves.c.sequence <= (since_sequence or 0), moves.c.delta), else_=0)),
                         Quantity())
    chemical = (Chemical.id, Chemical.name_zh, Chemical.name_en, Chemical.un_number,
                Chemical.major_hazard_threshold_t, Chemical.major_hazard_category, Chemical.major_hazard_beta)
    stmt = (select(Account.site_id, *chemical, now.label("kg"), before.label("kg_before"))
            .select_from(moves)
            .join(Account, Account.id == moves.c.account_id)
            .join(Batch, Batch.id == moves.c.batch_id)
            .join(Chemical, Chemical.id == Batch.chemical_id)
            .where(Account.kind == AccountKind.SITE)
            .group_by(Account.site_id, *chemical)
            .having(or_(func.sum(moves.c.delta) != 0, before != 0) if since_sequence is not None
                    else func.sum(moves.c.delta) != 0))
    if rated_only:
        stmt = stmt.where(RATED)
    return list(session.execute(stmt))


def assess(session: Session, sites: Iterable[Site], *, rated_only: bool = True) -> dict[uuid.UUID, Assessment]:
    """The assessment of every one of *sites* from its live balances (two queries for any number of sites)."""
    by_id = {site.id: site for site in sites}
    return _assessments(by_id, _holdings(session, by_id, rated_only=rated_only), "kg")


def assess_all(session: Session, sites: Iterable[Site]) -> dict[uuid.UUID, Assessment]:
    """:func:`assess` for many sites at once: one pass over every site's balances, no list of accounts."""
    by_id = {site.id: site for site in sites}
    return _assessments(by_id, [row for row in _holdings(session, None, rated_only=True) if row.site_id in by_id],
                        "kg")


def _assessments(sites: dict[uuid.UUID, Site], rows: list[Any], column: str) -> dict[uuid.UUID, Assessment]:
    terms: dict[uuid.UUID, list[Term]] = defaultdict(list)
    ignored: dict[uuid.UUID, list[tuple[uuid.UUID, str, Decimal]]] = defaultdict(list)
    for row in rows:
        q_t = getattr(row, column) / _KG_PER_T
        if not q_t:
            continue
        term = term_for(row, q_t)
        if term is None:
            ignored[row.site_id].append((row.id, row.name_zh or row.name_en or "", q_t))
        else:
            terms[row.site_id].append(term)
    return {site_id: Assessment(gb18218.alpha(site.exposed_population), sorted(terms[site_id], key=_by_weight),
                                ignored[site_id])
            for site_id, site in sites.items()}


def _by_weight(term: Term) -> tuple[Decimal, str]:
    return -term.weighted, term.name


def recheck(session: Session, site_ids: Collection[uuid.UUID], *, since_sequence: int, at: dt.datetime) -> None:
    """Raise a MAJOR_HAZARD alert for each of *site_ids* that the entries after *since_sequence* made a major
    hazard source or moved up a grade; the caller commits. One alert per site and grade (its key)."""
    sites = {site.id: site for site in session.scalars(select(Site).where(Site.id.in_(list(site_ids))))}
    rows = _holdings(session, sites, rated_only=True, since_sequence=since_sequence)
    before, after = _assessments(sites, rows, "kg_before"), _assessments(sites, rows, "kg")
    for site_id, now in after.items():
        grade, previous = now.grade, before[site_id].grade
        if grade is None or grade.rank <= gb18218.rank(previous):
            continue
        site = sites[site_id]
        raise_alert(session, key=f"major_hazard:{site_id}:{grade.name.lower()}", kind=AlertKind.MAJOR_HAZARD,
                    severity=SEVERITY[grade], started_at=at, enterprise_id=site.enterprise_id, site_id=site_id,
                    lon=site.lon, lat=site.lat,
                    title=f"{site.name}: {grade}重大危险源 (S = {number(now.s, 3)}, R = {number(now.r, 2)})",
                    details={"grade": str(grade), "previous_grade": str(previous) if previous else None,
                             "s": number(now.s), "r": number(now.r), "alpha": number(now.alpha)})


def number(value: Decimal, places: int = 6) -> str:
    """A figure for people: rounded to *places* decimals, trailing zeros dropped (``1.216``, ``40``)."""
    text = f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def explain(site: Site, assessment: Assessment) -> dict[str, Any]:
    """The figure term by term, as ``GET /api/v1/sites/{id}/hazard`` shows it."""
    grade = assessment.grade
    population = site.exposed_population
    return {
        "site_id": str(site.id), "site": site.name,
        "formula": "S = Σ qᵢ/Qᵢ (source when S ≥ 1); R = α · Σ βᵢ·qᵢ/Qᵢ (GB 18218-2018)",
        "exposed_population": population, "alpha": number(assessment.alpha),
        "alpha_basis": ("population within 500 m not recorded: the largest α" if population is None
                        else f"{population} people within 500 m (GB 18218 Table 5)"),
        "s": number(assessment.s), "r": number(assessment.r),
        "major_hazard_source": grade is not None, "grade": str(grade) if grade else None,
        "terms": [{
            "chemical_id": str(t.chemical_id), "name": t.name, "un_number": t.un_number,
            "q_t": number(t.q_t), "threshold_t": number(t.threshold_t), "threshold_source": t.threshold_source,
            "beta": number(t.beta), "beta_source": t.beta_source,
            "q_over_threshold": number(t.ratio), "beta_q_over_threshold": number(t.weighted),
        } for t in assessment.terms],
        "not_counted": [{"chemical_id": str(chemical_id), "name": name, "q_t": number(q_t),
                         "reason": "no GB 18218 threshold or hazard category in the catalogue"}
                        for chemical_id, name, q_t in assessment.not_counted],
    }
