"""Signing in and out, and choosing the language.

A failed sign-in says only that the name or the password is wrong (the service checks a hash even for an
unknown name, so neither the message nor the timing tells which names exist). Repeated failures for one
name from one address are throttled in this process: after :data:`MAX_FAILURES` in :data:`WINDOW` the form
refuses that pair until the window has passed.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import flash, g, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.auth import public
from app.extensions import db
from app.services.users import authenticate
from app.web import csrf, i18n
from app.web.access import home_endpoint, safe_next, sign_in, sign_out
from app.web.blueprint import bp

MAX_FAILURES = 5
WINDOW = 15 * 60.0
#: Past this many remembered pairs, those without a recent failure are forgotten (memory stays bounded).
MAX_REMEMBERED = 10_000
WRONG = "The user name or the password is wrong."
THROTTLED = "Too many failed attempts: wait a quarter of an hour, or ask an administrator."


class FailedSignIns:
    """Recent failures per (name, address), kept in memory: enough to slow guessing against one account."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._seen[key]
        while times and times[0] <= now - WINDOW:
            times.popleft()
        return times

    def blocked(self, key: tuple[str, str]) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= MAX_FAILURES

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._seen) >= MAX_REMEMBERED:
                for stale in [k for k in self._seen if not self._recent(k, now)]:
                    del self._seen[stale]
            self._recent(key, now).append(now)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._seen.pop(key, None)


FAILURES = FailedSignIns()


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    next_page = request.values.get("next", "")
    if request.method == "GET":
        if g.web_user is not None:
            return redirect(safe_next(next_page, url_for(home_endpoint(g.web_user))))
        return render_template("login.html", next=next_page, name="", failed=None)
    name = request.form.get("name", "").strip()[:100]
    key = (name, request.remote_addr or "")
    if FAILURES.blocked(key):
        return render_template("login.html", next=next_page, name=name, failed=THROTTLED), 429
    user = authenticate(db.session, name, request.form.get("password", ""))
    if user is None:
        FAILURES.failed(key)
        return render_template("login.html", next=next_page, name=name, failed=WRONG), 401
    FAILURES.succeeded(key)
    sign_in(user)
    csrf.renew()
    return redirect(safe_next(next_page, url_for(home_endpoint(user))))


@bp.post("/logout")
@public
def logout() -> Response:
    sign_out()
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
