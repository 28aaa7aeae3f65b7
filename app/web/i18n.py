"""The pages' two languages: Chinese by default, English as a setting kept in a cookie.

Templates and views write English source text, ``t("Waybills")``; :mod:`app.web.messages` holds the Chinese.
Enumerations (statuses, kinds, roles) are shown with :func:`label`. Text without a translation is shown in
English rather than not at all (a test keeps the catalogue complete).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request

from app.web.messages import LABELS, ZH

LANGUAGES = ("zh", "en")
COOKIE = "hazledger_lang"


def current_language() -> str:
    """The visitor's chosen language, else the configured default."""
    chosen = request.cookies.get(COOKIE) if has_request_context() else None
    return chosen if chosen in LANGUAGES else current_app.config["WEB_DEFAULT_LANGUAGE"]


def translate(text: str, **values: Any) -> str:
    """*text* in the current language, with ``{name}`` placeholders filled from *values*."""
    shown = ZH.get(text, text) if current_language() == "zh" else text
    return shown.format(**values) if values else shown


def label(group: str, value: Any) -> str:
    """The name of an enumeration member, e.g. ``label("status", "in_transit")`` → 运输中 / In transit."""
    key = getattr(value, "value", value)
    names = LABELS.get(group, {}).get(str(key))
    if names is None:
        return str(key)
    return names[0] if current_language() == "zh" else names[1]


#: How a person reads a time: always with its date and year (a bare "01-01 16:13" or "14:37" is ambiguous the
#: day after, and in an audit months later); to the minute, or to the second where seconds matter.
TIME_FORMATS = {"minutes": "%Y-%m-%d %H:%M", "seconds": "%Y-%m-%d %H:%M:%S"}


def local_time(value: Any, precision: str = "minutes") -> str:
    """A timestamp in the city's zone (the database keeps UTC) with its date; empty for None.

    *precision* is ``minutes`` or ``seconds`` (:data:`TIME_FORMATS`); there is no format without the date.
    """
    fmt = TIME_FORMATS[precision]
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        zone = ZoneInfo(current_app.config["WEB_TIMEZONE"])
        value = value.replace(tzinfo=value.tzinfo or dt.timezone.utc).astimezone(zone)
    return value.strftime(fmt)
