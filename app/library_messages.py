"""Messages other code writes that users read: marshmallow's and webargs' field errors, the models' validators.

They are not written through :func:`app.i18n.localize` where they are made, so extraction would not find them;
listed here, they are in the catalogues and a page or a problem document shows them translated. (marshmallow's
messages with values, "Longer than maximum length 200.", stay English.)
"""
from __future__ import annotations

from app.i18n import N_

MESSAGES = (
    # marshmallow's fields and validators (their default_error_messages)
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Not a valid UUID."), N_("Not a valid number."), N_("Not a valid integer."), N_("Not a valid datetime."),
    N_("Not a valid date."), N_("Not a valid string."), N_("Not a valid boolean."), N_("Not a valid list."),
    N_("Not a valid mapping type."), N_("Not a valid email address."), N_("Invalid type."), N_("Unknown field."),
    N_("Special numeric values (nan or infinity) are not permitted."), N_("Number too large."),
    N_("String does not match expected pattern."), N_("Must be greater than 0."),
    N_("Must be greater than or equal to 0."), N_("Not a valid aware datetime."),
    # models/identifiers.py: plate_problem
    N_("must start with a province abbreviation (京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新)"),
    N_("must be like 苏B12345, a new-energy plate like 苏BD12345 or 苏B12345D, or a trailer like 苏B1234挂"),
)
