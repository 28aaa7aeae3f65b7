"""Tamper evidence: append-only rows, the hash chain, signed checkpoints and offline inclusion proofs."""
from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.services.ledger import lifecycle
from app.services.ledger.chain import BATCH_FIELDS, batch_form, batch_identity, canonical_form, entry_values
from app.services.ledger.checkpoints import (
    check_proof, create_checkpoint, key_id as checkpoint_key_id, load_signing_key, prove, verify_ledger,
)
from app.services.ledger.merkle import inclusion_path, merkle_root, root_from_path
from app.services.ledger.verification import verify_chain
from models import AppendOnlyError, EntryKind, LedgerEntry
from models.types import utcnow
from tests.app.ledger.conftest import produce


def post_some(session, world, n: int = 3) -> list[LedgerEntry]:
    produce(session, world, "B-1", "100")
    for _ in range(n - 1):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                         site_id=world.plant.id, quantity=Decimal("1"), occurred_at=utcnow())
    return list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)))


def test_canonical_form_is_documented_shape(session, world):
    entry = post_some(session, world, 1)[0]
    form = canonical_form({name: getattr(entry, name) for name in (
        "id", "sequence", "kind", "batch_id", "quantity", "from_account_id", "to_account_id", "occurred_at",
        "recorded_at", "actor_id", "enterprise_id", "document_ref", "reverses_id", "transformation_id",
        "lineage_role", "previous_hash")}).decode()
    assert form.startswith('{"actor_id":"') and '"quantity":"100.000"' in form and '"sequence":1' in form
    assert '"previous_hash":"' + "0" * 64 in form and "+00:00" in form and " " not in form
    assert "batch_identity" not in form  # entries before migration 0011 have none: their form is unchanged
    identity = canonical_form(entry_values(entry)).decode()
    batch = {name: getattr(entry.batch, name) for name in BATCH_FIELDS}
    assert f',"batch_identity":"{batch_identity(batch)}","document_ref":' in identity
    assert batch_form(batch).decode().startswith('{"chemical_id":"') and '"code":"B-1"' in batch_form(batch).decode()


def test_a_relabelled_batch_is_named_by_verify(session, world):
    entries = post_some(session, world, 3)
    _disable_triggers(session)
    session.execute(text("UPDATE batches SET code = 'B-2'"))
    result = verify_chain(session)
    assert not result.ok and result.first_bad["sequence"] == 1 and result.first_bad["id"] == str(entries[0].id)
    assert "batch was altered" in result.first_bad["reason"] and result.head_sequence == 0


def test_verify_passes_on_an_intact_chain(session, world):
    entries = post_some(session, world, 4)
    result = verify_chain(session)
    assert result.ok and result.entries_checked == 4 and result.head_hash == entries[-1].hash


def test_orm_refuses_update_and_delete(session, world):
    entry = post_some(session, world, 1)[0]
    entry.quantity = Decimal("1")
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(session.get(LedgerEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE ledger_entries SET document_ref = 'x'", "DELETE FROM ledger_entries",
                                       "UPDATE batches SET code = 'x'", "UPDATE ledger_accounts SET reference = 'x'",
                                       "DELETE FROM ledger_accounts"])
def test_database_triggers_refuse_update_and_delete(session, world, statement):
    post_some(session, world, 1)
    with pytest.raises(DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(statement))


def test_a_transit_account_names_a_waybill_that_exists(session, world):
    """The account's waybill is a foreign key (the ledger table was rebuilt for it on SQLite, triggers and all)."""
    post_some(session, world, 1)
    account = {"id": uuid.uuid4().hex, "enterprise": world.carrier.id.hex, "waybill": uuid.uuid4().hex}
    if session.get_bind().dialect.name == "postgresql":
        account = {name: str(uuid.UUID(value)) for name, value in account.items()}
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        with session.begin_nested():
            session.execute(text("INSERT INTO ledger_accounts (id, kind, enterprise_id, reference, waybill_id) "
                                 "VALUES (:id, 'transit', :enterprise, 'YD-none', :waybill)"), account)


def _disable_triggers(session) -> None:
    for table in ("ledger_entries", "batches"):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        else:
            session.execute(text(f"DROP TRIGGER {table}_no_update"))
            session.execute(text(f"DROP TRIGGER {table}_no_delete"))


def test_altered_row_is_named_by_verify(session, world):
    entries = post_some(session, world, 4)
    _disable_triggers(session)
    grams = "99000" if session.get_bind().dialect.name == "sqlite" else "99"
    session.execute(text(f"UPDATE ledger_entries SET quantity = {grams} WHERE sequence = 2"))
    result = verify_chain(session)
    assert not result.ok
    assert result.first_bad["sequence"] == 2 and result.first_bad["id"] == str(entries[1].id)
    assert "altered" in result.first_bad["reason"]


def test_deleted_row_is_named_by_verify(session, world):
    entries = post_some(session, world, 4)
    _disable_triggers(session)
    session.execute(text("DELETE FROM ledger_entries WHERE sequence = 2"))
    result = verify_chain(session)
    assert not result.ok and result.first_bad["id"] == str(entries[2].id)
    assert "missing" in result.first_bad["reason"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_merkle_paths_lead_to_the_root(size):
    hashes = [f"{i:064x}" for i in range(size)]
    root = merkle_root(hashes)
    for index, entry_hash in enumerate(hashes):
        assert root_from_path(entry_hash, inclusion_path(hashes, index)) == root
    assert size == 1 or root_from_path(hashes[0], inclusion_path(hashes, 1)) != root


def test_checkpoint_and_offline_proof(session, world, tmp_path):
    entries = post_some(session, world, 5)
    key_path = tmp_path / "keys" / "signing_key"
    checkpoint = create_checkpoint(session, load_signing_key(key_path))
    assert (key_path.stat().st_mode & 0o777) == 0o600
    assert (checkpoint.first_sequence, checkpoint.last_sequence) == (1, 5)
    assert load_signing_key(key_path).verify_key.encode().hex() == checkpoint.public_key  # same key reused

    proof = prove(session, entries[2].id)
    assert check_proof(proof) == []
    for tamper, problem in [
        (lambda p: p["entry"].update(canonical=p["entry"]["canonical"].replace("1.000", "2.000")), "canonical"),
        (lambda p: p["path"][0].update(hash="00" * 32), "path"),
        (lambda p: p["checkpoint"].update(signature="00" * 64), "signature"),
    ]:
        forged = copy.deepcopy(proof)
        tamper(forged)
        assert any(problem in message for message in check_proof(forged)), problem
    assert check_proof({"entry": {}}) and "malformed" in check_proof({"entry": {}})[0]


def test_signed_checkpoints_catch_entries_removed_from_the_end(session, world, tmp_path):
    post_some(session, world, 4)
    key = load_signing_key(tmp_path / "signing_key")
    create_checkpoint(session, key)
    authority = {checkpoint_key_id(key.verify_key): key.verify_key}
    intact = verify_ledger(session, authority=authority)
    assert intact.ok and intact.checkpoints_checked == 1
    _disable_triggers(session)
    session.execute(text("DELETE FROM ledger_entries WHERE sequence = 4"))
    assert verify_chain(session).ok  # the chain alone cannot tell a shortened chain from a short one
    result = verify_ledger(session, authority=authority)
    assert not result.ok and result.first_bad is None
    assert result.bad_checkpoint["last_sequence"] == 4 and "removed" in result.bad_checkpoint["reason"]


#: Document references a JSON encoder must treat with care: quotes, backslashes, control characters,
#: non-ASCII (kept as is), characters JSON leaves alone (DEL, U+2028), and a slash.
AWKWARD_REFERENCES = ['运单 WB-2026-001', 'INV "7"', "C:\\docs\\1", "line\nbreak\ttab\r\x01\x1f",
                      "\x7f\u2028/é", "100% %s %d", "", None]


def test_the_database_renders_exactly_the_canonical_form(session, world):
    from app.services.ledger.canonical_sql import canonical_rows, joined_columns
    from app.services.ledger.transform import Output, transform
    from app.services.waste.codes import Declaration
    from app.services.ledger.transform import Input as TransformInput

    produce(session, world, "B-1", "100", document_ref="生产记录-1")  # its code, like P-1's, needs no escaping
    for n, ref in enumerate(AWKWARD_REFERENCES):
        lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="B-1",
                         site_id=world.plant.id, quantity=Decimal("1.5") + n, occurred_at=utcnow(),
                         document_ref=ref)
    consumed = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.CONSUME)).first()
    lifecycle.reverse(session, world.as_producer, entry_id=consumed.id, occurred_at=utcnow())
    transform(session, world.as_producer, site_id=world.plant.id,
              inputs=[TransformInput("B-1", Decimal("12.345"))],
              outputs=[Output('产品 "1" \\ ', world.chemical.id, Decimal("1234567.891")),
                       Output("W-1", world.chemical.id, Decimal("0.001"),
                              waste=Declaration("900-041-49", ("T",)))], occurred_at=utcnow())
    entries = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)))
    rendered = canonical_rows(session.connection(), 1, 13) + canonical_rows(session.connection(), 14, 99)
    assert [r[0] for r in rendered] == [e.sequence for e in entries] and len(entries) == 13
    for entry, (_, previous_hash, stored_hash, canonical, identity, form) in zip(entries, rendered):
        assert canonical.encode() == canonical_form(entry_values(entry))
        assert (previous_hash, stored_hash, identity) == (entry.previous_hash, entry.hash, entry.batch_identity)
        batch = {name: getattr(entry.batch, name) for name in BATCH_FIELDS}
        assert form == (batch_form(batch).decode() if entry.batch_identity else None)
    assert {e.lineage_role for e in entries} > {None} and any(e.reverses_id for e in entries)
    assert sum(1 for e in entries if e.batch_identity) == 3  # B-1 produced, two outputs of the transformation
    joined = [",".join(str(r[0]) for r in rendered), ",".join(r[1] for r in rendered),
              ",".join(r[2] for r in rendered), "\n".join(r[3] for r in rendered),
              ",".join(r[4] for r in rendered if r[4]), "\n".join(r[5] for r in rendered if r[4])]
    assert list(joined_columns(session.connection(), 1, 99)) == joined
    assert joined_columns(session.connection(), 14, 99) == (None,) * 6
