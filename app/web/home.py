"""The start page: a short description for visitors, the user's own first page once signed in."""
from __future__ import annotations

from flask import g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.auth import public
from app.web.access import home_endpoint
from app.web.blueprint import bp


@bp.get("/")
@public
def index() -> str | Response:
    if g.web_user is not None:
        return redirect(url_for(home_endpoint(g.web_user)))
    return render_template("index.html")
