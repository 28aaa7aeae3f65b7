"""A submission's writes: what the response shows is what was stored, and a concurrent change is a 409."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from app.errors import Conflict
from app.services.waybills.service import get_waybill
from app.services.waybills.submission import checked, record_submission
from models import User
from models.waybills import Waybill, WaybillStatus

API = "/api/v1/waybills"


def test_the_submit_response_is_what_a_fresh_read_returns(client, trip):
    body = trip.draft(lines=[*trip.draft()["lines"] * 2])
    body["lines"][1]["quantity_kg"] = "2000"
    draft = client.post(API, json=body, headers=trip.headers["shipper"]).get_json()
    submitted = client.post(f"{API}/{draft['id']}/submit", json={"row_version": draft["row_version"]},
                            headers=trip.headers["shipper"])
    assert submitted.status_code == 200, submitted.get_json()
    stored = client.get(f"{API}/{draft['id']}", headers=trip.headers["shipper"]).get_json()
    assert submitted.get_json() == stored
    assert stored["status"] == "issued" and stored["row_version"] == draft["row_version"] + 1
    assert [(e["from_status"], e["to_status"]) for e in stored["events"]] == [(None, "draft"), ("draft", "issued")]
    assert [line["un_number"] for line in stored["current"]["lines"]] == ["1230", "1230"]


def test_a_change_between_reading_and_writing_is_a_409(client, session, trip):
    draft = client.post(API, json=trip.draft(), headers=trip.headers["shipper"]).get_json()
    shipper = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    waybill = get_waybill(session, shipper, uuid.UUID(draft["id"]))
    lines, warnings, _facts = checked(session, waybill, waybill.current)
    session.execute(update(Waybill).where(Waybill.id == waybill.id)
                    .values(row_version=Waybill.row_version + 1).execution_options(synchronize_session=False))
    with pytest.raises(Conflict, match="changed while it was being submitted"):
        record_submission(session, waybill, shipper, lines, warnings, WaybillStatus.ISSUED, {})
