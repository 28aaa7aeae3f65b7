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
