"""Reading HTML forms through the API's own schemas, so a page reports exactly the API's field errors.

Field names in the forms are the API's field paths (``lines.0.quantity_kg``); errors come back keyed the
same way, from the schema (marshmallow) or from the service (a :class:`~app.errors.DomainError` ``errors``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app

from app.errors import DomainError, NotFound, PermissionDenied, flatten_messages
from app.extensions import db

Errors = dict[str, list[str]]
T = TypeVar("T")


def text(form: Mapping[str, str], name: str) -> str | None:
    """The stripped value of *name*, ``None`` when empty (the API's "not given")."""
    value = (form.get(name) or "").strip()
    return value or None


def rows(form: Mapping[str, str], fields: tuple[str, ...]) -> list[dict[str, str | None]]:
    """The form's ``lines.N.<field>`` rows in order, each as ``{field: text}``; empty rows are left out."""
    numbers = sorted({int(key.split(".")[1]) for key in form
                      if key.startswith("lines.") and key.split(".")[1].isdigit()})
    lines = [{name: text(form, f"lines.{n}.{name}") for name in fields} for n in numbers]
    return [line for line in lines if any(v is not None for v in line.values())]


def aware(value: str | None) -> str | None:
    """A ``datetime-local`` value (``2026-11-30T08:00``, the city's wall time) as ISO 8601 with its offset.

    Anything else is passed on unchanged for the schema to judge.
    """
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["WEB_TIMEZONE"]))
    return moment.isoformat()


def wall_time(value: dt.datetime | None) -> str:
    """A stored timestamp as a ``datetime-local`` value in the city's zone."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["WEB_TIMEZONE"])
    return value.replace(tzinfo=value.tzinfo or dt.timezone.utc).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def load(schema: ma.Schema, values: dict[str, Any]) -> tuple[dict[str, Any] | None, Errors]:
    """*values* loaded by *schema* (the API's), or the field errors it found."""
    try:
        return schema.load(values), {}
    except ma.ValidationError as error:
        return None, flatten_messages(error.messages)


def service_errors(error: DomainError) -> Errors:
    """The field errors a service raised, or its detail as a form-wide error."""
    return dict(error.errors) if error.errors else {"_schema": [error.detail]}


def acted(schema: ma.Schema, values: dict[str, Any], run: Callable[[dict[str, Any]], T]) -> tuple[T | None, Errors]:
    """*values* loaded by *schema* (the API's) and *run* on them (the API's service call): its result, or the
    field errors of the schema or the service (the session rolled back). A refusal of who may act (403, 404) is
    not a field's error: it propagates to the error page."""
    data, errors = load(schema, values)
    if data is None:
        return None, errors
    try:
        return run(data), {}
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        db.session.rollback()
        return None, service_errors(error)
