"""Ledger integrity payloads at the HTTP edge."""
from __future__ import annotations

from typing import Any

import marshmallow as ma

from app.i18n import localize


class VerificationOut(ma.Schema):
    ok = ma.fields.Boolean()
    entries_checked = ma.fields.Integer()
    head_sequence = ma.fields.Integer()
    head_hash = ma.fields.String()
    first_bad = ma.fields.Dict(allow_none=True, metadata={"description": "sequence, id and reason; null if ok"})
    checkpoints_checked = ma.fields.Integer()
    bad_checkpoint = ma.fields.Dict(allow_none=True, metadata={
        "description": "range, id, reason and (when known) first_differing_sequence; null if ok"})
    not_checkpointed = ma.fields.Dict(allow_none=True, metadata={
        "description": "first_sequence, last_sequence, count of the entries after the last checkpoint"})

    @ma.post_dump
    def _reasons_read(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Each ``reason`` in the language of ``Accept-Language`` (English by default)."""
        for name in ("first_bad", "bad_checkpoint"):
            if data.get(name) and data[name].get("reason"):
                data[name] = {**data[name], "reason": localize(data[name]["reason"])}
        return data


class CheckpointOut(ma.Schema):
    id = ma.fields.UUID()
    first_sequence = ma.fields.Integer()
    last_sequence = ma.fields.Integer()
    merkle_root = ma.fields.String()
    key_id = ma.fields.String()
    public_key = ma.fields.String()
    signature = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class KeptCheckpointOut(ma.Schema):
    first_sequence = ma.fields.Integer()
    last_sequence = ma.fields.Integer()
    merkle_root = ma.fields.String()
    created_at = ma.fields.String()
    key_id = ma.fields.String()
    signature = ma.fields.String()


class HeadOut(ma.Schema):
    """A signed head to keep: ``signature`` (ed25519, hex) over the UTF-8 bytes of ``signed_message``."""

    sequence = ma.fields.Integer()
    hash = ma.fields.String()
    signed_at = ma.fields.String()
    key_id = ma.fields.String()
    checkpoint = ma.fields.Nested(KeptCheckpointOut, allow_none=True)
    signed_message = ma.fields.String()
    signature = ma.fields.String()
