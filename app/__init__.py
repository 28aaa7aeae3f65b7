"""The hazledger web application: ``create_app`` is the only way to build one."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.config import load_config

if TYPE_CHECKING:  # Flask is imported by create_app: a command that builds no app (``route check``) never pays it
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Build the app: defaults, then ``HAZLEDGER_*`` environment variables, then *config* (tests).

    ``web=False`` builds what a command needs: the configuration, the database and the catalogues, without the
    API, the pages, their error handlers and request hooks (most of a command's start-up: issue 18).
    """
    # Imported here, not with the package: a command that builds no app (``--help``, ``route check``) does not
    # pay for them.
    from app import i18n
    from app.extensions import db

    from flask import Flask

    # No app-wide static folder: the web blueprint serves its own assets under /static.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(load_config(config))
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    app.json.ensure_ascii = False  # Chinese names stay readable in responses

    i18n.init_app(app)
    db.init_app(app)
    if web:
        _serve_web(app)
    return app


def _serve_web(app: Flask) -> None:
    """Register the API (and its OpenAPI document), the pages, the problem+json handlers and the request hooks."""
    from app import api as api_package
    from app import input_text, problems, web
    from app.http import init_app as init_http

    api_package.api.init_app(app)
    problems.init_app(app)
    init_http(app)
    input_text.init_app(app)
    api_package.init_app(app)
    web.init_app(app)
