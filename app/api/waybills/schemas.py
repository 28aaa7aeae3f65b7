"""E-waybill payloads at the HTTP edge. Drafts may be incomplete: the service checks at submission."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import decimal_in
from app.services.waybills.documents import transport_line

_PACKAGING = validate.Length(min=1, max=40)


class LineIn(ma.Schema):
    batch_id = ma.fields.UUID(allow_none=True)
    quantity_kg = decimal_in(places=3, allow_none=True)
    packaging_kind = ma.fields.String(allow_none=True, validate=_PACKAGING,
                                      metadata={"description": "e.g. tank, IBC, drum"})
    packaging_count = ma.fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))


_NAMED_BY = "instead of {}: looked up among the carrier's active records (an enterprise cannot list them)"


class ContentIn(ma.Schema):
    vehicle_id = ma.fields.UUID(allow_none=True)
    trailer_id = ma.fields.UUID(allow_none=True)
    driver_id = ma.fields.UUID(allow_none=True)
    escort_id = ma.fields.UUID(allow_none=True)
    vehicle_plate = ma.fields.String(validate=validate.Length(min=1, max=20),
                                     metadata={"description": _NAMED_BY.format("vehicle_id")})
    trailer_plate = ma.fields.String(validate=validate.Length(min=1, max=20),
                                     metadata={"description": _NAMED_BY.format("trailer_id")})
    driver_certificate = ma.fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": _NAMED_BY.format("driver_id") + "; the qualification certificate (从业资格证) number"})
    escort_certificate = ma.fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": _NAMED_BY.format("escort_id") + "; the qualification certificate (从业资格证) number"})
    loading_site_id = ma.fields.UUID(allow_none=True)
    unloading_site_id = ma.fields.UUID(allow_none=True)
    departure_earliest = ma.fields.AwareDateTime(allow_none=True)
    departure_latest = ma.fields.AwareDateTime(allow_none=True)
    emergency_contact = ma.fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    lines = ma.fields.List(ma.fields.Nested(LineIn), validate=validate.Length(max=50))


class WaybillIn(ContentIn):
    shipper_id = ma.fields.UUID(metadata={"description": "administrators only; an enterprise ships as itself"})
    consignee_id = ma.fields.UUID(required=True)
    carrier_id = ma.fields.UUID(required=True)
    corridor_id = ma.fields.UUID(allow_none=True)


class WaybillPatch(ContentIn):
    row_version = ma.fields.Integer(required=True, metadata={"description": "as last read; a stale one is a 409"})


class EmptyIn(ma.Schema):
    """No fields: the action says it all."""


class SubmitIn(ma.Schema):
    row_version = ma.fields.Integer(required=True)


class ApproveIn(ma.Schema):
    corridor_id = ma.fields.UUID(allow_none=True)
    reason = ma.fields.String(validate=validate.Length(max=500), allow_none=True)


class ReasonIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class DepartIn(ma.Schema):
    at = ma.fields.AwareDateTime(metadata={"description": "default: now"})


class ArriveIn(DepartIn):
    delivered = ma.fields.Dict(keys=ma.fields.Integer(validate=validate.Range(min=1)),
                               values=decimal_in(min_inclusive=True, places=3),
                               load_default=dict, metadata={"description": "line number -> kg; default: as loaded"})


class WaybillQuery(ma.Schema):
    status = ma.fields.String()
    number = ma.fields.String(validate=validate.Length(max=20))
    party = ma.fields.UUID(metadata={"description": "shipper, consignee or carrier"})


class _Out(ma.Schema):
    """An output schema of the waybill's objects, read attribute by attribute.

    Marshmallow's default accessor also reads dict keys and dotted paths, which none of these fields uses, at a
    few more calls per field: a waybill's response has some fifty fields, on the submission path (issue 5).
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return getattr(obj, attr, default)


class LineOut(_Out):
    line_no = ma.fields.Integer()
    batch_id = ma.fields.UUID()
    un_number = ma.fields.String()
    proper_shipping_name = ma.fields.String()
    hazard_class = ma.fields.String()
    packing_group = ma.fields.String()
    tunnel_code = ma.fields.String()
    quantity_kg = ma.fields.Decimal(as_string=True)
    delivered_kg = ma.fields.Decimal(as_string=True)
    packaging_kind = ma.fields.String()
    packaging_count = ma.fields.Integer()
    transport_document = ma.fields.Function(
        lambda line: transport_line(line.un_number, line.proper_shipping_name, line.hazard_class,
                                    line.packing_group, line.tunnel_code) if line.un_number else None)


class VersionOut(_Out):
    version = ma.fields.Integer()
    vehicle_id = ma.fields.UUID()
    trailer_id = ma.fields.UUID()
    driver_id = ma.fields.UUID()
    escort_id = ma.fields.UUID()
    loading_site_id = ma.fields.UUID()
    unloading_site_id = ma.fields.UUID()
    departure_earliest = ma.fields.AwareDateTime()
    departure_latest = ma.fields.AwareDateTime()
    emergency_contact = ma.fields.String()
    warnings = ma.fields.List(ma.fields.Dict())
    lines = ma.fields.List(ma.fields.Nested(LineOut))


class EventOut(_Out):
    from_status = ma.fields.String()
    to_status = ma.fields.String()
    version = ma.fields.Integer()
    actor_id = ma.fields.UUID()
    reason = ma.fields.String()
    at = ma.fields.AwareDateTime()


class WaybillSummaryOut(_Out):
    id = ma.fields.UUID()
    number = ma.fields.String()
    status = ma.fields.String()
    version = ma.fields.Integer()
    row_version = ma.fields.Integer()
    shipper_id = ma.fields.UUID()
    consignee_id = ma.fields.UUID()
    carrier_id = ma.fields.UUID()
    corridor_id = ma.fields.UUID()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    departed_at = ma.fields.AwareDateTime()
    delivered_at = ma.fields.AwareDateTime()


class WaybillOut(WaybillSummaryOut):
    #: Declared for the OpenAPI document; dumped by :meth:`_current` as its entry in ``versions``.
    current = ma.fields.Nested(VersionOut)
    versions = ma.fields.List(ma.fields.Nested(VersionOut))
    events = ma.fields.List(ma.fields.Nested(EventOut))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The current version is one of the versions: dumped once, not once more for ``current`` (the response
        # is a good part of a submission's CPU, issue 5).
        self._current_from_versions = "versions" in self.dump_fields and "current" in self.dump_fields
        if self._current_from_versions:
            del self.dump_fields["current"]

    @ma.post_dump
    def _current(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """``current``: the dumped version whose number is the waybill's (as :attr:`~models.Waybill.current`)."""
        if self._current_from_versions:
            data["current"] = next(v for v in data["versions"] if v["version"] == data["version"])
        return data
