"""The pages' two languages: Chinese by default, English as a setting kept in a cookie.

Templates and views write English source text, ``t("Waybills")``, translated by the gettext catalogues under
``app/translations`` (:mod:`app.i18n`). Enumerations (statuses, kinds, roles) are shown with :func:`label`.
Text without a translation is shown in English rather than not at all (a test keeps the catalogue complete).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from markupsafe import Markup

from app.i18n import COOKIE, LOCALES, label, language, localize, localize_html

LANGUAGES = tuple(LOCALES)
__all__ = ["COOKIE", "LANGUAGES", "Data", "current_language", "label", "local_time", "translate", "translate_html"]


class Data(str):
    """A value shown as it is in every language (a name, a code, a plate). A form's option whose text is data is
    marked ``translate="no"``; any other option is a word of the page (a status, a kind) and read as such by the
    language test."""


def current_language() -> str:
    """The language of the page being made: ``zh`` or ``en``."""
    return language()


def translate(text: str, **values: Any) -> str:
    """*text* in the current language, with ``{name}`` placeholders filled from *values*."""
    return localize(text, **values)


def translate_html(text: str, **values: Any) -> Markup | str:
    """:func:`translate` for templates (their ``t``): the values filled in are marked as data."""
    return localize_html(text, **values)


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
