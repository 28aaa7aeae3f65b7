"""Signing in and out, and choosing the language.

A failed sign-in says only that the name or the password is wrong (the service checks a hash even for an
unknown name, so neither the message nor the timing tells which names exist). Repeated failures for one
name from one address are throttled: after :data:`MAX_FAILURES` in :data:`WINDOW` the form refuses that pair
until the window has passed. The failures are counted in the database (:mod:`app.services.web_sessions`), so
every server process refuses alike.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import public
from app.extensions import db
from app.i18n import N_
from app.services import web_sessions
from app.services.users import authenticate
from app.web import csrf, i18n
from app.web.access import home_endpoint, safe_next, sign_in, sign_out
from app.web.blueprint import bp

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
WRONG = N_("The user name or the password is wrong.")
THROTTLED = N_("Too many failed attempts: wait a quarter of an hour, or ask an administrator.")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    next_page = request.values.get("next", "")
    if request.method == "GET":
        if g.web_user is not None:
            return redirect(safe_next(next_page, url_for(home_endpoint(g.web_user))))
        return render_template("login.html", next=next_page, name="", failed=None)
    name = request.form.get("name", "").strip()[:100]
    address = (request.remote_addr or "")[:64]
    if web_sessions.recent_failures(db.session, name, address, WINDOW) >= MAX_FAILURES:
        return render_template("login.html", next=next_page, name=name, failed=THROTTLED), 429
    user = authenticate(db.session, name, request.form.get("password", ""))
    if user is None:
        web_sessions.record_failure(db.session, name, address, WINDOW)
        return render_template("login.html", next=next_page, name=name, failed=WRONG), 401
    web_sessions.forget_failures(db.session, name, address)
    sign_in(user, web_sessions.open_session(db.session, user, current_app.permanent_session_lifetime))
    csrf.renew()
    return redirect(safe_next(next_page, url_for(home_endpoint(user))))


@bp.post("/logout")
@public
def logout() -> Response:
    sign_out(close=True)
    flash(i18n.translate("You have signed out."), "info")
    return redirect(url_for("web.login"))


@bp.post("/language")
@public
def set_language() -> Response:
    response = make_response(redirect(safe_next(request.form.get("next"), url_for("web.index"))))
    chosen = request.form.get("lang")
    if chosen in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
    return response
