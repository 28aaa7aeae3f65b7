"""GB 18218-2018 identification and grading of one unit, pure: no database, no Flask (sources: app/data/README.md).

The standard identifies per unit (§3.5 生产单元, §3.6 储存单元; §4.1.1), never per site: S = Σ qᵢ/Qᵢ over the
chemicals of one unit (§4.2.1, a major hazard source when S ≥ 1) and R = α · Σ βᵢ·qᵢ/Qᵢ (§4.3.2). qᵢ is the
design maximum (§4.2.2: 实际存在量按设计最大量确定), which the caller supplies.

Where Q and β come from (:func:`rate`):

- Q: Table 1's threshold for a chemical it names; otherwise Table 2's by hazard category, and for a chemical
  with several hazards the lowest of its categories' thresholds (§4.1.3).
- β: Table 3's for the toxic gases it names; otherwise Table 4's for the category that set Q (the category
  with the lowest threshold; of equal thresholds, the larger β — this project's reading, see the README).
- The sums are exact (rationals): q/Q with Q = 0.3 t (phosgene) or 0.75 t (methyl isocyanate) has no finite decimal,
  and a rounded sum put R = 100 exactly at 99.999… (二级, not 一级) or S = 1 exactly at 0.999… (no major hazard
  source). Table 6's and §4.2.1's boundaries are read on the exact figure; only what is shown is rounded.
- A chemical Table 1 does not name and with no category is *not counted*, with that reason: it is never
  given a made-up threshold or β = 1 silently. A chemical Table 1 names but neither Table 3 nor a recorded
  category rates is counted in S with β = 1, and the term says it was assumed.
"""
from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from app.data import GB18218_TABLE1
from app.services.hazards import gb18218
from app.services.hazards.gb18218 import Grade, split_categories
from app.text import Text

#: β of a chemical Table 1 names that neither Table 3 nor a recorded category rates (said so on the term).
ASSUMED_BETA = Decimal(1)


@dataclass(frozen=True)
class Rating:
    """Q and β of one chemical, each with where it came from."""

    threshold_t: Decimal
    threshold_source: Text
    beta: Decimal
    beta_source: Text
    beta_assumed: bool = False


@dataclass(frozen=True)
class Table1Entry:
    """One row of the shipped excerpt of Table 1 (``app/data/gb18218_table1.csv``)."""

    name: str
    cas_numbers: tuple[str, ...]
    un_numbers: tuple[str, ...]
    threshold_t: Decimal
    beta: Decimal | None
    categories: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def table1() -> tuple[Table1Entry, ...]:
    """The shipped excerpt of Table 1."""
    with GB18218_TABLE1.open(encoding="utf-8", newline="") as handle:
        return tuple(Table1Entry(
            row["name_zh"], tuple(filter(None, row["cas_numbers"].split(";"))),
            tuple(filter(None, row["un_numbers"].split(";"))), Decimal(row["threshold_t"]),
            Decimal(row["beta"]) if row["beta"] else None, split_categories(row["categories"]),
        ) for row in csv.DictReader(handle))


def table1_entry(*, un_number: str | None = None, cas: str | None = None) -> Table1Entry | None:
    """The Table 1 entry with this UN number or CAS number, if the shipped excerpt has it."""
    for entry in table1():
        if (un_number and un_number in entry.un_numbers) or (cas and cas in entry.cas_numbers):
            return entry
    return None


def rate(*, table1_threshold: Decimal | None, table3_beta: Decimal | None,
         categories: Sequence[str]) -> Rating | Text:
    """Q and β for a chemical, or the reason it is not counted (see the module's docstring)."""
    ranked = sorted(((c, gb18218.CATEGORIES[c]) for c in categories if c in gb18218.CATEGORIES),
                    key=lambda pair: (pair[1].threshold_t, -pair[1].beta))
    if table1_threshold is not None:
        threshold, threshold_source = table1_threshold, Text("GB 18218 Table 1")
    elif ranked:
        code, category = ranked[0]
        threshold = category.threshold_t
        threshold_source = (Text("category {code} (GB 18218 Table 2)", code=code) if len(ranked) == 1 else
                            Text("category {code}, the lowest of {categories} (GB 18218 Table 2)", code=code,
                                 categories=", ".join(c for c, _ in ranked)))
    else:
        return Text("not named in GB 18218 Table 1 and no hazard category (Table 2) recorded: not counted")
    if table3_beta is not None:
        return Rating(threshold, threshold_source, table3_beta, Text("GB 18218 Table 3"))
    if ranked:
        code, category = ranked[0]
        return Rating(threshold, threshold_source, category.beta, Text("category {code} (GB 18218 Table 4)",
                                                                       code=code))
    return Rating(threshold, threshold_source, ASSUMED_BETA,
                  Text("no Table 3 entry and no hazard category recorded: β = 1 assumed, record the category"),
                  beta_assumed=True)


@dataclass(frozen=True)
class Term:
    """One chemical of a unit: q/Q and β·q/Q, with where Q and β came from."""

    name: str
    q_t: Decimal
    rating: Rating
    un_number: str | None = None
    cas: str | None = None
    chemical_id: object = None

    @property
    def exact_ratio(self) -> Fraction:
        """qᵢ/Qᵢ exactly (GB 18218-2018 §4.2.1)."""
        return Fraction(self.q_t) / Fraction(self.rating.threshold_t)

    @property
    def exact_weighted(self) -> Fraction:
        """βᵢ·qᵢ/Qᵢ exactly (GB 18218-2018 §4.3.2)."""
        return Fraction(self.rating.beta) * self.exact_ratio

    @property
    def ratio(self) -> Decimal:
        return _decimal(self.exact_ratio)

    @property
    def weighted(self) -> Decimal:
        return _decimal(self.exact_weighted)


@dataclass(frozen=True)
class NotCounted:
    """A chemical of a unit that GB 18218 does not count here, and why."""

    name: str
    q_t: Decimal
    reason: Text
    un_number: str | None = None
    cas: str | None = None
    chemical_id: object = None


@dataclass(frozen=True)
class Assessment:
    """S, R and the grade of one unit."""

    alpha: Decimal
    terms: list[Term]
    not_counted: list[NotCounted] = field(default_factory=list)
    name: str = ""

    @property
    def exact_s(self) -> Fraction:
        """S = Σ qᵢ/Qᵢ exactly: the figure §4.2.1 compares with 1."""
        return sum((t.exact_ratio for t in self.terms), Fraction(0))

    @property
    def exact_r(self) -> Fraction:
        """R = α · Σ βᵢ·qᵢ/Qᵢ exactly: the figure Table 6 grades."""
        return Fraction(self.alpha) * sum((t.exact_weighted for t in self.terms), Fraction(0))

    @property
    def s(self) -> Decimal:
        return _decimal(self.exact_s)

    @property
    def r(self) -> Decimal:
        return _decimal(self.exact_r)

    @property
    def grade(self) -> Grade | None:
        return gb18218.grade(self.exact_s, self.exact_r)


def _decimal(value: Fraction) -> Decimal:
    """An exact figure as a Decimal for showing (28 significant digits; :func:`number` rounds it further)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def by_weight(term: Term) -> tuple[Fraction, str]:
    """Largest β·q/Q first, then by name: the order an explanation lists terms in."""
    return -term.exact_weighted, term.name


def worst(assessments: Iterable[Assessment]) -> Assessment | None:
    """The unit that sets a site's grade: the highest grade, then the largest R, then the largest S."""
    return max(assessments, key=lambda a: (gb18218.rank(a.grade), a.exact_r, a.exact_s), default=None)


def number(value: Decimal, places: int = 6) -> str:
    """A figure for people: rounded to *places* decimals, trailing zeros dropped (``1.216``, ``40``)."""
    text = f"{value.quantize(Decimal(1).scaleb(-places)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def alpha_basis(population: int | None) -> Text:
    """Why α is what it is: the population's Table 5 band, or the stated policy for an unknown population."""
    if population is None:
        return Text("population within 500 m not recorded: α = {alpha} by policy (an unknown neighbourhood is "
                    "graded as a crowded one)", alpha=number(gb18218.UNKNOWN_POPULATION_ALPHA))
    return Text("{population} people within 500 m (GB 18218 Table 5)", population=population)


def term_json(term: Term) -> dict[str, object]:
    """One term as the API and the CLI show it."""
    rating = term.rating
    return {"name": term.name, "un_number": term.un_number, "cas": term.cas, "q_t": number(term.q_t),
            "threshold_t": number(rating.threshold_t), "threshold_source": rating.threshold_source,
            "beta": number(rating.beta), "beta_source": rating.beta_source, "beta_assumed": rating.beta_assumed,
            "q_over_threshold": number(term.ratio), "beta_q_over_threshold": number(term.weighted)}


def not_counted_json(item: NotCounted) -> dict[str, object]:
    return {"name": item.name, "un_number": item.un_number, "cas": item.cas, "q_t": number(item.q_t),
            "reason": item.reason}


def resolve(chemical: dict[str, object]) -> Term | NotCounted:
    """The term of one chemical named by ``un_number``, ``cas`` or ``category`` (with ``quantity_t``), as
    ``hazard compute`` and ``POST /hazard/compute`` take it: Table 1 by UN or CAS number, else its categories."""
    un_number, cas = chemical.get("un_number"), chemical.get("cas")
    entry = table1_entry(un_number=un_number, cas=cas)  # type: ignore[arg-type]
    categories = split_categories(chemical.get("category")) or (entry.categories if entry else ())  # type: ignore
    name = str(chemical.get("name") or (entry.name if entry else None)
               or (f"UN {un_number}" if un_number else cas or "+".join(categories)))
    q_t = Decimal(str(chemical["quantity_t"]))
    rating = rate(table1_threshold=entry.threshold_t if entry else None, table3_beta=entry.beta if entry else None,
                  categories=categories)
    if isinstance(rating, Text):
        return NotCounted(name, q_t, rating, un_number, cas)  # type: ignore[arg-type]
    return Term(name, q_t, rating, un_number, cas)  # type: ignore[arg-type]


def assess_unit(name: str, population: int | None, chemicals: Iterable[dict[str, object]]) -> Assessment:
    """S, R and the grade of one unit from its chemicals' design maximums (tonnes)."""
    resolved = [resolve(c) for c in chemicals]
    return Assessment(gb18218.alpha(population), sorted((t for t in resolved if isinstance(t, Term)), key=by_weight),
                      [t for t in resolved if isinstance(t, NotCounted)], name)


def unit_json(unit: Assessment) -> dict[str, object]:
    grade = unit.grade
    return {"name": unit.name, "s": number(unit.s), "r": number(unit.r), "grade": str(grade) if grade else None,
            "major_hazard_source": grade is not None, "terms": [term_json(t) for t in unit.terms],
            "not_counted": [not_counted_json(n) for n in unit.not_counted]}


def compute(population: int | None, units: Sequence[dict[str, object]]) -> dict[str, object]:
    """The report of ``hazledger hazard compute`` (CONTRACT.md): every unit's figure and the site's grade, the
    worst unit's (None when no unit is a major hazard source)."""
    assessed = [assess_unit(str(u["name"]), population, u["chemicals"]) for u in units]  # type: ignore[arg-type]
    top = worst(assessed)
    grade = top.grade if top is not None else None
    return {"formula": Text("per unit: S = Σ qᵢ/Qᵢ (a major hazard source when S ≥ 1); R = α · Σ βᵢ·qᵢ/Qᵢ "
                            "(GB 18218-2018 §4.2, §4.3); q = the design maximum (§4.2.2)"),
            "exposed_population": population, "alpha": number(gb18218.alpha(population)),
            "alpha_basis": alpha_basis(population), "units": [unit_json(u) for u in assessed],
            "grade": str(grade) if grade else None, "major_hazard_source": grade is not None}
