"""``hazledger ledger ...`` and ``hazledger trace`` against a committed database (CONTRACT.md)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.cli import cli
from app.services.ledger import lifecycle
from models import EntryKind
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import build_world, produce


@pytest.fixture
def database(fresh_database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HAZLEDGER_SIGNING_KEY_PATH", str(tmp_path / "signing_key"))
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        produce(session, world, "B-1", "100")
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                         site_id=world.plant.id, quantity=Decimal("10"), occurred_at=utcnow())
    yield fresh_database_url, engine
    engine.dispose()


@pytest.fixture
def run(database):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--database-url", database[0], *args], catch_exceptions=False)

    return invoke


def test_verify_ok_then_tampered_names_the_entry(run, database):
    result = run("ledger", "verify", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    with database[1].begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
        conn.execute(text("UPDATE ledger_entries SET document_ref = 'forged' WHERE sequence = 2"))
    broken = run("ledger", "verify", "--format", "json")
    assert broken.exit_code == 1
    assert json.loads(broken.stdout)["first_bad"]["sequence"] == 2
    assert "BROKEN at entry 2" in run("ledger", "verify").stdout


def test_checkpoint_prove_and_verify_proof_offline(run, tmp_path):
    assert run("ledger", "prove", "00000000-0000-0000-0000-000000000000").exit_code == 2
    made = run("ledger", "checkpoint")
    assert made.exit_code == 0 and "checkpoint 1..2" in made.stdout
    assert run("ledger", "checkpoint").exit_code == 2  # nothing new to sign
    entry_id = json.loads(run("trace", "B-1").stdout)["entries"][1]["id"]
    proof = run("ledger", "prove", entry_id)
    assert proof.exit_code == 0, proof.output
    path = tmp_path / "proof.json"
    path.write_text(proof.stdout, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["ledger", "verify-proof", str(path)])
    assert checked.exit_code == 0 and "valid: entry 2" in checked.stdout
    forged = json.loads(proof.stdout)
    forged["checkpoint"]["merkle_root"] = "00" * 32
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert CliRunner().invoke(cli, ["ledger", "verify-proof", str(path)]).exit_code == 1
    path.write_text("{not json", encoding="utf-8")
    assert CliRunner().invoke(cli, ["ledger", "verify-proof", str(path)]).exit_code == 2


def test_trace_json_epcis_and_unknown_batch(run):
    result = run("trace", "B-1", "--direction", "down")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["batch"] == "B-1" and len(data["entries"]) == 2 and data["batches"][0]["reconciles"]
    epcis = json.loads(run("trace", "B-1", "--format", "epcis").stdout)
    assert epcis["type"] == "EPCISDocument"
    missing = run("trace", "NOPE")
    assert missing.exit_code == 2 and "No batch 'NOPE'" in missing.stderr
