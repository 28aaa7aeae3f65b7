"""The risk map: every site and district coloured red / orange / yellow / blue (安全风险四色: 重大 / 较大 / 一般 / 低).

The four levels and their colours are the 安全风险分级管控 scheme (重大风险 red, 较大风险 orange, 一般风险 yellow,
低风险 blue; source in app/data/README.md). How a site gets its level is this project's policy
(:class:`RiskPolicy`, configurable): by default its major-hazard grade (:mod:`~app.services.hazards.major_hazard`)
一级 red, 二级 orange, 三级 yellow, 四级 or not a major hazard source blue, and an unresolved (open or
acknowledged) critical alert about the site raises it one level, up to red: acknowledging an alert does not
remove the danger, closing it does. A district takes the level of its worst site (blue when it has none).

A site belongs to the district its ``district_adcode`` names; a site without one is placed by its point in
the district polygons (which may be GCJ-02 shifted by a few hundred metres: the recorded code wins).
"""
from __future__ import annotations

import functools
import json
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.services import registry
from app.services.hazards.gb18218 import Grade
from app.services.hazards.major_hazard import SiteAssessment, assess, number
from app.services.incidents.on_map import incident_features, incident_legend
from app.services.sites import SITES
from models import Alert, AlertState, Severity, Site, User

#: Lowest first; a level is an index into this tuple.
LEVELS = (("blue", "#1f77b4", "低风险"), ("yellow", "#f2c500", "一般风险"), ("orange", "#ff7f0e", "较大风险"),
          ("red", "#d62728", "重大风险"))
BOUNDARY_ATTRIBUTION = N_("District boundaries: anzhou99/GeoJsons 320200_full.json (from Aliyun DataV.GeoAtlas), "
                          "no licence stated, demo use; may be GCJ-02 shifted")
COLOUR_SCHEME_SOURCE = ("安全风险分级管控: 重大风险 红, 较大风险 橙, 一般风险 黄, 低风险 蓝 (国务院安委会办公室 "
                        "安委办〔2016〕11号; app/data/README.md)")
_LEVEL_NAMES = [name for name, _colour, _label in LEVELS]


@dataclass(frozen=True)
class RiskPolicy:
    """This project's rules for colouring a site (not the standard's): the level of each grade and of a site
    that is not a major hazard source, and how many levels an unresolved critical alert raises it.

    Configured as ``RISK_MAP_GRADE_LEVELS`` (grade → level name, e.g. ``{"一级": "red", …, "none": "blue"}``)
    and ``RISK_MAP_CRITICAL_ALERT_RAISES`` (levels, 0 to switch the rule off).
    """

    grade_levels: Mapping[str, str]
    critical_alert_raises: int = 1

    def __post_init__(self) -> None:
        expected = {*(str(g) for g in Grade), "none"}
        unknown = [v for v in self.grade_levels.values() if v not in _LEVEL_NAMES]
        if set(self.grade_levels) != expected or unknown or not 0 <= self.critical_alert_raises < len(LEVELS):
            raise ValueError(f"RISK_MAP_GRADE_LEVELS must map each of {sorted(expected)} to one of {_LEVEL_NAMES}; "
                             f"RISK_MAP_CRITICAL_ALERT_RAISES must be 0 to {len(LEVELS) - 1}")

    def level_of(self, grade: Grade | None) -> int:
        return _LEVEL_NAMES.index(self.grade_levels[str(grade) if grade else "none"])

    def legend(self) -> list[dict[str, str]]:
        """Each level, lowest first, with the grades this policy gives it."""
        return [{"level": name, "colour": colour, "label": label,
                 "rule": "或".join(grade if grade != "none" else "非重大危险源"
                                  for grade, level in self.grade_levels.items() if level == name) or "—"}
                for name, colour, label in LEVELS]

    def rules(self) -> str:
        raised = (f"an unresolved critical alert about a site raises it {self.critical_alert_raises} level(s)"
                  if self.critical_alert_raises else "alerts do not change a site's level")
        return f"{raised}; a district takes its worst site's level"

    def as_json(self) -> dict[str, Any]:
        return {"grade_levels": dict(self.grade_levels), "critical_alert_raises": self.critical_alert_raises,
                "source": "this project's policy (configurable), see docs/major-hazards.md"}


DEFAULT_POLICY = RiskPolicy({"一级": "red", "二级": "orange", "三级": "yellow", "四级": "blue", "none": "blue"})


def configured_policy() -> RiskPolicy:
    """The policy the app is configured with (the default outside an app)."""
    if not has_app_context():
        return DEFAULT_POLICY
    config = current_app.config
    return RiskPolicy(config.get("RISK_MAP_GRADE_LEVELS") or DEFAULT_POLICY.grade_levels,
                      int(config.get("RISK_MAP_CRITICAL_ALERT_RAISES", DEFAULT_POLICY.critical_alert_raises)))


#: (adcode, name, GeoJSON geometry, shapely geometry) of one district.
District = tuple[str, str, dict[str, Any], Any]


@functools.lru_cache(maxsize=4)
def _districts(path: str, _mtime: float) -> tuple[District, ...]:
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    return tuple((str(f["properties"]["adcode"]), f["properties"]["name"], f["geometry"], shape(f["geometry"]))
                 for f in features)


def load_districts(path: Path) -> tuple[District, ...]:
    """The districts of the boundary file (read once per change of the file); empty when it is not there."""
    if not path.is_file():
        return ()
    return _districts(str(path), path.stat().st_mtime)


def _level(policy: RiskPolicy, assessment: SiteAssessment, critical: bool) -> tuple[int, bool]:
    base = policy.level_of(assessment.grade)
    raised = min(base + (policy.critical_alert_raises if critical else 0), len(LEVELS) - 1)
    return raised, raised > base


def _district_of(sites: list[Site], districts: tuple[District, ...]) -> dict[uuid.UUID, str]:
    """The adcode of each site's district: its own code when it names a mapped district, else by its point."""
    codes = {adcode for adcode, *_ in districts}
    placed = {s.id: s.district_adcode for s in sites if s.district_adcode in codes}
    loose = [s for s in sites if s.id not in placed]
    if loose:
        xs, ys = [s.lon for s in loose], [s.lat for s in loose]
        for adcode, _, _, geometry in districts:  # one vectorised test per district, not one per point
            for site, inside in zip(loose, shapely.contains_xy(geometry, xs, ys), strict=True):
                if inside:
                    placed.setdefault(site.id, adcode)
    return placed


def risk_map(session: Session, sites: list[Site], districts_path: Path,
             policy: RiskPolicy | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: the districts (polygons) and *sites* (points) with their levels."""
    policy = policy or configured_policy()
    assessments = assess(session, sites)
    unresolved = select(Alert.site_id, Alert.severity, func.count()).where(
        Alert.site_id.isnot(None), Alert.state != AlertState.CLOSED).group_by(Alert.site_id, Alert.severity)
    open_alerts: Counter[uuid.UUID] = Counter()
    critical: set[uuid.UUID] = set()
    for site_id, severity, count in session.execute(unresolved):
        open_alerts[site_id] += count
        if severity is Severity.CRITICAL:
            critical.add(site_id)
    districts = load_districts(districts_path)
    district_of = _district_of(sites, districts)
    site_features: list[dict[str, Any]] = []
    worst: dict[str, int] = {}
    for site in sites:
        assessment = assessments[site.id]
        level, bumped = _level(policy, assessment, site.id in critical)
        adcode = district_of.get(site.id)
        if adcode is not None:
            worst[adcode] = max(worst.get(adcode, 0), level)
        grade = assessment.grade
        site_features.append(_feature({"type": "Point", "coordinates": [site.lon, site.lat]}, level, {
            "kind": "site", "id": str(site.id), "name": site.name, "enterprise_id": str(site.enterprise_id),
            "district_adcode": adcode, "s": number(assessment.s), "r": number(assessment.r),
            "grade": str(grade) if grade else None, "major_hazard_source": grade is not None,
            "open_alerts": open_alerts[site.id], "critical_alert": site.id in critical, "raised_by_alert": bumped}))
    counts = Counter(district_of.values())
    district_features = [_feature(geometry, worst.get(adcode, 0), {
        "kind": "district", "adcode": adcode, "name": name, "sites": counts[adcode]})
        for adcode, name, geometry, _ in districts]
    return {"type": "FeatureCollection", "features": district_features + site_features,
            "legend": policy.legend(), "rules": policy.rules(), "policy": policy.as_json(),
            "colour_scheme_source": COLOUR_SCHEME_SOURCE,
            "attribution": [BOUNDARY_ATTRIBUTION] if districts else [],
            "districts_source": str(districts_path) if districts else None}


def visible_risk_map(session: Session, user: User | None, districts_path: Path) -> dict[str, Any]:
    """:func:`risk_map` of the active sites *user* may see (an enterprise: its own), with the open incidents it
    may see (their isolation circle and protective area, ``incident_legend``)."""
    collection = risk_map(session, list(session.scalars(registry.visible(SITES, user, {"active": True}))),
                          districts_path)
    incidents = incident_features(session, user) if user is not None else []
    collection["features"] += incidents
    collection["incident_legend"] = incident_legend(incidents)
    return collection


def _feature(geometry: dict[str, Any], level: int, properties: dict[str, Any]) -> dict[str, Any]:
    name, colour, label = LEVELS[level]
    return {"type": "Feature", "geometry": geometry,
            "properties": {**properties, "level": name, "colour": colour, "label": label}}
