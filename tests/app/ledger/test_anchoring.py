"""Tamper evidence covers deletion (issue 25, finding 4): the chain's head anchored outside the database.

An attacker with database access switches the append-only triggers off and deletes the newest entries past the
last checkpoint, or entries together with their checkpoints, or re-chains the ledger from an altered entry and
signs it with a key of its own. The chain that is left verifies by itself; a kept signed head or checkpoint, the
authority's key and the leaves a checkpoint keeps catch each case, and name what is missing or first differs.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import create_app
from app.cli import cli
from app.cli.track import Sweeper
from app.extensions import db
from app.services.ledger import lifecycle
from app.services.ledger.chain import entry_hash, entry_values
from app.services.ledger.checkpoints import checkpoint_if_due, key_id, load_signing_key, signed_message
from models import Checkpoint, EntryKind, LedgerEntry
from models.engine import make_engine
from models.types import utcnow
from tests.app.ledger.conftest import World, build_world, produce
from tests.factories import auth


@dataclasses.dataclass
class Ledger:
    url: str
    engine: object
    world: World
    key_path: Path
    tmp: Path

    def consume(self, count: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            for _ in range(count):
                lifecycle.retire(session, self.world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                                 site_id=self.world.plant.id, quantity=Decimal("1"), occurred_at=utcnow())

    def run(self, *args: str):
        return CliRunner().invoke(cli, ["--database-url", self.url, *args], catch_exceptions=False)

    def keep_head(self) -> Path:
        path = self.tmp / f"head-{utcnow().timestamp()}.json"
        assert self.run("ledger", "head", "--output", str(path)).exit_code == 0
        return path

    def attack(self, *statements: str) -> None:
        """Run *statements* as someone with database access would: the append-only triggers off first."""
        with self.engine.begin() as conn:
            for table in ("ledger_entries", "ledger_checkpoints"):
                if conn.dialect.name == "postgresql":
                    conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
                else:
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
            for statement in statements:
                conn.execute(text(statement))


@pytest.fixture
def ledger(fresh_database_url, monkeypatch, tmp_path) -> Ledger:
    key_path = tmp_path / "signing_key"
    monkeypatch.setenv("HAZLEDGER_SIGNING_KEY_PATH", str(key_path))
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        session.commit()
        produce(session, world, "B-1", "100")
    built = Ledger(fresh_database_url, engine, world, key_path, tmp_path)
    built.consume(1)
    yield built
    engine.dispose()


@contextlib.contextmanager
def app_of(ledger: Ledger, **config: object) -> Iterator[Flask]:
    """The app on the ledger's database, its connections closed afterwards."""
    app = create_app({"DATABASE_URL": ledger.url, "SIGNING_KEY_PATH": str(ledger.key_path), **config})
    try:
        yield app
    finally:
        db.dispose(app)


def verify(ledger: Ledger, *options: str) -> tuple[int, dict]:
    result = ledger.run("ledger", "verify", "--format", "json", *options)
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith("{") else result.output


def test_entries_past_the_last_checkpoint_are_reported_not_yet_checkpointed(ledger):
    assert ledger.run("ledger", "checkpoint").exit_code == 0
    ledger.consume(2)
    status, result = verify(ledger)
    assert status == 0 and result["not_checkpointed"] == {"first_sequence": 3, "last_sequence": 4, "count": 2}
    assert "not yet checkpointed: entries 3..4 (2)" in ledger.run("ledger", "verify").stdout


def test_deleting_the_newest_entries_is_caught_by_a_kept_head(ledger):
    assert ledger.run("ledger", "checkpoint").exit_code == 0
    ledger.consume(2)
    kept = ledger.keep_head()
    assert verify(ledger, "--expect-head", str(kept))[0] == 0
    ledger.attack("DELETE FROM ledger_entries WHERE sequence > 2")
    assert verify(ledger)[0] == 0  # the chain that is left verifies by itself: the reported gap
    status, result = verify(ledger, "--expect-head", str(kept))
    assert status == 1 and result["ok"] is False
    head = result["anchors"][0]
    assert head["kind"] == "head" and head["missing"] == {"first_sequence": 3, "last_sequence": 4}
    text_out = ledger.run("ledger", "verify", "--expect-head", str(kept)).stdout
    assert "entries 3..4 are missing" in text_out


def test_deleting_entries_with_their_checkpoints_is_caught_by_a_kept_checkpoint(ledger):
    ledger.consume(2)
    assert ledger.run("ledger", "checkpoint").exit_code == 0
    kept = ledger.keep_head()  # its checkpoint is the one covering 1..4
    ledger.attack("DELETE FROM ledger_entries WHERE sequence > 2", "DELETE FROM ledger_checkpoints")
    assert verify(ledger)[0] == 0
    for option in ("--since-checkpoint", "--expect-head"):
        status, result = verify(ledger, option, str(kept))
        assert status == 1, option
        problems = " ".join(p for anchor in result["anchors"] for p in anchor["problems"])
        assert "no longer holds the kept checkpoint 1..4" in problems and "entries were removed" in problems
        assert "first differing entry 3" in problems or result["anchors"][0].get("first_differing_sequence") == 3


def rechain(ledger: Ledger, sequence: int, **change: object) -> None:
    """Alter entry *sequence* and re-hash it and every entry after it, as a thorough attacker would."""
    with Session(ledger.engine) as session:
        entries = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)))
        values = [entry_values(e) for e in entries]
        previous = entries[sequence - 2].hash if sequence > 1 else "0" * 64
    statements = []
    for row in values[sequence - 1:]:
        row = {**row, **(change if row["sequence"] == sequence else {}), "previous_hash": previous}
        previous = entry_hash(row)
        sets = ", ".join(f"{k} = '{v}'" for k, v in change.items()) + ", " if row["sequence"] == sequence else ""
        statements.append(f"UPDATE ledger_entries SET {sets}previous_hash = '{row['previous_hash']}', "
                          f"hash = '{previous}' WHERE sequence = {row['sequence']}")
    ledger.attack(*statements)


def test_a_full_rechain_is_named_at_its_first_differing_entry(ledger):
    ledger.consume(3)
    assert ledger.run("ledger", "checkpoint").exit_code == 0
    rechain(ledger, 3, document_ref="forged")
    status, result = verify(ledger)
    assert status == 1 and result["first_bad"] is None  # the chain itself holds together
    assert result["bad_checkpoint"]["first_differing_sequence"] == 3
    assert "first differing entry 3" in ledger.run("ledger", "verify").stdout


def test_a_checkpoint_signed_with_another_key_is_not_the_authoritys(ledger, monkeypatch):
    ledger.consume(1)
    assert ledger.run("ledger", "checkpoint").exit_code == 0
    rechain(ledger, 2, document_ref="forged")
    forger = SigningKey.generate()
    with Session(ledger.engine) as session:
        stored = session.scalars(select(Checkpoint)).one()
        hashes = list(session.scalars(select(LedgerEntry.hash).order_by(LedgerEntry.sequence)))
    from app.services.ledger.merkle import merkle_root
    forged = Checkpoint(first_sequence=1, last_sequence=stored.last_sequence, merkle_root=merkle_root(hashes),
                        key_id=key_id(forger.verify_key), created_at=stored.created_at)
    signature = forger.sign(signed_message(forged).encode()).signature.hex()
    ledger.attack(f"UPDATE ledger_checkpoints SET merkle_root = '{forged.merkle_root}', key_id = '{forged.key_id}', "
                  f"public_key = '{forger.verify_key.encode().hex()}', signature = '{signature}', entry_hashes = NULL")
    status, result = verify(ledger)  # the key stored beside the signature would have let it pass
    assert status == 1 and "not by an authority key" in result["bad_checkpoint"]["reason"]
    # An auditor on another machine names the authority's key itself; a malformed one is bad usage.
    authority = load_signing_key(ledger.key_path).verify_key.encode().hex()
    monkeypatch.setenv("HAZLEDGER_SIGNING_KEY_PATH", str(ledger.tmp / "absent"))
    monkeypatch.setenv("HAZLEDGER_LEDGER_AUTHORITY_PUBLIC_KEY", authority)
    assert "not by an authority key" in verify(ledger)[1]["bad_checkpoint"]["reason"]
    monkeypatch.setenv("HAZLEDGER_LEDGER_AUTHORITY_PUBLIC_KEY", "not-hex")
    assert ledger.run("ledger", "verify").exit_code == 2


def test_bad_kept_files_are_bad_usage(ledger):
    junk = ledger.tmp / "junk.json"
    for content in ("{not json", json.dumps({"sequence": 1})):
        junk.write_text(content, encoding="utf-8")
        for option in ("--expect-head", "--since-checkpoint"):
            assert ledger.run("ledger", "verify", option, str(junk)).exit_code == 2, (content, option)


def test_the_signed_head_is_published_for_auditors(ledger):
    with app_of(ledger) as app, Session(ledger.engine) as session:
        client = app.test_client()
        ledger.run("ledger", "checkpoint")
        head = client.get("/api/v1/ledger/head", headers=auth(ledger.world.tokens["auditor"]))
        assert head.status_code == 200, head.get_json()
        body = head.get_json()
        assert (body["sequence"], body["checkpoint"]["last_sequence"]) == (2, 2)
        VerifyKey(load_signing_key(ledger.key_path).verify_key.encode()).verify(
            body["signed_message"].encode(), bytes.fromhex(body["signature"]))
        assert client.get("/api/v1/ledger/head", headers=auth(ledger.world.tokens["producer"])).status_code == 403
        listed = client.get("/api/v1/ledger/checkpoints", headers=auth(ledger.world.tokens["auditor"])).get_json()
        kept = ledger.tmp / "checkpoint.json"
        kept.write_text(json.dumps(listed[0]), encoding="utf-8")  # an auditor keeps one as the API lists it
        assert session.scalar(select(LedgerEntry.sequence).order_by(LedgerEntry.sequence.desc()).limit(1)) == 2
    assert verify(ledger, "--since-checkpoint", str(kept))[0] == 0
    ledger.attack("DELETE FROM ledger_entries WHERE sequence = 2", "DELETE FROM ledger_checkpoints")
    assert verify(ledger, "--since-checkpoint", str(kept))[0] == 1


def test_the_servers_sweeper_checkpoints_on_a_schedule(ledger):
    with app_of(ledger, LEDGER_CHECKPOINT_SECONDS=3600) as app:
        sweeper = Sweeper(app, 60)
        made = sweeper.checkpoint_if_due()
        assert (made.first_sequence, made.last_sequence) == (1, 2)
        ledger.consume(1)
        assert sweeper.checkpoint_if_due() is None  # the last one is not an hour old
        with Session(ledger.engine) as session:
            again = checkpoint_if_due(session, load_signing_key(ledger.key_path), dt.timedelta(0))
            assert (again.first_sequence, again.last_sequence) == (3, 3)
            assert checkpoint_if_due(session, load_signing_key(ledger.key_path), dt.timedelta(0)) is None
        app.config["LEDGER_CHECKPOINT_SECONDS"] = 0
        assert sweeper.checkpoint_if_due() is None
