"""The trace reads text rendered by the database: it must print exactly what the typed values print."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import Uuid, literal, select

from app.services.ledger import lifecycle
from app.services.ledger.epcis import as_epcis
from app.services.ledger.sql_text import grams, iso_text, kg_text, uuid_key, uuid_text
from app.services.ledger.trace import account_label, as_json, trace
from app.services.ledger.transform import Input, Output, transform
from app.services.waste.codes import Declaration
from models import Batch, EntryKind, LedgerEntry
from models.types import Quantity, TZDateTime, utcnow
from tests.app.ledger.conftest import departed_waybill, produce

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("value", [uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), None])
def test_uuid_text_is_str_of_the_uuid(session, value):
    rendered = session.scalar(select(uuid_text(literal(value, Uuid()))))
    assert rendered == (None if value is None else str(value))


def test_uuid_key_reads_back_as_the_uuid(session):
    value = uuid.uuid4()
    assert uuid.UUID(session.scalar(select(uuid_key(literal(value, Uuid()))))) == value


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 1, 1, 8, 0, 0, tzinfo=dt.timezone.utc),  # no fraction: isoformat() leaves it out
    dt.datetime(2026, 1, 1, 8, 0, 0, 1, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 3, 1, 7, 30, 0, 500000, tzinfo=SHANGHAI),  # stored in UTC, the day before
])
def test_iso_text_is_isoformat_in_utc(session, value):
    rendered = session.scalar(select(iso_text(literal(value, TZDateTime()))))
    assert rendered == value.astimezone(dt.timezone.utc).isoformat()


@pytest.mark.parametrize("kg", ["0.001", "0.5", "100", "1234567.891", "999999999999999.999"])
def test_grams_and_kg_text_print_as_the_decimal_does(session, kg):
    value = Decimal(kg)
    stored = session.scalar(select(grams(literal(value, Quantity()))))
    assert stored == int(value * 1000)
    assert kg_text(stored) == f"{value:.3f}" and kg_text(-stored) == f"{-value:.3f}"


def _expected_entry(entry: LedgerEntry) -> dict:
    """An entry of the trace's JSON, built from the typed ORM values the plain way."""
    return {
        "sequence": entry.sequence, "id": str(entry.id), "kind": entry.kind.value, "batch": entry.batch.code,
        "kg": f"{entry.quantity:.3f}", "from": account_label(entry.from_account), "to": account_label(entry.to_account),
        "occurred_at": entry.occurred_at.isoformat(), "document_ref": entry.document_ref,
        "reverses": str(entry.reverses_id) if entry.reverses_id else None, "hash": entry.hash,
    }


BATCH_KEYS = ("code", "relation", "chemical", "producer", "produced_at", "quantity_kg")


def _expected_batch(batch: Batch, relation: str) -> dict:
    return {
        "code": batch.code, "relation": relation, "chemical": {
            "id": str(batch.chemical_id), "un_number": batch.chemical.un_number,
            "name": batch.chemical.name_zh or batch.chemical.name_en},
        "producer": {"id": str(batch.producer_id), "name": batch.producer.name},
        "produced_at": batch.produced_at.isoformat(), "quantity_kg": f"{batch.quantity:.3f}",
    }


def test_trace_json_prints_what_the_typed_values_print(session, world):
    on_the_hour = utcnow().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    produce(session, world, "RAW-1", "1000.5", occurred_at=on_the_hour, document_ref="生产记录 \"1\"")
    lifecycle.transfer(session, world.as_producer, batch_code="RAW-1", from_site_id=world.plant.id,
                       to_site_id=world.warehouse.id, quantity=Decimal("200.25"), occurred_at=utcnow(),
                       document_ref="INV-7")
    lifecycle.load(session, world.as_producer, batch_code="RAW-1", from_site_id=world.warehouse.id,
                   carrier_id=world.carrier.id, transit_ref=(trip := departed_waybill(session, world).number),
                   quantity=Decimal("0.001"),
                   occurred_at=utcnow())
    transform(session, world.as_producer, site_id=world.plant.id, inputs=[Input("RAW-1", Decimal("700"))],
              outputs=[Output("PROD-1", world.chemical.id, Decimal("650")),
                       Output("WASTE-1", world.chemical.id, Decimal("50"),
                              waste=Declaration("900-041-49", ("T",)))], occurred_at=utcnow())
    consumed = lifecycle.retire(session, world.as_producer, kind=EntryKind.CONSUME, batch_code="PROD-1",
                                site_id=world.plant.id, quantity=Decimal("1.5"), occurred_at=utcnow())
    lifecycle.reverse(session, world.as_producer, entry_id=consumed[0].id, occurred_at=utcnow())

    document = as_json(trace(session, "PROD-1", "both"))

    relation = {"RAW-1": "upstream", "PROD-1": "self"}
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.sequence)).all()
    assert document["entries"] == [_expected_entry(e) for e in entries if e.batch.code in relation]
    batches = sorted(session.scalars(select(Batch).where(Batch.code.in_(relation))), key=lambda b: b.produced_at)
    assert [{k: b[k] for k in BATCH_KEYS} for b in document["batches"]] == [
        _expected_batch(b, relation[b.code]) for b in batches]
    assert document["batches"][0]["produced_at"].endswith("T%02d:00:00+00:00" % on_the_hour.hour)
    assert document["lineage"] == [{
        "transformation_id": str(entries[3].transformation_id), "kind": "transform",
        "occurred_at": entries[3].occurred_at.isoformat(), "inputs": [{"batch": "RAW-1", "kg": "700.000"}],
        "outputs": [{"batch": "PROD-1", "kg": "650.000"}]}]  # WASTE-1 is not in an up-and-down trace of PROD-1
    assert document["documents"] == sorted(["INV-7", trip, "生产记录 \"1\""])
    assert all(b["reconciles"] for b in document["batches"])

    events = as_epcis(trace(session, "RAW-1", "down"))["epcisBody"]["eventList"]
    assert [e["eventTime"] for e in events] == [e.occurred_at.isoformat() for e in entries[:4]] + [
        e.occurred_at.isoformat() for e in entries[6:]]
    assert events[0]["quantityList"][0]["quantity"] == 1000.5 and events[2]["quantityList"][0]["quantity"] == 0.001
    assert events[3]["type"] == "TransformationEvent"
