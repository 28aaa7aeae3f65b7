"""The warnings a waybill version keeps from its submission, as catalogue messages with their values.

A warning is stored as ``{"field", "message", "template", "values"}``: ``message`` is its English (the CLI, and
readers of the JSON that know only that key), ``template`` and ``values`` let each reader see it in their own
language. A warning kept before they were stored (migration 0044 gave every warning it could read its template)
has only its ``message``, shown as it was written.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.text import Text


def kept(field: str, message: str) -> dict[str, Any]:
    """The stored form of the warning *message* about *field*."""
    record: dict[str, Any] = {"field": field, "message": str(message)}
    if isinstance(message, Text):
        record |= {"template": message.template, "values": message.values}
    return record


def warning_message(warning: Mapping[str, Any]) -> str:
    """A stored warning as a message to show: a :class:`Text` when its template is known, else its literal
    English (a warning kept before templates were stored)."""
    template = warning.get("template")
    if not template:
        return str(warning.get("message") or "")
    try:
        return Text(template, **(warning.get("values") or {}))
    except (KeyError, IndexError, ValueError):  # values that do not fit the template: the English as stored
        return str(warning.get("message") or template)
