"""E-waybill payloads at the HTTP edge. Drafts may be incomplete: the service checks at submission."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from app.api._fields import decimal_in
from app.api._query import PagedQuery
from app.i18n import localize
from app.services.waybills.kept_warnings import warning_message
from app.services.waybills.documents import transport_line
from app.services.waybills.national import PLATE_COLOURS

_PACKAGING = validate.Length(min=1, max=40)


class LineIn(ma.Schema):
    batch_id = ma.fields.UUID(allow_none=True)
    quantity_kg = decimal_in(places=3, allow_none=True)
    packaging_kind = ma.fields.String(allow_none=True, validate=_PACKAGING,
                                      metadata={"description": "e.g. tank, IBC, drum"})
    packaging_count = ma.fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    entry_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "the ADR Table A entry (UN number + packing group/variant, GET /rules/entries) the line "
                       "travels under; needed when the chemical's UN number leaves a choice"})


PHONE = validate.Regexp(r"^\+?[0-9 -]{5,20}$")
_NAME = validate.Length(min=1, max=200)
_NUMBER = validate.Length(min=1, max=40)
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
    emergency_contact = ma.fields.String(allow_none=True, validate=PHONE)
    shared_trip = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "the carrier's reference of one trip carrying several waybills on one vehicle"})
    shipper_contact = ma.fields.String(allow_none=True, validate=PHONE)
    consignee_contact = ma.fields.String(allow_none=True, validate=PHONE)
    loader_name = ma.fields.String(allow_none=True, validate=_NAME, metadata={"description": "装货人"})
    loader_contact = ma.fields.String(allow_none=True, validate=PHONE)
    vehicle_plate_colour = ma.fields.String(allow_none=True, validate=validate.OneOf(PLATE_COLOURS))
    vehicle_transport_certificate = ma.fields.String(allow_none=True, validate=_NUMBER,
                                                     metadata={"description": "道路运输证号"})
    trailer_plate_colour = ma.fields.String(allow_none=True, validate=validate.OneOf(PLATE_COLOURS))
    trailer_transport_certificate = ma.fields.String(allow_none=True, validate=_NUMBER)
    tank_number = ma.fields.String(allow_none=True, validate=_NUMBER, metadata={"description": "罐体编号"})
    tank_capacity_m3 = ma.fields.Decimal(places=3, allow_none=True, as_string=True,
                                         validate=validate.Range(min=0, min_inclusive=False, max=1000))
    tank_inspection_valid_until = ma.fields.Date(allow_none=True)
    driver_phone = ma.fields.String(allow_none=True, validate=PHONE)
    escort_phone = ma.fields.String(allow_none=True, validate=PHONE)
    dispatcher = ma.fields.String(allow_none=True, validate=validate.Length(min=1, max=100),
                                  metadata={"description": "调度人"})
    dispatched_on = ma.fields.Date(allow_none=True, metadata={"description": "default: the day of issue"})
    waste_manifest_number = ma.fields.String(allow_none=True, validate=_NUMBER, metadata={
        "description": "危险废物转移联单号: required when the cargo is hazardous waste"})
    lines = ma.fields.List(ma.fields.Nested(LineIn), validate=validate.Length(max=50))


class WaybillIn(ContentIn):
    consignment_id = ma.fields.UUID(metadata={"description": (
        "the shipper's consignment list (托运清单) the carrier makes the waybill from: its parties, sites, contacts, "
        "loader, emergency phone, manifest and lines (the body may add to them)")})
    shipper_id = ma.fields.UUID(metadata={"description": "administrators only; an enterprise ships as itself"})
    consignee_id = ma.fields.UUID(metadata={"description": "required without a consignment list"})
    carrier_id = ma.fields.UUID(metadata={"description": "required without a consignment list"})
    corridor_id = ma.fields.UUID(allow_none=True)

    @ma.validates_schema
    def _parties(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "consignment_id" not in data:
            missing = {name: ["required without a consignment list"] for name in ("consignee_id", "carrier_id")
                       if name not in data}
            if missing:
                raise ma.ValidationError(missing)


class ActionIn(ma.Schema):
    """What every state-changing request may send: the row version it acts on (or ``If-Match``)."""

    row_version = ma.fields.Integer(metadata={"description": "as last read (or send the ETag as If-Match); "
                                                             "a stale one is a 409 and nothing changes"})


class WaybillPatch(ContentIn, ActionIn):
    pass


class EmptyIn(ActionIn):
    """No fields but the row version: the action says it all."""


class SubmitIn(ActionIn):
    pass


class ApproveIn(ActionIn):
    pass_number = ma.fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "the pass (通行证) number public security issued; required"})
    corridor_id = ma.fields.UUID(allow_none=True)
    reason = ma.fields.String(validate=validate.Length(max=500), allow_none=True)


class ReasonIn(ActionIn):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


class DepartIn(ActionIn):
    at = ma.fields.AwareDateTime(metadata={"description": "default: now"})


class ArriveIn(DepartIn):
    delivered = ma.fields.Dict(keys=ma.fields.Integer(validate=validate.Range(min=1)),
                               values=decimal_in(min_inclusive=True, places=3),
                               load_default=dict, metadata={"description": "line number -> kg; default: as loaded"})


class WaybillQuery(PagedQuery):
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
    entry_id = ma.fields.UUID()
    transport_document = ma.fields.Function(lambda line: line.document_line or (transport_line(
        line.un_number, line.proper_shipping_name, line.hazard_class, line.packing_group, line.tunnel_code)
        if line.un_number else None), metadata={"description": "ADR 5.4.1.1.1 line, as submitted"})


class WarningOut(ma.Schema):
    """A warning kept from the submission (app/services/waybills/kept_warnings.py)."""

    field = ma.fields.String()
    message = ma.fields.Function(lambda warning: localize(warning_message(warning)), metadata={
        "description": "in the language of Accept-Language (English by default); a warning kept before its "
                       "template was stored, as it was written"})
    template = ma.fields.String(allow_none=True, metadata={
        "description": "the message's English template (a catalogue message), null for an old warning"})
    values = ma.fields.Dict(metadata={"description": "the values filled into the template"})


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
    shared_trip = ma.fields.String()
    shipper_contact = ma.fields.String()
    consignee_contact = ma.fields.String()
    loader_name = ma.fields.String()
    loader_contact = ma.fields.String()
    vehicle_plate_colour = ma.fields.String()
    vehicle_transport_certificate = ma.fields.String()
    trailer_plate_colour = ma.fields.String()
    trailer_transport_certificate = ma.fields.String()
    tank_number = ma.fields.String()
    tank_capacity_m3 = ma.fields.Decimal(as_string=True)
    tank_inspection_valid_until = ma.fields.Date()
    driver_phone = ma.fields.String()
    escort_phone = ma.fields.String()
    dispatcher = ma.fields.String()
    dispatched_on = ma.fields.Date()
    waste_manifest_number = ma.fields.String()
    carrier_permit_number = ma.fields.String(metadata={"description": "the carrier's permit number at issue"})
    warnings = ma.fields.List(ma.fields.Nested(WarningOut))
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
    consignment_id = ma.fields.UUID()
    pass_number = ma.fields.String()
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
