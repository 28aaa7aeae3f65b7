"""Server-rendered pages. All assets are served from this package: the system runs air-gapped."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.get("/")
def index() -> str:
    return render_template("index.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
