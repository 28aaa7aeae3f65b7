"""The hazledger web application: ``create_app`` is the only way to build one."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.config import DEFAULTS

if TYPE_CHECKING:  # Flask is imported by create_app: a command that builds no app (``route check``) never pays it
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``HAZLEDGER_*`` environment variables, then *config* (tests)."""
    # The API, the pages and their services are imported here, not with the package: a command that builds no
    # app (``--help``, ``route check``) does not pay for importing them (most of its start-up: issue 18).
    from app import api as api_package
    from app import errors, i18n, input_text, web
    from app.extensions import api, db
    from app.http import init_app as init_http

    from flask import Flask

    # No app-wide static folder: the web blueprint serves its own assets under /static.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("HAZLEDGER")
    if config:
        app.config.from_mapping(config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    app.json.ensure_ascii = False  # Chinese names stay readable in responses

    i18n.init_app(app)
    db.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    init_http(app)
    input_text.init_app(app)
    api_package.init_app(app)
    web.init_app(app)
    return app
