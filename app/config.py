"""Default configuration. Every key can be overridden by a ``HAZLEDGER_<KEY>`` environment variable."""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, object] = {
    "DATABASE_URL": "sqlite:///instance/hazledger.db",
    # Connections a process keeps open: at least its server threads (``hazledger serve`` sets it to them), or
    # the threads beyond it open and close a connection for every request.
    "DATABASE_POOL_SIZE": 10,
    # Reference data lives beside the checkout, never inside it (shared/data/README.md).
    "DATA_DIR": str(PROJECT_ROOT.parent / "shared" / "data"),
    # ADR 2017 Table A for the rules when the catalogue holds none (hazledger catalogue import), under DATA_DIR.
    "ADR_TABLE_A_FILE": "dangerous_goods/adr2017_table_a.csv",
    # The Emergency Response Guidebook 2016 distances for incident zones (docs/incidents.md), under DATA_DIR.
    "ERG_FILE": "emergency/erg2016_lookup.csv",
    # An incident's zones keep traffic away this long unless it is closed first; vehicles whose way ahead
    # crosses them within the look-ahead are warned (docs/incidents.md).
    "INCIDENT_ZONE_HOURS": 12,
    "INCIDENT_LOOKAHEAD_MINUTES": 60,
    # A vehicle in transit stopped this long off its corridor and its sites starts an incident draft: a platform
    # setting, no standard fixes the figure (app/services/incidents/drafts.py).
    "INCIDENT_LONG_STOP_MINUTES": 15,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "API_TITLE": "hazledger",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    # Served from the installed swagger-ui-bundle package: the system runs air-gapped.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Hazardous-chemical lifecycle ledger, e-waybills and route compliance."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    },
    "TOKEN_TTL_DAYS": 90,
    # The ed25519 key that signs ledger checkpoints (32-byte seed), created with mode 0600 on first use.
    "SIGNING_KEY_PATH": "instance/signing_key",
    # The keys checkpoint and head signatures must verify under (hex ed25519, comma-separated while a key is
    # replaced); empty: this server's own key, when its file exists (docs/ledger-integrity.md).
    "LEDGER_AUTHORITY_PUBLIC_KEY": "",
    # `hazledger serve` signs a checkpoint over the new entries this often, on its sweeper's pass (0: never).
    "LEDGER_CHECKPOINT_SECONDS": 3600,
    # Live checks of trips in transit (app/services/monitoring). A deviation opens after MIN_POINTS fixes
    # AND MIN_SECONDS outside the corridor and ends HYSTERESIS_M inside it (as `route check`).
    "MONITOR_MIN_POINTS": 3,
    "MONITOR_MIN_SECONDS": 60,
    "MONITOR_HYSTERESIS_M": 10,
    "MONITOR_MAX_GAP_S": 300,
    "MONITOR_STOP_MINUTES": 20,
    "MONITOR_SITE_RADIUS_M": 500,
    "MONITOR_ARRIVAL_NEAR_M": 5000,
    # Hazmat vehicles: 80 km/h on expressways, 60 elsewhere (危险货物道路运输安全管理办法 Art. 46); one limit here,
    # the expressway's, unless fixes are matched to roads (MONITOR_MAP_MATCH: routing.speed_limits.limit_kph).
    "MONITOR_SPEED_LIMIT_KPH": 80,
    "MONITOR_OVERSPEED_SECONDS": 30,
    # Judge overspeed by each road's limit and deviation by the road driven, map-matching the fixes live
    # (docs/live-map-matching.md) once the road network (NETWORK_PATH) is prepared; until then, the above.
    "MONITOR_MAP_MATCH": False,
    "MONITOR_MATCH_SIGMA_M": 10,
    "MONITOR_MATCH_LAG_FIXES": 12,
    "MONITOR_MATCH_LAG_S": 120,
    # `hazledger serve` sweeps for silent vehicles this often (0: never; run `hazledger track sweep` instead).
    "MONITOR_SWEEP_SECONDS": 60,
    # The alert stream (/api/v1/alerts/stream): polling, keep-alive comments, and when it ends so the
    # client reconnects (EventSource does so by itself, with Last-Event-ID).
    "ALERT_STREAM_POLL_S": 0.5,
    "ALERT_STREAM_HEARTBEAT_S": 15,
    "ALERT_STREAM_LIFETIME_S": 300,
    # Hazardous waste may be stored at its generator this many days before an alert (固废法 art. 81: a year).
    "WASTE_MAX_STORAGE_DAYS": 365,
    # 危险废物转移管理办法: working days the receiver has to confirm receipt (app/data/README.md).
    "WASTE_RECEIPT_WORKING_DAYS": 5,
    # The risk map's own policy (docs/major-hazards.md): grade → level ({"一级": "red", ..., "none": "blue"};
    # None: the default) and how many levels an unresolved critical alert raises a site (0: none).
    "RISK_MAP_GRADE_LEVELS": None,
    "RISK_MAP_CRITICAL_ALERT_RAISES": 1,
    # Wuxi's county-level districts (GeoJSON, adcode and name properties) for the risk map, under DATA_DIR.
    "DISTRICTS_FILE": "boundaries/wuxi_districts_320200.geojson",
    # Signs the web session cookie: HAZLEDGER_SECRET_KEY, else this file (created with mode 0600 on first use).
    "SECRET_KEY_PATH": "instance/secret_key",
    "SESSION_COOKIE_NAME": "hazledger_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Behind TLS set HAZLEDGER_SESSION_COOKIE_SECURE=true; the demo serves plain HTTP on the loopback.
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
    # The web pages' language when the user has chosen none ("zh" or "en"), and the zone they show times in.
    "WEB_DEFAULT_LANGUAGE": "zh",
    # The documentation site `make docs` builds (mkdocs), served offline at /docs.
    "DOCS_DIR": str(PROJECT_ROOT / "site"),
    "WEB_TIMEZONE": "Asia/Shanghai",
    # Paths relative to DATA_DIR (absolute ones are used as they are).
    # The road network the waybill maps draw (and plan on); missing: the maps show no streets and no plan.
    "NETWORK_PATH": "osm/shanghai_center.osm",
    # Prepared road networks (the routing engine's pickles; the same HAZLEDGER_CACHE_DIR the route commands read).
    "CACHE_DIR": "instance/cache",
}


def load_config(overrides: Mapping[str, Any] | None = None, prefix: str = "HAZLEDGER") -> dict[str, Any]:
    """The configuration: :data:`DEFAULTS`, then the ``HAZLEDGER_*`` environment variables, then *overrides*.

    The one loader of both the app factory and the commands that build no app (issue 18: a command that only
    opens the database starts without Flask). An environment value is read as Flask's ``from_prefixed_env`` reads
    it: as JSON where it parses (``8``, ``true``, ``{"a": 1}``), else as text; ``A__B`` sets key ``B`` of the
    dictionary ``A``.
    """
    config = copy.deepcopy(DEFAULTS)
    start = f"{prefix}_"
    for key in sorted(os.environ):
        if not key.startswith(start):
            continue
        value: Any = os.environ[key]
        try:
            value = json.loads(value)
        except ValueError:  # not JSON: the text itself
            pass
        *parents, name = key.removeprefix(start).split("__")
        target = config
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = value
    config.update(overrides or {})
    return config
