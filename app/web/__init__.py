"""Server-rendered pages, signed in with a password (session cookie) and guarded by CSRF tokens.

Every page module registers its views on :data:`app.web.blueprint.bp`; :data:`PAGES` is the list of them.
All assets are served from this package: the system runs air-gapped.
"""
from __future__ import annotations

import importlib

from flask import Flask

from app.web.blueprint import bp
from app.web.docs_site import docs
from app.web.security import configure_sessions

#: The page modules, each registering its views on the blueprint when imported.
PAGES = ("auth", "home", "dashboard", "waybills", "alerts", "trace", "firm", "firm_waybills", "risk_map",
         "rules_preview", "firm_consignments", "incidents", "waste",
         "registry_pages", "admin_users", "live_vehicle")


def init_app(app: Flask) -> None:
    for name in PAGES:
        importlib.import_module(f"app.web.{name}")
    configure_sessions(app)
    app.register_blueprint(bp)
    app.register_blueprint(docs)
