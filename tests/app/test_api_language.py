"""The API's problem documents in Chinese (issue 19): a client that asks for ``Accept-Language: zh`` gets every
``detail`` and field message from the catalogue, with no English sentence left in them (the rule of the pages,
``tests/web/language.py``), across the error paths of each part of the API."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from models.types import utcnow
from tests.app.waste.conftest import license_disposer
from tests.app.waybills.conftest import Trip, build_trip
from tests.web.language import ENGLISH_SENTENCE

NOBODY = uuid.UUID(int=7)
LATER = (utcnow() - dt.timedelta(minutes=5)).isoformat()


@pytest.fixture
def world(session) -> Trip:
    trip = build_trip(session)
    license_disposer(session, trip)
    session.commit()
    return trip


def _movement(trip: Trip, **fields: Any) -> dict[str, Any]:
    return {"kind": "consume", "batch": "MEOH-001", "site_id": str(trip.loading.id), "quantity": "10",
            "occurred_at": LATER, **fields}


#: (name, who, method, path, body): each an error of a different rule; {loading}, {chemical}… from the trip.
CALLS: list[tuple[str, str, str, str, Any]] = [
    ("waybill unknown", "shipper", "get", f"waybills/{NOBODY}", None),
    ("waybill action on an unknown waybill", "carrier", "post", f"waybills/{NOBODY}/depart", {}),
    ("waybill filter status", "supervisor", "get", "waybills?status=gone", None),
    ("pass on an unknown waybill", "supervisor", "post", f"waybills/{NOBODY}/approve", {"reason": "ok"}),
    ("movement unit", "shipper", "post", "movements", "unit"),
    ("movement batch code taken", "shipper", "post", "movements", "taken"),
    ("movement balance", "shipper", "post", "movements", "balance"),
    ("movement unknown batch", "shipper", "post", "movements", "unknown_batch"),
    ("movement volume without density", "shipper", "post", "movements", "volume"),
    ("movement batch empty", "shipper", "post", "movements/batch", {"items": []}),
    ("batch unknown", "shipper", "get", "batches/NO-SUCH-BATCH", None),
    ("transfer unknown", "shipper", "get", f"transfers/{NOBODY}", None),
    ("transfer decision on an unknown transfer", "consignee", "post", f"transfers/{NOBODY}/accept", {}),
    ("waste manifest unknown", "shipper", "get", f"waste-manifests/{NOBODY}", None),
    ("waste manifest unknown batch", "shipper", "post", "waste-manifests", "manifest"),
    ("permit check unknown enterprise", "supervisor", "get", "permits/check", "permit"),
    ("role refused", "auditor", "post", "enterprises", {"name": "x"}),
    ("corridor unknown", "supervisor", "get", f"corridors/{NOBODY}", None),
    ("incident unknown", "supervisor", "get", f"incidents/{NOBODY}", None),
    ("terminal unknown", "supervisor", "get", "terminals/NO-SUCH-TERMINAL", None),
    ("rules unknown UN number", "shipper", "get", "rules/line?un=9999", None),
    ("ledger proof of an unknown entry", "auditor", "get", f"ledger/proofs/{NOBODY}", None),
    ("enterprise bad unified social credit code", "admin", "post", "enterprises",
     {"name": "某公司", "uscc": "9132020OMA1XIXXXX0"}),
    ("enterprise short unified social credit code", "admin", "post", "enterprises", {"name": "某公司", "uscc": "913"}),
    ("person bad identity number", "carrier", "post", "personnel",
     {"name": "张三", "national_id": "32020019991301123X"}),
    ("person malformed identity number", "carrier", "post", "personnel", {"name": "张三", "national_id": "32"}),
    ("vehicle bad plate and terminal", "carrier", "post", "vehicles", {"plate": "XB12345", "gps_terminal_id": "12ab"}),
    ("vehicle plate of no pattern", "carrier", "post", "vehicles", {"plate": "苏B1"}),
    ("permit bad waste scope", "admin", "post", "permits",
     {"waste_categories": ["HW99", "HW05"], "waste_codes": ["900-041", "900-041-99", "900-041-49"]}),
    ("hazard compute bad UN number and category", "supervisor", "post", "hazard/compute",
     {"units": [{"name": "罐区", "chemicals": [{"un_number": "12", "quantity_t": "1"},
                                             {"category": "W99", "quantity_t": "1"}]}]}),
]


def _body(trip: Trip, body: Any) -> Any:
    bodies = {
        "unit": _movement(trip, unit="furlong"),
        "taken": _movement(trip, kind="produce", code="MEOH-001", chemical_id=str(trip.chemical.id)),
        "balance": _movement(trip, quantity="999999"),
        "unknown_batch": _movement(trip, batch="NO-SUCH-BATCH"),
        "volume": _movement(trip, unit="L"),
        "manifest": {"carrier_id": str(trip.carrier.id), "disposer_id": str(trip.consignee.id),
                     "disposer_site_id": str(trip.unloading.id), "disposal_method": "R2",
                     "lines": [{"batch": "NO-SUCH-BATCH", "quantity_kg": "800"}]},
    }
    return bodies.get(body, body) if isinstance(body, str) else body


def _path(trip: Trip, path: str, body: Any) -> str:
    if body == "permit":
        return (f"{path}?enterprise_id={NOBODY}&activity=store&chemical_id={trip.chemical.id}"
                f"&on={dt.date.today()}")
    return path


@pytest.mark.parametrize("name, who, method, path, body", CALLS, ids=[call[0] for call in CALLS])
def test_an_error_speaks_chinese_to_a_chinese_client(client, world: Trip, name: str, who: str, method: str, path: str,
                                                     body: Any) -> None:
    headers = {**world.headers[who], "Accept-Language": "zh-CN"}
    sent = _body(world, body)
    kwargs = {"json": sent} if method == "post" else {}
    response = getattr(client, method)(f"/api/v1/{_path(world, path, body)}", headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, (name, response.status_code, response.get_data(as_text=True))
    problem = response.get_json()
    assert _english(problem) == [], (name, problem)
    english = getattr(client, method)(f"/api/v1/{_path(world, path, body)}", headers=world.headers[who], **kwargs)
    assert english.get_json()["code"] == problem["code"]  # the machine code is the same in every language


def test_the_calls_cover_every_part_of_the_api() -> None:
    parts = {path.split("/")[0].split("?")[0] for _name, _who, _method, path, _body in CALLS}
    assert {"waybills", "movements", "batches", "transfers", "waste-manifests", "permits", "enterprises",
            "corridors"} <= parts
    assert len(CALLS) >= 15


def _english(problem: dict[str, Any]) -> list[str]:
    texts = [problem["detail"], *(m for messages in (problem.get("errors") or {}).values() for m in messages)]
    return [bit for text in texts for bit in ENGLISH_SENTENCE.findall(text)]


def test_a_waybills_submission_problems_speak_chinese(client, session, world: Trip) -> None:
    """The checks of a submission (rated load, stock at the loading site, crew, vehicle) name their figures in
    the reader's language."""
    world.tanker.rated_load_kg = 5000
    world.tanker.active = False
    session.commit()
    body = world.draft(escort_id=str(world.driver.id))
    body["lines"][0]["quantity_kg"] = "30000"
    created = client.post("/api/v1/waybills", json=body, headers=world.headers["shipper"]).get_json()
    reply = client.post(f"/api/v1/waybills/{created['id']}/submit", json={"row_version": created["row_version"]},
                        headers={**world.headers["shipper"], "Accept-Language": "zh"})
    problem = reply.get_json()
    assert reply.status_code == 422 and {"lines", "lines.0.quantity_kg", "escort_id"} <= set(problem["errors"])
    assert _english(problem) == [], problem
    assert "25000.000" in " ".join(problem["errors"]["lines.0.quantity_kg"])


def test_marshmallows_messages_with_values_are_found_again_by_their_template() -> None:
    from app.library_messages import with_values

    assert with_values("Must be greater than or equal to 0.").values == {"min": "0"}
    assert with_values("Must be greater than 0.").values == {"min": "0"}
    assert with_values("Length must be between 1 and 1000.").values == {"min": "1", "max": "1000"}
    assert with_values("Must be greater than or equal to 0 and less than or equal to 359.").values == {
        "min": "0", "max": "359"}
    assert not hasattr(with_values("Not a valid UUID."), "values")


def test_a_refusal_names_the_party_in_the_readers_language(client, world: Trip) -> None:
    created = client.post("/api/v1/waybills", json=world.draft(), headers=world.headers["shipper"]).get_json()
    path = f"/api/v1/waybills/{created['id']}/cancel"
    english = client.post(path, json={"reason": "x"}, headers=world.headers["consignee"]).get_json()
    chinese = client.post(path, json={"reason": "x"}, headers={**world.headers["consignee"],
                                                               "Accept-Language": "zh"}).get_json()
    assert english["detail"] == "Only the carrier or the shipper may do this."
    assert chinese["detail"] == "只有承运人或托运人可以执行此操作。" and chinese["code"] == english["code"]


def _english_in(document: Any) -> list[str]:
    """The English sentences anywhere in the strings of a JSON *document*."""
    if isinstance(document, dict):
        return [bit for value in document.values() for bit in _english_in(value)]
    if isinstance(document, list):
        return [bit for value in document for bit in _english_in(value)]
    return ENGLISH_SENTENCE.findall(document) if isinstance(document, str) else []


def warned_waybill(client, session, trip: Trip) -> str:
    """The id of a waybill of *trip* submitted with three warnings: its chemical is highly toxic, an explosive
    precursor and restricted."""
    from models import ControlLevel

    trip.chemical.highly_toxic = trip.chemical.explosive_precursor = True
    trip.chemical.control_level = ControlLevel.RESTRICTED
    session.commit()
    created = client.post("/api/v1/waybills", json=trip.draft(), headers=trip.headers["shipper"]).get_json()
    reply = client.post(f"/api/v1/waybills/{created['id']}/submit", json={"row_version": created["row_version"]},
                        headers=trip.headers["shipper"])
    assert reply.status_code == 200 and len(reply.get_json()["current"]["warnings"]) == 3, reply.get_json()
    return created["id"]


def test_a_waybills_kept_warnings_speak_the_readers_language(client, session, world: Trip) -> None:
    """The warnings a version keeps are messages with values, read in the language of each request."""
    path = f"/api/v1/waybills/{warned_waybill(client, session, world)}"
    chinese = client.get(path, headers={**world.headers["shipper"], "Accept-Language": "zh"}).get_json()
    english = client.get(path, headers=world.headers["shipper"]).get_json()
    warnings = chinese["current"]["warnings"]
    assert len(warnings) == 3 and all(w["template"] and w["values"]["term"] for w in warnings)
    assert [bit for w in warnings for bit in ENGLISH_SENTENCE.findall(w["message"])] == [], warnings
    assert {w["template"] for w in english["current"]["warnings"]} == {w["template"] for w in warnings}
    assert any("易制爆" in w["message"] and "public-security filing" in w["message"]
               for w in english["current"]["warnings"])


def test_the_ledgers_problems_speak_the_readers_language(client, session, world: Trip) -> None:
    """Verification names the first bad entry and why, in the language of the request."""
    from tests.app.ledger.test_chain import _disable_triggers
    from sqlalchemy import text

    _disable_triggers(session)
    session.execute(text("UPDATE ledger_entries SET document_ref = 'forged' WHERE sequence = 1"))
    chinese = client.get("/api/v1/ledger/verify", headers={**world.headers["auditor"], "Accept-Language": "zh"})
    english = client.get("/api/v1/ledger/verify", headers=world.headers["auditor"]).get_json()
    result = chinese.get_json()
    assert chinese.status_code == 200 and not result["ok"] and result["first_bad"]["sequence"] == 1
    assert _english_in(result) == [], result
    assert "the entry was altered" in english["first_bad"]["reason"]


def test_the_hazard_explanations_speak_the_readers_language(client, world: Trip) -> None:
    """How Q, β and α were found, and why a chemical is not counted, in the language of the request."""
    plant = {"exposed_population": None, "units": [{"name": "罐区", "chemicals": [
        {"un_number": "1230", "quantity_t": "400"}, {"category": "W5.1,J4", "quantity_t": "2"},
        {"category": "W8", "quantity_t": "1"}, {"un_number": "9999", "quantity_t": "1"}]}]}
    headers = world.headers["supervisor"]
    chinese = client.post("/api/v1/hazard/compute", json=plant, headers={**headers, "Accept-Language": "zh"})
    english = client.post("/api/v1/hazard/compute", json=plant, headers=headers).get_json()
    report = chinese.get_json()
    assert chinese.status_code == 200 and report["units"][0]["not_counted"], report
    assert _english_in(report) == [], report
    assert "not counted" in english["units"][0]["not_counted"][0]["reason"]
    site = client.get(f"/api/v1/sites/{world.loading.id}/hazard", headers={**headers, "Accept-Language": "zh"})
    assert site.status_code == 200 and _english_in(site.get_json()) == [], site.get_json()
