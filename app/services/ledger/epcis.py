"""A trace as a GS1 EPCIS 2.0 ``EPCISDocument`` (JSON-LD), for auditors' traceability tools.

Each entry outside a transformation becomes an ObjectEvent on the batch's class-level identifier with its
quantity in kilograms (uom ``KGM``); each transformation becomes one TransformationEvent with its input and
output quantities. CBV business steps and dispositions are used where CBV has one; the rest are URIs of our
own (``urn:hazledger:bizstep:...``), as EPCIS allows. The event id is the entry's (or first entry's) hash.
"""
from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from app.services.ledger.sql_text import kg_text
from app.services.ledger.trace import Trace, TracedBatch, TracedEntry, transformations
from models import Account, AccountKind, EntryKind, LineageRole
from models.types import utcnow

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_OWN = "urn:hazledger:bizstep:"
#: entry kind -> (action, bizStep, disposition)
_EVENT = {
    EntryKind.PRODUCE: ("ADD", "commissioning", "active"),
    EntryKind.RECEIVE: ("ADD", "receiving", "active"),
    EntryKind.GENERATE_WASTE: ("ADD", "commissioning", "active"),
    EntryKind.TRANSFER: ("OBSERVE", "shipping", "active"),
    EntryKind.LOAD: ("OBSERVE", "loading", "in_transit"),
    EntryKind.UNLOAD: ("OBSERVE", "unloading", "active"),
    EntryKind.CONSUME: ("DELETE", _OWN + "consuming", "inactive"),
    EntryKind.DISPOSE: ("DELETE", "destroying", "disposed"),
    EntryKind.LOSS: ("DELETE", _OWN + "loss", "unknown"),
    EntryKind.ADJUST: ("OBSERVE", "stock_taking", "active"),
    EntryKind.REVERSAL: ("OBSERVE", _OWN + "reversal", "unknown"),
}


def batch_uri(batch: TracedBatch) -> str:
    """The lot's class: its producer and its code (codes are unique per producer, migration 0045)."""
    return f"urn:hazledger:batch:{batch.producer_id}:{quote(batch.code, safe='')}"


def _place(account: Account) -> str:
    if account.kind is AccountKind.SITE:
        return f"urn:hazledger:site:{account.site_id}"
    return f"urn:hazledger:account:{account.id}"


def _common(entry: TracedEntry, account: Account) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventTime": entry.occurred_at, "recordTime": entry.recorded_at,
        "eventTimeZoneOffset": "+00:00", "eventID": f"ni:///sha-256;{entry.hash}?ver=CBV2.0",
        "readPoint": {"id": _place(account)}, "bizLocation": {"id": _place(account)},
    }
    if entry.document_ref:
        event["bizTransactionList"] = [{"bizTransaction": f"urn:hazledger:document:{quote(entry.document_ref)}"}]
    return event


def _quantity(result: Trace, entry: TracedEntry) -> dict[str, Any]:
    return {"epcClass": batch_uri(result.batches[entry.batch_id]), "quantity": float(kg_text(entry.grams)),
            "uom": "KGM"}


def _object_event(result: Trace, entry: TracedEntry) -> dict[str, Any]:
    source, target = result.accounts[entry.from_account_id], result.accounts[entry.to_account_id]
    action, biz_step, disposition = _EVENT[entry.kind]
    event = {"type": "ObjectEvent", **_common(entry, target if target.holds_stock else source), "action": action,
             "bizStep": biz_step, "disposition": disposition, "quantityList": [_quantity(result, entry)]}
    if source.holds_stock and target.holds_stock:
        event["sourceList"] = [{"type": "owning_party", "source": f"urn:hazledger:enterprise:{source.enterprise_id}"},
                               {"type": "location", "source": _place(source)}]
        event["destinationList"] = [
            {"type": "owning_party", "destination": f"urn:hazledger:enterprise:{target.enterprise_id}"},
            {"type": "location", "destination": _place(target)}]
    return event


def _transformation_event(result: Trace, tid: str, rows: list[TracedEntry]) -> dict[str, Any]:
    first = rows[0]
    site = result.accounts[first.from_account_id if first.lineage_role == LineageRole.INPUT else first.to_account_id]
    event = {"type": "TransformationEvent", **_common(first, site), "transformationID": f"urn:uuid:{tid}",
             "bizStep": "repackaging" if first.kind == EntryKind.SPLIT else "commissioning",
             "disposition": "active"}
    for role, key in ((LineageRole.INPUT, "inputQuantityList"), (LineageRole.OUTPUT, "outputQuantityList")):
        quantities = [_quantity(result, r) for r in rows if r.lineage_role == role]
        if quantities:
            event[key] = quantities
    return event


def as_epcis(result: Trace) -> dict[str, Any]:
    """The EPCISDocument of *result*: events in the order their (first) entries were recorded."""
    groups = transformations(result)
    order: list[TracedEntry | str] = []
    for entry in result.entries:
        if entry.transformation_id is None:
            order.append(entry)
        elif groups[entry.transformation_id][0] is entry:  # a transformation's place is its first entry's
            order.append(entry.transformation_id)
    events = [_transformation_event(result, item, groups[item]) if isinstance(item, str)
              else _object_event(result, item) for item in order]
    return {
        "@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": utcnow().isoformat(), "id": f"urn:uuid:{uuid.uuid4()}",
        "epcisBody": {"eventList": events},
    }
