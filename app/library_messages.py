"""Messages other code writes that users read: marshmallow's and webargs' field errors.

They are not written through :func:`app.i18n.localize` where they are made, so extraction would not find them;
listed here, they are in the catalogues and a page or a problem document shows them translated. marshmallow's
messages with values ("Longer than maximum length 200.") arrive formatted: :func:`with_values` finds their
template again, so they are translated too.
"""
from __future__ import annotations

import re

from app.i18n import N_, Text

MESSAGES = (
    # marshmallow's fields and validators (their default_error_messages)
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid UUID."), N_("Not a valid number."), N_("Not a valid integer."), N_("Not a valid datetime."),
    N_("Not a valid date."), N_("Not a valid string."), N_("Not a valid boolean."), N_("Not a valid list."),
    N_("Not a valid mapping type."), N_("Not a valid email address."), N_("Invalid type."), N_("Unknown field."),
    N_("Special numeric values (nan or infinity) are not permitted."), N_("Number too large."),
    N_("String does not match expected pattern."), N_("Must be greater than 0."),
    N_("Must be greater than or equal to 0."), N_("Not a valid aware datetime."),
)

#: marshmallow's validators' messages with values (marshmallow.validate.Length and Range), as they format them.
TEMPLATES = (
    N_("Length must be between {min} and {max}."), N_("Length must be {equal}."),
    N_("Longer than maximum length {max}."), N_("Shorter than minimum length {min}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."), N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."), N_("Must be greater than or equal to {min}."), N_("Must be greater than {min}."),
)
_PATTERNS = [(re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(template)) + "$"), template)
             for template in TEMPLATES]


def with_values(message: str) -> str:
    """*message* as a :class:`Text` of its template when it is one of marshmallow's messages with values (so it
    can be shown in the reader's language), else unchanged."""
    if isinstance(message, Text) or not isinstance(message, str):
        return message
    for pattern, template in _PATTERNS:
        if found := pattern.match(message):
            return Text(template, **found.groupdict())
    return message
