"""User payloads at the HTTP edge."""
import marshmallow as ma


class UserOut(ma.Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    role = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    enterprise_id = ma.fields.UUID(allow_none=True)
