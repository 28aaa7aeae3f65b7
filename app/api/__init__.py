"""The REST API under ``/api/v1``: blueprints registered from one list (flask-smorest example style)."""
from __future__ import annotations

from flask import Blueprint, Flask
from swagger_ui_bundle import swagger_ui_path

from app.api import _openapi, _paging
from app.api.alerts.routes import blp as alerts
from app.api.batches.routes import blp as batches
from app.api.chemicals.routes import blp as chemicals
from app.api.consignments.routes import blp as consignments
from app.api.counterparties.routes import blp as counterparties
from app.api.corridors.routes import corridors, zones
from app.api.enterprises.routes import blp as enterprises
from app.api.hazard.routes import blp as hazard
from app.api.incidents.routes import blp as incidents
from app.api.health import blp as health
from app.api.ledger.routes import blp as ledger
from app.api.movements.routes import blp as movements
from app.api.permits.routes import blp as permits
from app.api.risk_map.routes import blp as risk_map
from app.api.rules.routes import blp as rules
from app.api.personnel.routes import blp as personnel
from app.api.sites.routes import blp as sites
from app.api.users.routes import blp as users
from app.api.vehicles.routes import blp as vehicles
from app.api.waybills.routes import blp as waybills
from app.api.waste_manifests.routes import blp as waste_manifests
from app.api.waste_codes.routes import blp as waste_codes
from app.api.waste_approvals.routes import blp as waste_transfer_approvals
from app.api.transfers.routes import blp as transfers
from app.api.terminals.routes import blp as terminals
from app.api.waybills.tracking import blp as waybill_tracking, feed as track_feed
from app.problems import ProblemApi

#: flask-smorest's extension, bound by ``create_app`` when the app serves the API (never for a command).
api = ProblemApi()

API_PREFIX = "/api/v1"
BLUEPRINTS = (
    enterprises, users, chemicals, permits, sites, vehicles, personnel, batches, movements, ledger, corridors, zones,
    waybills, waybill_tracking, track_feed, alerts, waste_manifests, risk_map, rules, hazard, waste_codes,
    transfers, counterparties, consignments, incidents, terminals, waste_transfer_approvals,
)


def init_app(app: Flask) -> None:
    _openapi.init_spec(api)
    _paging.init_app()
    for blueprint in BLUEPRINTS:
        # A blueprint serves /api/v1/<its name>, or /api/v1/<its url_prefix> when it extends another resource
        # (an empty one: its routes name their own paths under /api/v1).
        prefix = blueprint.name if blueprint.url_prefix is None else blueprint.url_prefix
        api.register_blueprint(blueprint, url_prefix=f"{API_PREFIX}/{prefix}".rstrip("/"))
    app.register_blueprint(health)
    # Interactive docs and their assets are served from the installed swagger-ui-bundle: no CDN.
    app.register_blueprint(
        Blueprint("swagger_assets", __name__, static_folder=str(swagger_ui_path),
                  static_url_path="/api/docs/assets")
    )
