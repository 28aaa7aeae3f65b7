"""Hazardous waste transfer manifests (转移联单) on the pages: the list with each one's deadline, one manifest
with its lines and history, the generator's form to open one, and each party's step on it: the generator links
the waybill, the carrier checks the waste before carriage, the disposer receives, disposes or refuses.

Every write is the API's (``/api/v1/waste-manifests``): the same roles, body schemas and service functions, so
the same checks; their field errors are shown beside the fields. An enterprise sees only the manifests it is a
party to (404 for the others).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.api.waste_manifests import schemas as s
from app.api.waste_manifests.routes import FIRMS
from app.errors import DomainError
from app.extensions import db
from app.services.waste import manifests as service
from app.services.waste.transfer_rules import receipt_due
from app.services.waybills.listing import visible_waybills
from app.web.access import EVERYONE, roles, web_user
from app.web.blueprint import bp
from app.web.firm_options import manifest_options
from app.web.forms import Errors, acted, aware, load, rows, service_errors, text
from app.web.i18n import current_language, label, translate
from app.web.waybills import names_of
from models import Enterprise, ManifestStatus as S, Role, Site, User, WasteManifest, Waybill
from models.types import utcnow
from models.waste import DISPOSAL_METHODS

SHOWN = 100
LINE_FIELDS = ("batch", "quantity_kg")


@dataclass(frozen=True)
class Step:
    """One step of a manifest: its body schema, the service call, the party that takes it and when."""

    schema: type
    run: Callable[[User, uuid.UUID, dict[str, Any]], WasteManifest]
    party: str
    offered_in: frozenset[S]
    done: str


STEPS = {
    "waybill": Step(s.WaybillLinkIn, lambda user, mid, d: service.link_waybill(db.session, user, mid, d["waybill_id"]),
                    "generator", frozenset({S.CREATED}), "The waybill is linked to manifest {number}."),
    "carrier-check": Step(s.CarrierCheckIn, lambda user, mid, d: service.carrier_check(
        db.session, user, mid, matches=d["matches"], note=d.get("note"), at=d.get("occurred_at") or utcnow()),
        "carrier", frozenset({S.CREATED}), "Your check of manifest {number} is recorded."),
    "receive": Step(s.ManifestStepIn, lambda user, mid, d: service.receive(
        db.session, user, mid, d.get("occurred_at") or utcnow()),
        "disposer", frozenset({S.IN_TRANSIT}), "Receipt of manifest {number} confirmed."),
    "dispose": Step(s.ManifestStepIn, lambda user, mid, d: service.dispose(
        db.session, user, mid, d.get("occurred_at") or utcnow()),
        "disposer", frozenset({S.RECEIVED}), "The waste of manifest {number} is disposed of."),
    "reject": Step(s.RejectIn, lambda user, mid, d: service.reject(db.session, user, mid, d["reason"]),
                   "disposer", frozenset({S.CREATED, S.IN_TRANSIT}), "Manifest {number} refused."),
}


def _offered(user: User, manifest: WasteManifest) -> list[str]:
    """The steps the manifest's page offers *user* now (the service decides again when one is sent)."""
    def may(name: str, step: Step) -> bool:
        if manifest.status not in step.offered_in or user.role not in FIRMS:
            return False
        if name == "carrier-check" and manifest.carrier_checked_at is not None:
            return False
        return user.role is Role.ADMIN or getattr(manifest, f"{step.party}_id") == user.enterprise_id
    return [name for name, step in STEPS.items() if may(name, step)]


def _deadline(manifest: WasteManifest) -> Any:
    """When the disposer's confirmation of receipt is due (the waybill delivered, the manifest in transit)."""
    return receipt_due(manifest, manifest.waybill.delivered_at if manifest.waybill else None)


def _names(manifests: list[WasteManifest]) -> dict[uuid.UUID, str]:
    parties = {i for m in manifests for i in (m.generator_id, m.carrier_id, m.disposer_id)}
    return names_of(db.session, Enterprise, parties)


def _methods() -> list[tuple[str, str]]:
    """The disposal methods (Basel Annex IV codes); their English names only on English pages."""
    english = current_language() == "en"
    return [(code, f"{code} · {name}" if english else code) for code, name in DISPOSAL_METHODS.items()]


@bp.get("/waste/manifests")
@roles(*EVERYONE)
def manifests() -> str:
    status = request.args.get("status") or ""
    stmt = service.visible_manifests(web_user())
    if status in set(S):
        stmt = stmt.where(WasteManifest.status == S(status))
    found = list(db.session.scalars(stmt.limit(SHOWN)))
    return render_template("waste_manifests.html", manifests=found, names=_names(found),
                           due={m.id: _deadline(m) for m in found}, status=status,
                           status_options=[(m.value, label("manifest_status", m)) for m in S])


@bp.get("/waste/manifests/<uuid:manifest_id>")
@roles(*EVERYONE)
def manifest(manifest_id: uuid.UUID) -> str:
    return _manifest_page(service.get_manifest(db.session, web_user(), manifest_id))  # 404 if not its party


def _manifest_page(record: WasteManifest, step: str | None = None, values: dict[str, Any] | None = None,
                   errors: Errors | None = None) -> str:
    user = web_user()
    steps = _offered(user, record)
    waybills = _linkable(user, record) if "waybill" in steps else []
    actors = names_of(db.session, User, {event.actor_id for event in record.events})
    return render_template("waste_manifest.html", manifest=record, names=_names([record]), due=_deadline(record),
                           site=db.session.get(Site, record.disposer_site_id), steps=steps, waybills=waybills,
                           actors=actors, step=step, values=values or {}, errors=errors or {})


def _linkable(user: User, manifest: WasteManifest) -> list[tuple[str, str]]:
    """The generator's waybills to the disposer with the manifest's carrier that have not departed."""
    stmt = visible_waybills(user).where(Waybill.shipper_id == manifest.generator_id,
                                        Waybill.consignee_id == manifest.disposer_id,
                                        Waybill.carrier_id == manifest.carrier_id,
                                        Waybill.status.in_(service.LINKABLE)).limit(SHOWN)
    return [(str(w.id), f"{w.number} · {label('status', w.status)}") for w in db.session.scalars(stmt)]


def _step_values(step: Step) -> dict[str, Any]:
    values = {name: text(request.form, name) for name in step.schema().fields}
    if values.get("occurred_at"):
        values["occurred_at"] = aware(values["occurred_at"])
    return {name: value for name, value in values.items() if value is not None}


def _take(name: str, manifest_id: uuid.UUID) -> Response | tuple[str, int]:
    """Take the step *name* as the API does; refused, the manifest's page again with the errors at the fields."""
    step, user = STEPS[name], web_user()
    values = _step_values(step)
    done, errors = acted(step.schema(), values, lambda data: step.run(user, manifest_id, data))
    if done is not None:
        flash(translate(step.done, number=done.number), "ok")
        return redirect(url_for("web.manifest", manifest_id=done.id))
    record = service.get_manifest(db.session, user, manifest_id)  # as it is now; 404 for one of others
    return _manifest_page(record, name, values, errors), 422


def _step_view(name: str) -> None:
    """Register ``POST /waste/manifests/<id>/<name>`` for the API's roles."""
    @roles(*FIRMS)
    def view(manifest_id: uuid.UUID) -> Response | tuple[str, int]:
        return _take(name, manifest_id)

    view.__name__ = f"manifest_{name.replace('-', '_')}"
    bp.route(f"/waste/manifests/<uuid:manifest_id>/{name}", methods=["POST"], endpoint=view.__name__)(view)


for _name in STEPS:
    _step_view(_name)


@bp.route("/waste/manifests/new", methods=["GET", "POST"])
@roles(Role.ENTERPRISE)
def new_manifest() -> Response | tuple[str, int]:
    """The generator opens a manifest: nothing is written while any field is refused (the disposer's permit
    scope is checked by the service, as through the API)."""
    user = web_user()
    values: dict[str, Any] = {name: text(request.form, name) for name in
                              ("carrier_id", "disposer_id", "disposer_site_id", "disposal_method", "waybill_id",
                               "cross_province_approval")}
    values["lines"] = rows(request.form, LINE_FIELDS)
    errors: Errors = {}
    if request.method == "POST":
        data, errors = load(s.ManifestIn(), {k: v for k, v in values.items() if v is not None})
        if data is not None:
            try:
                made = service.create(db.session, user, data)
            except DomainError as error:
                errors = service_errors(error)
            else:
                flash(translate("Manifest {number} opened.", number=made.number), "ok")
                return redirect(url_for("web.manifest", manifest_id=made.id))
    waybills = [(str(w.id), f"{w.number} · {label('status', w.status)}") for w in db.session.scalars(
        visible_waybills(user).where(Waybill.shipper_id == user.enterprise_id,
                                     Waybill.status.in_(service.LINKABLE)).limit(SHOWN))]
    page = render_template("waste_manifest_form.html", values=values, errors=errors,
                           options=manifest_options(user, waybills, _methods()),
                           lines=[*values["lines"], dict.fromkeys(LINE_FIELDS)])
    return page, 422 if errors else 200
