"""A draft or a rejected waybill is corrected in place, lines included (issue 15: every PATCH of ``lines``
answered 409, the unique (version, line number) constraint tripping over the lines it replaced)."""
from __future__ import annotations

from tests.app.waybills.test_lifecycle import API, post


def _lines(trip, *quantities: str) -> list[dict]:
    return [{"batch_id": str(trip.batch.id), "quantity_kg": q, "packaging_kind": "tank", "packaging_count": 1}
            for q in quantities]


def test_the_lines_of_a_draft_are_replaced(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    changed = client.patch(url, json={"row_version": waybill["row_version"], "lines": _lines(trip, "4000", "3000")},
                           headers=trip.headers["shipper"])
    assert changed.status_code == 200, changed.get_json()
    assert [line["quantity_kg"] for line in changed.get_json()["current"]["lines"]] == ["4000.000", "3000.000"]
    fewer = client.patch(url, json={"row_version": changed.get_json()["row_version"], "lines": _lines(trip, "5000")},
                         headers=trip.headers["shipper"])
    assert fewer.status_code == 200, fewer.get_json()
    lines = fewer.get_json()["current"]["lines"]
    assert [(line["line_no"], line["quantity_kg"]) for line in lines] == [(1, "5000.000")]
    assert lines[0]["un_number"] == trip.chemical.un_number


def test_a_rejected_waybill_is_corrected_and_submitted_again(client, trip):
    waybill = post(client, trip, "shipper", API, trip.draft()).get_json()
    url = f"{API}/{waybill['id']}"
    waybill = post(client, trip, "shipper", f"{url}/submit", {"row_version": waybill["row_version"]}).get_json()
    rejected = post(client, trip, "supervisor", f"{url}/reject",
                    {"reason": "quantity too high", "row_version": waybill["row_version"]}).get_json()
    assert rejected["status"] == "rejected"
    same = client.patch(url, json={"row_version": rejected["row_version"], "lines": _lines(trip, "10000")},
                        headers=trip.headers["shipper"])
    assert same.status_code == 200, same.get_json()
    corrected = client.patch(url, json={"row_version": same.get_json()["row_version"], "lines": _lines(trip, "9000")},
                             headers=trip.headers["shipper"])
    assert corrected.status_code == 200, corrected.get_json()
    again = post(client, trip, "shipper", f"{url}/submit", {"row_version": corrected.get_json()["row_version"]})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["current"]["lines"][0]["quantity_kg"] == "9000.000"


def test_every_action_takes_the_row_version_or_if_match(client, trip):
    """One rule for every state-changing action: the row version in the body or the ETag as If-Match; a stale
    one changes nothing (409 from the body, 412 from If-Match)."""
    created = post(client, trip, "shipper", API, trip.draft())
    url = f"{API}/{created.get_json()['id']}"
    read = client.get(url, headers=trip.headers["shipper"])
    assert read.headers["ETag"] == f'"{read.get_json()["row_version"]}"'
    submitted = client.post(f"{url}/submit", json={},
                            headers={**trip.headers["shipper"], "If-Match": read.headers["ETag"]})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.headers["ETag"] == f'"{submitted.get_json()["row_version"]}"'
    stale = client.post(f"{url}/reject", json={"reason": "seen"},
                        headers={**trip.headers["supervisor"], "If-Match": read.headers["ETag"]})
    assert stale.status_code == 412 and stale.get_json()["code"] == "stale_version"
    stale = post(client, trip, "carrier", f"{url}/depart", {"row_version": read.get_json()["row_version"]})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"
    assert client.get(url, headers=trip.headers["shipper"]).get_json()["status"] == "issued"
    cancelled = post(client, trip, "shipper", f"{url}/cancel",
                     {"reason": "order withdrawn", "row_version": submitted.get_json()["row_version"]})
    assert cancelled.status_code == 200, cancelled.get_json()
    bad = client.post(f"{url}/close", json={}, headers={**trip.headers["consignee"], "If-Match": "yesterday"})
    assert bad.status_code == 422 and "If-Match" in bad.get_json()["errors"]
