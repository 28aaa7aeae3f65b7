"""``create_app(web=False)``: the app a command builds, with the configuration and the database and nothing a
request needs (issue 18: a command's start-up); the server's app is the same factory's whole build."""
from __future__ import annotations

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.i18n import localize


def test_a_commands_app_has_the_database_and_the_settings_but_no_api_or_pages(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "TOKEN_TTL_DAYS": 7}, web=False)
    try:
        assert app.blueprints == {}
        assert list(app.url_map.iter_rules()) == []
        assert "flask-smorest" not in app.extensions
        assert app.config["TOKEN_TTL_DAYS"] == 7
        with app.app_context():
            assert db.session.scalar(select(1)) == 1
            with app.test_request_context("/", headers={"Cookie": "hazledger_lang=zh"}):
                assert localize("Loader (装货人)") == "装货人"  # the catalogues are bound all the same
    finally:
        db.dispose(app)


def test_the_servers_app_registers_the_api_and_the_pages(app):
    assert {"api-docs", "web", "health"} <= set(app.blueprints)
    assert "flask-smorest" in app.extensions


def test_the_config_loader_reads_the_environment_as_flask_does_and_the_app_has_its_settings(monkeypatch):
    """``load_config`` is the one loader of the app factory and of the commands that build no app: environment
    values as Flask's ``from_prefixed_env`` reads them (JSON where it parses, ``A__B`` into a dictionary), then
    the given settings; the defaults themselves stay untouched."""
    import copy

    from flask import Config

    from app.config import DEFAULTS, load_config

    defaults = copy.deepcopy(DEFAULTS)
    monkeypatch.setenv("HAZLEDGER_TOKEN_TTL_DAYS", "7")
    monkeypatch.setenv("HAZLEDGER_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("HAZLEDGER_API_SPEC_OPTIONS__info__title", '"kept apart"')
    monkeypatch.setenv("HAZLEDGER_MONITOR_MAP_MATCH", "true")
    flask_config = Config(".", copy.deepcopy(DEFAULTS))
    flask_config.from_prefixed_env("HAZLEDGER")
    loaded = load_config({"DATABASE_URL": "sqlite://"})
    assert {**flask_config, "DATABASE_URL": "sqlite://"} == loaded
    assert (loaded["TOKEN_TTL_DAYS"], loaded["LOG_LEVEL"], loaded["MONITOR_MAP_MATCH"]) == (7, "WARNING", True)
    assert loaded["API_SPEC_OPTIONS"]["info"]["title"] == "kept apart"
    assert DEFAULTS == defaults
    app = create_app({"DATABASE_URL": "sqlite://"}, web=False)
    try:
        assert {key: app.config[key] for key in loaded} == loaded
    finally:
        db.dispose(app)
