"""The ``hazledger`` command line: db upgrade, users, demo (CONTRACT.md)."""
from __future__ import annotations

import gc
import json
import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event, select

from app.cli import cli
from models import Alert, AlertKind
from tests.factories import valid_uscc


@pytest.fixture
def run(fresh_database_url):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--database-url", fresh_database_url, *args], catch_exceptions=False)

    return invoke


def test_db_upgrade_is_idempotent(run):
    first = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert run("db", "upgrade").exit_code == 0


def test_users_create_prints_a_working_token_once(run, fresh_database_url):
    result = run("users", "create", "--name", "ops", "--role", "auditor", "--format", "json")
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)["token"]

    from app import create_app
    from app.extensions import db

    app = create_app({"DATABASE_URL": fresh_database_url})
    me = app.test_client().get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    db.dispose(app)
    assert me.get_json()["name"] == "ops"


@pytest.mark.parametrize("args, reason", [
    (["--name", "s", "--role", "supervisor"], "department"),
    (["--name", "e", "--role", "enterprise"], "enterprise"),
    (["--name", "e", "--role", "enterprise", "--enterprise", "91320205MA1XY2KC0M"], "no enterprise"),
])
def test_users_create_bad_input_exits_2_with_one_line(run, args, reason):
    result = run("users", "create", *args)
    assert result.exit_code == 2
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_duplicate_user_name_exits_2(run):
    assert run("users", "create", "--name", "ops", "--role", "admin").exit_code == 0
    again = run("users", "create", "--name", "ops", "--role", "admin")
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_demo_load_contract_shape_and_reload(run, fresh_database_url):
    result = run("demo", "load", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"admin", "supervisor", "auditor", "shipper", "carrier"} <= set(data["tokens"])
    assert {"WX-MEOH-001", "XW-WASTE-001", "XW-WASTE-000", "WX-CL2-001"} <= set(data["batches"])

    from app import create_app
    from app.extensions import db

    app = create_app({"DATABASE_URL": fresh_database_url})
    client = app.test_client()
    auditor = {"Authorization": f"Bearer {data['tokens']['auditor']}"}
    statuses = {client.get(f"/api/v1/waybills/{wid}", headers=auditor).get_json()["status"]
                for wid in data["waybills"]}
    assert statuses == {"draft", "issued", "awaiting_pass", "rejected", "in_transit", "delivered", "closed",
                        "cancelled"}
    assert client.get("/api/v1/ledger/verify", headers=auditor).get_json()["ok"] is True
    trace = client.get("/api/v1/batches/XW-WASTE-001/trace?direction=up", headers=auditor).get_json()
    assert {b["code"] for b in trace["batches"]} >= {"WX-MEOH-001", "XW-WASTE-001"}
    [plant] = client.get("/api/v1/sites?q=东港厂区", headers=auditor).get_json()
    hazard = client.get(f"/api/v1/sites/{plant['id']}/hazard", headers=auditor).get_json()
    assert hazard["major_hazard_source"] is True and hazard["grade"] == "三级"
    [manifest] = client.get("/api/v1/waste-manifests", headers=auditor).get_json()
    assert manifest["status"] == "disposed" and manifest["lines"][0]["batch"] == "XW-WASTE-001"
    with app.app_context():
        kinds = set(db.session.scalars(select(Alert.kind)))
    assert {AlertKind.MAJOR_HAZARD, AlertKind.WASTE_OVERDUE} <= kinds
    db.dispose(app)

    again = json.loads(run("demo", "load", "--format", "json").stdout)
    assert again["tokens"]["admin"] != data["tokens"]["admin"]
    assert again["batches"] == data["batches"] and sorted(again["waybills"]) == sorted(data["waybills"])


def test_unknown_command_is_usage_error(run):
    assert run("frobnicate").exit_code == 2


def test_valid_uscc_helper_makes_valid_codes():
    from models.identifiers import uscc_problem

    assert all(uscc_problem(valid_uscc()) is None for _ in range(50))


def test_serve_freezes_the_startup_objects_before_serving(run, monkeypatch):
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(frozen=gc.get_freeze_count()))
    # The road network is prepared in the background when the server starts (tests/web/test_map_preparing.py
    # holds its effect on the maps); not here, where its thread would outlive the test.
    monkeypatch.setattr("app.cli.serve.prepare_road_network", lambda app: served.update(network=app))
    try:
        # No sweeper: its thread would outlive the test, polling a database the run has closed.
        assert run("serve", "--port", "5999", "--no-sweep").exit_code == 0
    finally:
        gc.unfreeze()
    assert served["frozen"] > 10_000  # the app, its modules and mappers: out of the collector's way
    assert served["network"] is not None
    from app.services.users import dummy_password_hash

    assert dummy_password_hash.cache_info().currsize == 1  # made before the first sign-in, not during it


def _holds_the_write_lock(run, fresh_database_url, *args: str) -> bool:
    """Whether, at the first statement of the command's transaction, another connection finds SQLite's write
    lock taken (so a server writing meanwhile makes the command wait, not fail)."""
    path = fresh_database_url.removeprefix("sqlite:///")
    seen: list[bool] = []

    def probe(*_args) -> None:
        if seen:
            return
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(False)
        except sqlite3.OperationalError:
            seen.append(True)
        finally:
            other.close()

    event.listen(Engine, "after_cursor_execute", probe)
    try:
        result = run(*args)
    finally:
        event.remove(Engine, "after_cursor_execute", probe)
    assert result.exit_code == 0, result.output
    return seen[0]


def test_a_writing_command_takes_the_write_lock_and_a_reading_one_does_not(run, fresh_database_url):
    if not fresh_database_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock")
    assert _holds_the_write_lock(run, fresh_database_url, "users", "create", "--name", "ops", "--role", "auditor")
    assert not _holds_the_write_lock(run, fresh_database_url, "ledger", "verify")
