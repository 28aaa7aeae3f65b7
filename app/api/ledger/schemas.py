"""Ledger integrity payloads at the HTTP edge."""
from __future__ import annotations

import marshmallow as ma


class VerificationOut(ma.Schema):
    ok = ma.fields.Boolean()
    entries_checked = ma.fields.Integer()
    head_sequence = ma.fields.Integer()
    head_hash = ma.fields.String()
    first_bad = ma.fields.Dict(allow_none=True, metadata={"description": "sequence, id and reason; null if ok"})
    checkpoints_checked = ma.fields.Integer()
    bad_checkpoint = ma.fields.Dict(allow_none=True, metadata={"description": "range, id and reason; null if ok"})


class CheckpointOut(ma.Schema):
    id = ma.fields.UUID()
    first_sequence = ma.fields.Integer()
    last_sequence = ma.fields.Integer()
    merkle_root = ma.fields.String()
    key_id = ma.fields.String()
    public_key = ma.fields.String()
    signature = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
