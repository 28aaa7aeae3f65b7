"""Administrators' pages: users (the list, a new user with its password, a new password for one) and the
catalogue import with its report.

The same services as ``hazledger users create`` and ``users set-password`` (:mod:`app.services.users`): a
supervisor needs a department, an enterprise user an enterprise, a password the length the rule asks; errors
are shown beside the fields and nothing is written while any is refused. A changed password ends every session
signed in with the old one (:mod:`app.web.access`).
"""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.errors import DomainError, NotFound
from app.i18n import N_
from app.extensions import db
from app.services.catalogue_import import import_catalogue
from app.services.dangerous_goods.entries import is_table_a
from app.services.transport_entries import TableAReport, import_table_a
from app.services.users import check_password, create_user, set_password
from app.web.access import roles
from app.web.blueprint import bp
from app.web.forms import Errors, service_errors, text
from app.web.i18n import Data, label, translate
from app.web.waybills import names_of
from models import Department, Enterprise, Role, User
from models.identifiers import uuid_or_none

ADMIN = (Role.ADMIN,)


def _user_page(values: dict[str, Any], errors: Errors) -> tuple[str, int]:
    users = list(db.session.scalars(select(User).order_by(User.name).limit(500)))
    firms = db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.active)
                               .order_by(Enterprise.name)).all()
    page = render_template("users.html", users=users, values=values, errors=errors,
                           firms=names_of(db.session, Enterprise, {u.enterprise_id for u in users}),
                           options={"role": [(r.value, label("role", r)) for r in Role],
                                    "department": [(d.value, label("department", d)) for d in Department],
                                    "enterprise": [(str(i), Data(name)) for i, name in firms]})
    return page, 422 if errors else 200


@bp.route("/admin/users", methods=["GET", "POST"])
@roles(*ADMIN)
def users() -> Response | tuple[str, int]:
    values = {name: text(request.form, name) for name in ("name", "role", "department", "enterprise")}
    if request.method == "GET":
        return _user_page(values, {})
    errors: Errors = {}
    if not values["name"]:
        errors["name"] = [N_("Missing data for required field.")]
    if values["role"] not in set(Role):
        errors["role"] = [N_("Missing data for required field.")]
    try:
        check_password(request.form.get("password", ""))  # before anything is written
    except DomainError as error:
        errors.update(service_errors(error))
    if errors:
        return _user_page(values, errors)
    department = values["department"] if values["department"] in set(Department) else None
    try:
        user = create_user(db.session, values["name"] or "", Role(values["role"]),
                           department=Department(department) if department else None,
                           enterprise_id=uuid_or_none(values["enterprise"]))
    except DomainError as error:
        return _user_page(values, service_errors(error))
    set_password(db.session, user, request.form.get("password", ""))
    flash(translate("User {name} created.", name=user.name), "ok")
    return redirect(url_for("web.users"))


@bp.post("/admin/users/<uuid:user_id>/password")
@roles(*ADMIN)
def user_password(user_id: uuid.UUID) -> Response | tuple[str, int]:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    try:
        set_password(db.session, user, request.form.get("password", ""))
    except DomainError as error:
        return _user_page({}, {f"password-{user.id}": service_errors(error).get("password", [error.detail])})
    flash(translate("Password of {name} set: its sessions have ended.", name=user.name), "ok")
    return redirect(url_for("web.users"))


@bp.route("/admin/catalogue", methods=["GET", "POST"])
@roles(*ADMIN)
def catalogue_import() -> str | tuple[str, int]:
    """Import a catalogue CSV (the UN/ADR list, the seed list's columns, or ADR Table A) as ``hazledger catalogue
    import`` does, and show its report: rows created, updated, unchanged, merged, and each row rejected with its
    line and reason. An unusable file is refused beside the file input and writes nothing."""
    values = {"source": text(request.form, "source")}
    errors: Errors = {}
    report: Any = None
    if request.method == "POST":
        upload = request.files.get("file")
        source = values["source"] or (upload.filename.rsplit(".", 1)[0] if upload and upload.filename else "")
        try:
            content = upload.read().decode("utf-8-sig") if upload else ""
        except UnicodeDecodeError:
            content, errors = "", {"file": ["The file is not UTF-8 text."]}
        if not content and not errors:
            errors = {"file": ["Missing data for required field."]}
        if not 1 <= len(source) <= 40:
            errors["source"] = [N_("1 to 40 characters")]
        if not errors:
            try:
                report = (import_table_a(db.session, content, source) if is_table_a(content)
                          else import_catalogue(db.session, content, source))
            except DomainError as error:
                errors = {"file": service_errors(error).get("_schema", [error.detail])}
    page = render_template("catalogue_import.html", values=values, errors=errors, report=report,
                           table_a=isinstance(report, TableAReport))
    return (page, 422) if errors else page
