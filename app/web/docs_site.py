"""The documentation site, served offline at ``/docs``: the folder ``make docs`` builds (``DOCS_DIR``).

The system runs air-gapped, so its manual is served by the app itself. The pages are static files of this
project's own build; they are public, as the API's interactive documentation is. Without a build, ``/docs`` says
how to make one.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from app.i18n import N_, localize

docs = Blueprint("docs", __name__)


def _folder() -> Path:
    return Path(current_app.config["DOCS_DIR"])


@docs.get("/docs")
@docs.get("/docs/")
@docs.get("/docs/<path:name>")
def docs_page(name: str = "") -> Response:
    """A page of the site; a folder's ``index.html`` (its URL ending in ``/``, as the site's relative links
    expect)."""
    folder = _folder()
    if not (folder / "index.html").is_file():
        text = localize(N_("The documentation is not built here: run `make docs` in the checkout (it writes {folder}), "
                           "then reload this page."), folder=str(folder))
        return Response(text + "\n", status=404, mimetype="text/plain")
    within = safe_join(str(folder), name) if name else str(folder)
    if within is not None and Path(within).is_dir() and not request.path.endswith("/"):
        return redirect(request.path + "/")
    if not name or name.endswith("/"):
        name += "index.html"
    try:
        return send_from_directory(folder, name)
    except NotFound:
        return Response(localize(N_("No such page in the documentation.")) + "\n", status=404, mimetype="text/plain")
