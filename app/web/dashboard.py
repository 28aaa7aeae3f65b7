"""The supervisor's dashboard: waybills in transit with their latest position, open alerts (live), and
counts by district, filtered by district, carrier and severity."""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.extensions import db
from app.services.alert_queries import feed_head
from app.services.alerts import visible_alerts
from app.services.registry import json_list_has
from app.services.waybills.listing import visible_waybills
from app.web.access import roles, web_user
from app.web.blueprint import bp
from app.web.districts import district_map, district_name, districts
from app.web.i18n import Data, label, translate
from app.web.waybills import names_of, party_names
from models import (
    Alert, AlertKind, AlertState, Enterprise, EnterpriseRole, GpsFix, Role, Severity, Site, Vehicle, Waybill,
    WaybillStatus, WaybillVersion,
)
from models.identifiers import uuid_or_none

LIMIT = 200


@dataclass(frozen=True)
class Filters:
    district: str
    carrier: uuid.UUID | None
    severity: Severity | None

    @classmethod
    def from_request(cls) -> Filters:
        severity = request.args.get("severity", "")
        return cls(request.args.get("district", "")[:6], uuid_or_none(request.args.get("carrier")),
                   Severity(severity) if severity in set(Severity) else None)


def _site_districts(session: Session) -> dict[uuid.UUID, str | None]:
    return dict(session.execute(select(Site.id, Site.district_adcode)).all())


def _in_transit(session: Session, filters: Filters, site_district: dict[uuid.UUID, str | None]) -> list[Waybill]:
    stmt = (visible_waybills(web_user()).where(Waybill.status == WaybillStatus.IN_TRANSIT)
            .options(selectinload(Waybill.versions).selectinload(WaybillVersion.lines)).limit(LIMIT))
    if filters.carrier:
        stmt = stmt.where(Waybill.carrier_id == filters.carrier)
    trips = list(session.scalars(stmt))
    if filters.district:
        trips = [w for w in trips if site_district.get(w.current.loading_site_id) == filters.district]
    return trips


def _alert_district(alert: Alert, site_district: dict[uuid.UUID, str | None], trip_district: dict[uuid.UUID, Any],
                    firm_district: dict[uuid.UUID, str | None]) -> str | None:
    """Where an alert belongs: its site's district, else its trip's loading site's, else its enterprise's."""
    if alert.site_id:
        return site_district.get(alert.site_id)
    if alert.waybill_id in trip_district:
        return trip_district[alert.waybill_id]
    return firm_district.get(alert.enterprise_id) if alert.enterprise_id else None


def _open_alerts(session: Session, filters: Filters, site_district: dict[uuid.UUID, str | None]
                 ) -> tuple[list[Alert], dict[uuid.UUID, str | None]]:
    rows = list(session.scalars(visible_alerts(web_user()).where(Alert.state != AlertState.CLOSED)
                                .order_by(Alert.opened_at.desc()).limit(LIMIT)))
    trip_ids = {a.waybill_id for a in rows if a.waybill_id}
    loading = dict(session.execute(
        select(WaybillVersion.waybill_id, WaybillVersion.loading_site_id)
        .join(Waybill, (Waybill.id == WaybillVersion.waybill_id) & (Waybill.version == WaybillVersion.version))
        .where(Waybill.id.in_(trip_ids))).all()) if trip_ids else {}
    trip_district = {w: site_district.get(s) for w, s in loading.items()}
    firm_district = dict(session.execute(select(Enterprise.id, Enterprise.district_adcode)).all())
    where = {a.id: _alert_district(a, site_district, trip_district, firm_district) for a in rows}
    if filters.severity:
        rows = [a for a in rows if a.severity.rank >= filters.severity.rank]
    if filters.district:
        rows = [a for a in rows if where[a.id] == filters.district]
    return rows, where


@bp.get("/dashboard")
@roles(Role.ADMIN, Role.SUPERVISOR)
def dashboard() -> str:
    session, filters = db.session, Filters.from_request()
    position = feed_head(session)  # the live feed continues from here: no change is missed
    site_district = _site_districts(session)
    trips = _in_transit(session, filters, site_district)
    ids = [w.id for w in trips]
    last_fix = dict(session.execute(select(GpsFix.waybill_id, func.max(GpsFix.at))
                                    .where(GpsFix.waybill_id.in_(ids)).group_by(GpsFix.waybill_id)).all())
    plates = names_of(session, Vehicle, {w.current.vehicle_id for w in trips}, "plate")
    alerts, alert_district = _open_alerts(session, filters, site_district)
    per_trip = Counter(a.waybill_id for a in alerts if a.state is AlertState.OPEN)
    known = districts()
    counts = _district_counts(session, known, site_district, alert_district)
    carriers = session.execute(select(Enterprise.id, Enterprise.name).where(
        json_list_has(Enterprise.roles, EnterpriseRole.CARRIER.value)).order_by(Enterprise.name)).all()
    return render_template(
        "dashboard.html", trips=trips, last_fix=last_fix, plates=plates, per_trip=per_trip,
        names=party_names(session, trips), alerts=alerts, counts=counts,
        district_map=district_map(known, {c["adcode"]: c["sites"] for c in counts}),
        waybill_numbers=dict(session.execute(select(Waybill.id, Waybill.number).where(
            Waybill.id.in_({a.waybill_id for a in alerts if a.waybill_id}))).all()),
        filters=filters, position=position, placeholder=uuid.UUID(int=0),
        district_options=[(c["adcode"], Data(c["name"])) for c in counts],
        carrier_options=[(str(i), Data(n)) for i, n in carriers],
        severity_options=[(s.value, label("severity", s)) for s in Severity], live_labels=_live_labels())


def _live_labels() -> dict[str, Any]:
    """What the page's script needs to write a row for an alert it learns of from the stream."""
    return {group: {m.value: label(group, m) for m in members}
            for group, members in (("severity", Severity), ("alert_kind", AlertKind), ("alert_state", AlertState))
            } | {"acknowledge": translate("Acknowledge"), "note": translate("Note (optional)"),
                 "waybill": translate("Waybill")}


def _district_counts(session: Session, known: dict[str, Any], site_district: dict[uuid.UUID, str | None],
                     alert_district: dict[uuid.UUID, str | None]) -> list[dict[str, Any]]:
    """Per district: active sites, waybills in transit loaded there, open alerts; Wuxi's districts first."""
    sites = Counter(session.scalars(select(Site.district_adcode).where(Site.active)))
    active = session.scalars(
        select(WaybillVersion.loading_site_id)
        .join(Waybill, (Waybill.id == WaybillVersion.waybill_id) & (Waybill.version == WaybillVersion.version))
        .where(Waybill.status == WaybillStatus.IN_TRANSIT))
    trips = Counter(site_district.get(site) for site in active)
    alerts = Counter(alert_district.values())
    codes = list(known) + sorted({c for c in (*sites, *trips, *alerts) if c and c not in known})
    return [{"adcode": code, "name": district_name(code, known), "in_wuxi": code in known, "sites": sites[code],
             "in_transit": trips[code], "alerts": alerts[code]} for code in codes]
