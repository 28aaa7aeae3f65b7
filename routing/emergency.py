"""Emergency zones around a dangerous-goods incident, from the Emergency Response Guidebook 2016 (ERG 2016).

Pure functions (no Flask, no database): the ERG distances come from the lookup table in
``../shared/data/emergency/erg2016_lookup.csv`` (its data dictionary names every column), the geometry is built
in the UTM zone of the spill (:mod:`routing.projection`) and returned in WGS-84.

What the ERG prescribes, and where (every zone carries its source):

- **Table 1** (green pages), for toxic-by-inhalation (TIH) and water-reactive materials: an *initial isolation
  zone*, a circle of the isolation distance around the spill, and a *protective action zone* downwind. ERG 2016,
  "Introduction to the Table of Initial Isolation and Protective Action Distances" / "How to use Table 1": the
  protective action zone "is a square, whose length and width are the same as the downwind distance shown in
  Table 1"; its figure draws the square downwind of the spill, the spill in the middle of its upwind side. Which
  column: small or large spill, day (sunrise to sunset) or night.
- **Table 3**, large spills of six common TIH gases (ammonia, chlorine, ethylene oxide, hydrogen chloride, hydrogen
  fluoride, sulphur dioxide), by container (a road tank truck by default) and wind speed: low below 10 km/h,
  moderate 10–20 km/h, high above 20 km/h. Table 1 leaves these gases' large-spill columns empty.
- **Orange guides**, section "Evacuation": the isolation for a spill or leak, the initial downwind evacuation for
  a large spill, and the isolation "if tank, rail car or tank truck is involved in a fire" (``FIRE_ISO``).
- **BLEVE – Safety precautions** (the page after the guides): the preferred evacuation distance by tank capacity
  for liquefied petroleum gases (only the rows the table marks ``BLEVE``).
  The guides give this one as a distance only; it is drawn like Table 1's protective action zone.
- **Table of placards**: the guide for a load known only by its placard; the ERG flow chart's guide 111 when
  nothing is known.

Wind unknown: the protective action zone becomes a circle of the protective distance around the spill, and the
result says so.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from routing._errors import RoutingInputError
from routing._validate import check_lonlat
from routing.projection import geometry_to_wgs84, to_metric, utm_crs

ERG_EDITION = "ERG 2016"

# BLEVE – Safety precautions: the tank capacities (litres) of the table's rows, as the lookup's BLV columns.
BLEVE_CAPACITIES_L = (100, 400, 2000, 4000, 8000, 22000, 42000, 82000, 140000)

# Table 3 containers, as the lookup's column prefixes (data dictionary).
TABLE3_CONTAINERS = {
    "rail": ("RAIL", "rail tank car"),
    "truck": ("SEMI", "highway tank truck or trailer"),
    "multi-ton": ("MTON", "multiple ton cylinders"),
    "small-cylinders": ("STON", "multiple small cylinders or single ton cylinder"),
    "nurse-tank": ("AG", "agricultural nurse tank"),
    "multi-small": ("MSM", "multiple small cylinders"),
}

# ERG 2016 Table 3 wind classes: low < 10 km/h, moderate 10-20 km/h, high > 20 km/h (from memory of the table's
# heading: not verified from a public text, app/data/README.md).
_LOW_WIND_MS = 10 / 3.6
_HIGH_WIND_MS = 20 / 3.6

# ERG 2016, "Table of placards and initial response guide to use on-scene" (white pages), by ADR class (from
# memory of the printed table: not verified from a public text, app/data/README.md). Class 1
# and class 2 depend on the division / classification code (see guide_for_placard).
_PLACARD_GUIDES = {
    "3": 127, "4.1": 134, "4.2": 136, "4.3": 139, "5.1": 143, "5.2": 148,
    "6.1": 153, "6.2": 158, "7": 163, "8": 153, "9": 171,
}
UNIDENTIFIED_GUIDE = 111
_CLASS_RE = re.compile(r"^\s*(\d(?:\.\d)?)")
_SEGMENTS = 32


@dataclass(frozen=True)
class ErgRow:
    """One row of the ERG lookup: a guide (``un_number`` empty) or one material name of a UN number."""

    guide: int
    un_number: str
    material: str
    values: Mapping[str, float]
    bleve: bool
    table3: bool
    #: Marked "+" in Table 1: the distances can be larger in certain atmospheric conditions (data dictionary ATM).
    atmospheric: bool = False
    #: Marked "P": the material may polymerise violently when heated or contaminated (POLYMERIZE).
    polymerizes: bool = False

    def get(self, column: str) -> float:
        """A distance column in metres (0 where the ERG gives none)."""
        return self.values.get(column, 0.0)

    @property
    def tih(self) -> bool:
        """Whether Table 1 lists the material (toxic by inhalation or water-reactive)."""
        return self.table3 or any(self.get(c) > 0 for c in ("SM_DY", "SM_NTE", "LG_DY", "LG_NTE"))


@dataclass(frozen=True)
class ErgTable:
    """The ERG lookup: guide rows by guide number, material rows by UN number."""

    guides: Mapping[int, ErgRow]
    materials: Mapping[str, tuple[ErgRow, ...]]


def load_erg(path: str | Path) -> ErgTable:
    """Read ``erg2016_lookup.csv`` (columns as its data dictionary) into an :class:`ErgTable`."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RoutingInputError(f"cannot read the ERG table {path}: {exc.strerror}") from None
    needed = {"GuideNum", "IDNum", "Material", "SM_ISO", "FIRE_ISO", "BLEVE", "TABLE3"}
    if not rows or not needed <= set(rows[0]):
        raise RoutingInputError(f"ERG table {path} needs the columns {', '.join(sorted(needed))}")
    guides: dict[int, ErgRow] = {}
    materials: dict[str, list[ErgRow]] = {}
    for raw in rows:
        row = _row(raw)
        if row.un_number:
            materials.setdefault(row.un_number, []).append(row)
        else:
            guides[row.guide] = row
    return ErgTable(guides=guides, materials={k: tuple(v) for k, v in materials.items()})


def _row(raw: Mapping[str, str]) -> ErgRow:
    values = {}
    for key, cell in raw.items():
        try:
            values[key] = float(cell)
        except (TypeError, ValueError):
            continue
    un = int(values.get("IDNum", 0))
    return ErgRow(guide=int(values["GuideNum"]), un_number=f"{un:04d}" if un else "", material=raw["Material"],
                  values=values, bleve=raw.get("BLEVE") == "Yes", table3=raw.get("TABLE3") == "Yes",
                  atmospheric=raw.get("ATM") == "Yes", polymerizes=raw.get("POLYMERIZE") == "Yes")


def guide_for_placard(hazard_class: str | None, classification_code: str = "") -> int:
    """The ERG guide for a load known by its placard (ADR class), guide 111 when the class is unknown.

    ERG 2016, table of placards: explosives 1.1/1.2/1.3/1.5 → 112, 1.4/1.6 → 114; gases: poison gas 123,
    flammable gas 118, oxygen (oxidising) 122, non-flammable 121; flammable liquid 127; flammable solid 134;
    spontaneously combustible 136; dangerous when wet 139; oxidiser 143; organic peroxide 148; poison 153;
    infectious 158; radioactive 163; corrosive 153; class 9 171; unknown ("dangerous") 111.
    """
    match = _CLASS_RE.match(hazard_class or "")
    if not match:
        return UNIDENTIFIED_GUIDE
    cls = match.group(1)
    code = (classification_code or "").upper()
    if cls.startswith("1"):
        return 114 if code.startswith(("1.4", "1.6")) else 112
    if cls.startswith("2"):
        letters = code.lstrip("0123456789")
        for letter, guide in (("T", 123), ("F", 118), ("O", 122)):
            if letter in letters:
                return guide
        return 121
    return _PLACARD_GUIDES.get(cls, UNIDENTIFIED_GUIDE)


@dataclass(frozen=True)
class Scenario:
    """What is known about the incident.

    Attributes
    ----------
    un_number : str or None
        The cargo's UN number; ``None`` for an unidentified load.
    material_name : str or None
        The proper shipping name (picks the Table 1 row when a UN number has several).
    hazard_class, classification_code : str or None
        The ADR class (the placard) and classification code, for cargo without an ERG material row.
    large : bool
        Large spill (ERG: a large package, or many small ones) rather than small.
    night : bool
        Between sunset and sunrise.
    fire : bool
        The tank is on fire or exposed to fire.
    in_water : bool
        Spilled in water (the Table 1 "when spilled in water" rows).
    wind_from_deg : float or None
        Where the wind blows from, degrees clockwise from north; ``None`` when unknown.
    wind_speed_ms : float or None
        Wind speed, m/s (Table 3's wind class); ``None`` when unknown.
    capacity_l : float or None
        Tank capacity in litres (BLEVE distance); ``None`` when unknown.
    container : str
        Table 3 container (a key of :data:`TABLE3_CONTAINERS`); a road tank truck by default.
    """

    un_number: str | None = None
    material_name: str | None = None
    hazard_class: str | None = None
    classification_code: str = ""
    large: bool = False
    night: bool = False
    fire: bool = False
    in_water: bool = False
    wind_from_deg: float | None = None
    wind_speed_ms: float | None = None
    capacity_l: float | None = None
    container: str = "truck"

    def validated(self) -> Scenario:
        """Refuse values the ERG cannot use, with a one-line reason."""
        if self.wind_from_deg is not None and not (math.isfinite(self.wind_from_deg)
                                                   and 0 <= self.wind_from_deg <= 360):
            raise RoutingInputError(f"wind direction must be 0-360 degrees, got {self.wind_from_deg}")
        for name, value in (("wind speed", self.wind_speed_ms), ("tank capacity", self.capacity_l)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise RoutingInputError(f"{name} must be zero or more, got {value}")
        if self.container not in TABLE3_CONTAINERS:
            raise RoutingInputError(f"container must be one of {', '.join(TABLE3_CONTAINERS)}, got {self.container!r}")
        if self.un_number is not None and not re.fullmatch(r"\d{4}", self.un_number):
            raise RoutingInputError(f"not a UN number: {self.un_number!r}")
        return self


@dataclass(frozen=True)
class Zone:
    """One zone: what it is, its distance, the ERG table it comes from, and its shape in WGS-84."""

    kind: str
    distance_m: float
    source: str
    shape: str
    geometry: BaseGeometry

    def as_dict(self) -> dict[str, Any]:
        """The zone without its geometry."""
        return {"kind": self.kind, "distance_m": self.distance_m, "source": self.source, "shape": self.shape}


@dataclass(frozen=True)
class ZoneResult:
    """The zones of one incident and how they were found."""

    lon: float
    lat: float
    guide: int
    basis: str
    material: str
    zones: tuple[Zone, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def area(self) -> BaseGeometry:
        """The union of every zone (WGS-84): what traffic keeps away from."""
        return shapely.union_all([z.geometry for z in self.zones])

    def summary(self) -> dict[str, Any]:
        """The result as JSON-ready data, without geometry."""
        return {"erg_edition": ERG_EDITION, "lon": self.lon, "lat": self.lat, "guide": self.guide,
                "basis": self.basis, "material": self.material,
                "zones": [z.as_dict() for z in self.zones], "notes": list(self.notes)}

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: one Feature per zone (largest first, so a map draws small ones on top)
        and the spill point; the summary's other facts as foreign members."""
        features = [{"type": "Feature", "geometry": mapping(z.geometry),
                     "properties": {**z.as_dict(), "guide": self.guide, "erg_edition": ERG_EDITION}}
                    for z in sorted(self.zones, key=lambda z: -z.geometry.area)]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [self.lon, self.lat]},
                         "properties": {"kind": "spill"}})
        summary = self.summary()
        del summary["zones"]
        return {"type": "FeatureCollection", "features": features, **summary}


@dataclass(frozen=True)
class _Distance:
    kind: str
    metres: float
    source: str
    downwind: bool = False


def choose_row(rows: Iterable[ErgRow], scenario: Scenario) -> tuple[ErgRow, list[str]]:
    """Pick the material row for a UN number that has several names.

    By the shipping name when it matches one; else ERG 2016 "How to use Table 1", step 2: "If the shipping name
    is not known and the Table lists more than one name for the same ID Number, use the entry with the largest
    protective action distances". The "(when spilled in water)" rows count only for a spill in water.
    """
    rows = list(rows)
    notes: list[str] = []
    wanted = (scenario.material_name or "").strip().casefold()
    named = [r for r in rows if wanted and r.material.casefold() == wanted]
    if named:
        return named[0], notes
    in_water = [r for r in rows if "when spilled in water" in r.material]
    candidates = (in_water if scenario.in_water and in_water else
                  [r for r in rows if r not in in_water] or rows)
    best = max(candidates, key=lambda r: max(d.metres for d in _table_distances(r, scenario)[0]) if r.tih else 0)
    if len(rows) > 1:
        others = ", ".join(r.material for r in rows if r is not best)
        notes.append(f"UN{best.un_number} has several ERG entries; used {best.material!r} (the largest distances, "
                     f"ERG 2016 Table 1 step 2, unless the shipping name matches one); others: {others}")
    return best, notes


def _table_distances(row: ErgRow, scenario: Scenario) -> tuple[list[_Distance], list[str]]:
    """Isolation and protective action distances of a Table 1 material (Table 3 for its large spills)."""
    period = "NTE" if scenario.night else "DY"
    when = "night" if scenario.night else "day"
    if scenario.large and row.table3:
        return _table3_distances(row, scenario, period, when)
    size = "LG" if scenario.large else "SM"
    label = f"{ERG_EDITION} Table 1, {row.material}, {'large' if scenario.large else 'small'} spill"
    return [_Distance("initial_isolation", row.get(f"{size}_ISO"), f"{label}: initial isolation"),
            _Distance("protective_action", row.get(f"{size}_{period}"),
                      f"{label}, {when}: protective action distance", downwind=True)], []


def _table3_distances(row: ErgRow, scenario: Scenario, period: str, when: str) -> tuple[list[_Distance], list[str]]:
    prefix, container = TABLE3_CONTAINERS[scenario.container]
    if row.get(f"{prefix}_ISO") <= 0:
        listed = [k for k, (p, _) in TABLE3_CONTAINERS.items() if row.get(f"{p}_ISO") > 0]
        raise RoutingInputError(f"{ERG_EDITION} Table 3 has no {container} figures for {row.material}; "
                                f"it lists: {', '.join(listed)}")
    notes = []
    speed = scenario.wind_speed_ms
    if speed is None:
        wind, column = max(((w, f"{prefix}{period}{w}") for w in ("LOW", "MOD", "HI")),
                           key=lambda pair: row.get(pair[1]))
        notes.append(f"wind speed unknown: Table 3's largest distance ({wind.lower()} wind) is used")
    else:
        wind = "LOW" if speed < _LOW_WIND_MS else "HI" if speed > _HIGH_WIND_MS else "MOD"
        column = f"{prefix}{period}{wind}"
    wind_name = {"LOW": "low wind (< 10 km/h)", "MOD": "moderate wind (10-20 km/h)", "HI": "high wind (> 20 km/h)"}
    label = f"{ERG_EDITION} Table 3, {row.material}, large spill from a {container}"
    return [_Distance("initial_isolation", row.get(f"{prefix}_ISO"), f"{label}: initial isolation"),
            _Distance("protective_action", row.get(column),
                      f"{label}, {when}, {wind_name[wind]}: protective action distance", downwind=True)], notes


def _guide_distances(row: ErgRow, guide: int, scenario: Scenario) -> list[_Distance]:
    """An orange guide's spill distances (used for materials Table 1 does not list)."""
    label = f"{ERG_EDITION} Guide {guide}, Public safety / Evacuation"
    out = [_Distance("initial_isolation", row.get("SM_ISO"), f"{label}: isolate spill or leak area")]
    if scenario.large and row.get("LG_ISO") > 0:
        out.append(_Distance("downwind_evacuation", row.get("LG_ISO"),
                             f"{label}, large spill: initial downwind evacuation", downwind=True))
    return out


def _fire_distances(row: ErgRow, guide: int, scenario: Scenario) -> tuple[list[_Distance], list[str]]:
    """The fire isolation (orange guide) and, for a BLEVE-prone gas, the evacuation by tank capacity."""
    out, notes = [], []
    if row.get("FIRE_ISO") > 0:
        out.append(_Distance("fire_isolation", row.get("FIRE_ISO"),
                             f"{ERG_EDITION} Guide {guide}, Evacuation - Fire: tank or tank truck involved in a fire"))
    if not row.bleve:
        notes.append(f"no BLEVE distance: the {ERG_EDITION} BLEVE table covers liquefied petroleum gases "
                     f"(Guide 115), not this cargo")
        return out, notes
    capacities = [c for c in BLEVE_CAPACITIES_L if scenario.capacity_l is not None and c >= scenario.capacity_l]
    if scenario.capacity_l is None:
        capacity = BLEVE_CAPACITIES_L[-1]
        notes.append(f"tank capacity unknown: the BLEVE distance of the largest tank ({capacity} L) is used")
    elif not capacities:
        capacity = BLEVE_CAPACITIES_L[-1]
        notes.append(f"tank capacity {scenario.capacity_l:.0f} L is beyond the BLEVE table: its largest row is used")
    else:
        capacity = capacities[0]
    out.append(_Distance("bleve_evacuation", row.get(f"BLV{capacity}L"),
                         f"{ERG_EDITION} BLEVE - Safety precautions, tank of {capacity} L: "
                         f"preferred evacuation distance"))
    return out, notes


def _source_row(table: ErgTable, scenario: Scenario) -> tuple[ErgRow, int, str, str, list[str]]:
    """The ERG row that governs the cargo: its material row, else its guide by placard, else guide 111."""
    rows = table.materials.get(scenario.un_number or "")
    if rows:
        row, notes = choose_row(rows, scenario)
        return row, row.guide, "table1" if row.tih else "material", row.material, notes
    guide = guide_for_placard(scenario.hazard_class, scenario.classification_code)
    if guide not in table.guides:
        raise RoutingInputError(f"the ERG table has no guide {guide}")
    row = table.guides[guide]
    if scenario.un_number and scenario.hazard_class:
        # The ERG's yellow pages (every UN number's guide) are not available here (app/data/README.md).
        note = (f"UN{scenario.un_number} has no row in the {ERG_EDITION} lookup (which lists Table 1 and BLEVE "
                f"materials only): guide {guide} by its placard (class {scenario.hazard_class}), as the ERG "
                f"prescribes when only the placard is known; check the guide for UN{scenario.un_number} in the "
                f"ERG yellow pages")
        return row, guide, "placard", row.material, [note]
    if scenario.hazard_class:
        note = f"load identified by its placard only (class {scenario.hazard_class}): guide {guide}"
        return row, guide, "placard", row.material, [note]
    return row, guide, "unidentified", row.material, [
        f"unidentified load: {ERG_EDITION} guide {guide} (no UN number, name or placard known)"]


def compute_zones(table: ErgTable, scenario: Scenario, lon: float, lat: float) -> ZoneResult:
    """The ERG zones of an incident at ``(lon, lat)``.

    Parameters
    ----------
    table : ErgTable
        As returned by :func:`load_erg`.
    scenario : Scenario
        Cargo, spill size, day or night, fire, wind.
    lon, lat : float
        The spill, WGS-84 degrees.

    Returns
    -------
    ZoneResult
        One zone per ERG distance that applies, each naming its ERG table.
    """
    check_lonlat(lon, lat, name="incident location")
    scenario = scenario.validated()
    row, guide, basis, material, notes = _source_row(table, scenario)
    if row.tih:
        distances, more = _table_distances(row, scenario)
        notes += more
    else:
        distances = _guide_distances(row, guide, scenario)
    if scenario.fire:
        fire, more = _fire_distances(row, guide, scenario)
        distances += fire
        notes += more
        if row.tih:
            notes.append("on fire: evacuate for the fire distance, then protect downwind as Table 1 says "
                         "(ERG 2016 flow chart)")
    notes += _flags(row)
    distances = [d for d in distances if d.metres > 0]
    if scenario.wind_from_deg is None and any(d.downwind for d in distances):
        notes.append("wind direction unknown: the downwind area is drawn as a circle of the same distance "
                     "all around the spill; redraw it when the wind is known")
    crs = utm_crs(lon, lat, lon, lat)
    zones = tuple(_zone(d, lon, lat, scenario.wind_from_deg, crs) for d in distances)
    return ZoneResult(lon=lon, lat=lat, guide=guide, basis=basis, material=material, zones=zones,
                      notes=tuple(notes))


def _flags(row: ErgRow) -> list[str]:
    """What the ERG marks on the material's entry, said in words."""
    flags = []
    if row.atmospheric and row.tih:
        flags.append(f"{ERG_EDITION} Table 1 marks {row.material} '+': the protective action distance can be "
                     f"larger in certain atmospheric conditions")
    if row.polymerizes:
        flags.append(f"{ERG_EDITION} marks {row.material} 'P': it may polymerise violently when heated or "
                     f"contaminated")
    return flags


def _zone(distance: _Distance, lon: float, lat: float, wind_from_deg: float | None, crs: Any) -> Zone:
    xs, ys = to_metric(np.array([lon]), np.array([lat]), crs)
    x, y = float(xs[0]), float(ys[0])
    d = distance.metres
    if distance.downwind and wind_from_deg is not None:
        shape = "square_downwind"
        metric: BaseGeometry = downwind_square(x, y, d, wind_from_deg)
    else:
        shape = "circle"
        metric = Point(x, y).buffer(d, quad_segs=_SEGMENTS)
    return Zone(kind=distance.kind, distance_m=d, source=distance.source, shape=shape,
                geometry=geometry_to_wgs84(metric, crs))


def downwind_square(x: float, y: float, side: float, wind_from_deg: float) -> Polygon:
    """The ERG protective action zone in metric coordinates: a square of ``side`` metres lying downwind of the
    spill ``(x, y)``, the spill in the middle of its upwind side (ERG 2016, "How to use Table 1")."""
    to = math.radians((wind_from_deg + 180.0) % 360.0)
    dx, dy = math.sin(to), math.cos(to)   # downwind unit vector (bearing clockwise from grid north)
    px, py = dy, -dx                      # across the wind
    half = side / 2.0
    return Polygon([(x + px * half, y + py * half), (x + px * half + dx * side, y + py * half + dy * side),
                    (x - px * half + dx * side, y - py * half + dy * side), (x - px * half, y - py * half)])
