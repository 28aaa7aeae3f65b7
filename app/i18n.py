"""Two languages from gettext catalogues (Flask-Babel): Chinese (``zh_CN``) by default on the pages, English
source text everywhere else.

The source text is English. Code and templates write it through :func:`localize` (the pages' ``t("...")``);
``app/translations/<locale>/LC_MESSAGES/messages.po`` holds its translations (``make translations`` extracts,
updates and compiles them; docs/translations.md). A message with values is a :class:`Text`: its English is
formatted at once (logs, the CLI and code that reads it as a string see plain English), and it keeps its template
and values so each reader gets it in their own language. Text without a translation is shown in English rather
than not at all.

The language of a response: the pages follow the visitor's choice (a cookie, else ``WEB_DEFAULT_LANGUAGE``);
the API follows ``Accept-Language`` and answers in English, its documented language, to a client that asks for
none.
"""
from __future__ import annotations

import logging
import os
import string
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from app.labels import LABELS
from app.text import N_, Text  # noqa: F401 - the messages' markers, used from here by the app

if TYPE_CHECKING:
    from flask import Flask

# Flask, Flask-Babel and Babel's catalogue tools are imported where text is translated or catalogues are compiled,
# not with this module: the services import N_ and Text from it, and a command that only reads the database
# starts without Flask (issue 18). Outside an app, text is English and no catalogue is read.

log = logging.getLogger(__name__)

#: The pages' language codes (the cookie's values) and their catalogue locales.
LOCALES = {"zh": "zh_CN", "en": "en"}
COOKIE = "hazledger_lang"
API_PREFIX = "/api/"
#: The API's language for a client that sends no ``Accept-Language``: the language of its documented details.
API_DEFAULT = "en"
CATALOGUES = Path(__file__).parent / "translations"


class _MarkedValues(string.Formatter):
    """Fills a page's sentence with its values each marked as data (``translate="no"``): a name or a number in a
    sentence is not a word of the page's language (the language test reads around them)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markup):  # a message within the message (localize_html made it): words, not data
            return value
        return Markup('<span translate="no">{}</span>').format(format(value, format_spec))


def localize_html(text: str, **values: Any) -> Markup | str:
    """:func:`localize` for a page: the sentence escaped, its values marked as data (plain text without values)."""
    from flask_babel import gettext

    if isinstance(text, Text):
        text, values = text.template, {**text.values, **values}
    if not values:
        return localize(text)
    values = {name: Markup.escape(localize_html(value)) if isinstance(value, Text) else value
              for name, value in values.items()}
    try:
        return Markup(_MarkedValues().vformat(str(Markup.escape(gettext(text))), (), values))
    except (KeyError, IndexError, ValueError):
        return localize(text, **values)


def localize(text: str, **values: Any) -> str:
    """*text* in the current reader's language, ``{name}`` placeholders filled from *values* (a :class:`Text`
    brings its own). Outside a request (the CLI, workers) the English."""
    from flask_babel import gettext

    english = text
    if isinstance(text, Text):
        text, values = text.template, {**text.values, **values}
    values = {name: localize(value) if isinstance(value, Text) else value for name, value in values.items()}
    shown = gettext(text) if text else text
    try:
        return shown.format(**values) if values else shown
    except (KeyError, IndexError, ValueError):  # a translation naming a value the message lacks: the English
        log.warning("the translation of %r does not fit its values", text)
        return english if isinstance(english, Text) else text.format(**values)


def localized(document: Any) -> Any:
    """*document* (dicts and lists, as a service returns it for the API) with each :class:`Text` in it in the
    reader's language."""
    if isinstance(document, Text):
        return localize(document)
    if isinstance(document, dict):
        return {key: localized(value) for key, value in document.items()}
    if isinstance(document, list):
        return [localized(value) for value in document]
    return document


def label(group: str, value: Any) -> str:
    """The name of an enumeration member, e.g. ``label("status", "in_transit")`` → 运输中 / In transit."""
    from flask_babel import pgettext

    key = getattr(value, "value", value)
    name = LABELS.get(group, {}).get(str(key))
    return str(key) if name is None else pgettext(group, name)


def language() -> str:
    """The current response's language code, ``zh`` or ``en`` (``en`` outside a request)."""
    from flask import has_request_context
    from flask_babel import get_locale

    locale = get_locale() if has_request_context() else None
    return "zh" if locale is not None and locale.language == "zh" else "en"


def _select_locale() -> str:
    """The API by ``Accept-Language`` (default English); the pages by the cookie, else the configured default."""
    from flask import current_app, request

    if request.path.startswith(API_PREFIX):
        best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default=API_DEFAULT)
        return LOCALES["zh" if best.startswith("zh") else "en"]
    chosen = request.cookies.get(COOKIE)
    return LOCALES.get(chosen or "", LOCALES[current_app.config["WEB_DEFAULT_LANGUAGE"]])


def compile_catalogues(directory: Path = CATALOGUES) -> list[Path]:
    """Compile each ``.po`` under *directory* whose ``.mo`` is missing or older; the ``.mo`` files compiled.

    ``make install`` and ``make translations`` compile with ``pybabel``; this lets a checkout whose catalogues
    changed since (a pull, a merge) serve them without a step to remember. Each file is written whole and then
    renamed, so parallel workers never read half a catalogue.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)
        compiled.append(mo)
    return compiled


def init_app(app: Flask) -> None:
    from flask_babel import Babel

    try:
        for mo in compile_catalogues():
            log.info("compiled the catalogue %s", mo)
    except OSError as error:  # a read-only install: `make install` compiled them already
        log.warning("could not compile the catalogues: %s", error)
    Babel(app, locale_selector=_select_locale, default_translation_directories=str(CATALOGUES),
          default_locale="en")
