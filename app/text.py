"""The markers of catalogue messages, free of Flask: :mod:`app.i18n` shows them in the reader's language.

They live apart from :mod:`app.i18n` so that the models' pure validators (``models/identifiers.py``) can give
their reasons as catalogue messages without importing the web stack (a command like ``route check`` never does).
"""
from __future__ import annotations

from typing import Any


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark for extraction, translate later"
    """*text* unchanged: marks a message that is translated where it is shown."""
    return text


class Text(str):
    """A message with values: the English, formatted, as a ``str``; its template and values for other readers.

    ``Text("No waybill {id}.", id=waybill_id)`` equals ``"No waybill 1f3c….".`` and :func:`localize` shows it
    in the reader's language. The template is a catalogue message id (``{name}`` placeholders, format specs
    allowed: ``{kg:.0f}``).
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Text:  # a value may be named cls or template
        made = super().__new__(cls, template.format(**values) if values else template)
        made.template, made.values = template, values
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # pickled (copies, worker queues) with its template and values
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict[str, Any]) -> Text:
    return Text(template, **values)
