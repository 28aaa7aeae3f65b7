"""Permits: scope and validity edges of ``permit_decision``, the ``/permits/check`` endpoint, admin-only edits."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import NotFound
from app.services import permits
from app.services.permits import AUTHORISING_KINDS, Activity, PermitDecision, permit_decision
from models import Permit, PermitKind, Role
from tests.factories import auth, make_chemical, make_enterprise, make_permit, make_user

TODAY = dt.date(2026, 6, 15)
DAY = dt.timedelta(days=1)


@pytest.fixture
def trader(session):
    return make_enterprise(session, roles=["trader"])


@pytest.fixture
def methanol(session):
    return make_chemical(session, un_number="1230", hazard_class="3")


def decide(session, enterprise, chemical, activity=Activity.TRADE, on=TODAY) -> PermitDecision:
    return permit_decision(session, enterprise.id, activity, chemical.id, on)


def test_valid_permit_allows_and_names_itself(session, trader, methanol):
    permit = make_permit(session, trader, valid_from=TODAY - 10 * DAY, valid_to=TODAY + 10 * DAY)
    assert decide(session, trader, methanol) == PermitDecision(True, None, permit.id)


@pytest.mark.parametrize("valid_from, valid_to, allowed, reason", [
    (TODAY, TODAY, True, None),                              # a one-day permit, on that day
    (TODAY - 30 * DAY, TODAY - DAY, False, "expired before 2026-06-15 (valid until 2026-06-14)"),
    (TODAY + DAY, TODAY + 30 * DAY, False, "not yet valid on 2026-06-15 (valid from 2026-06-16)"),
    (TODAY - 30 * DAY, TODAY, True, None),                   # the last day counts
    (TODAY, TODAY + 30 * DAY, True, None),                   # so does the first
])
def test_validity_edges(session, trader, methanol, valid_from, valid_to, allowed, reason):
    permit = make_permit(session, trader, valid_from=valid_from, valid_to=valid_to)
    decision = decide(session, trader, methanol)
    assert decision.allowed is allowed
    assert decision.permit_id == permit.id
    if reason:
        assert reason in decision.reason


def test_revoked_permit_refuses(session, trader, methanol):
    permit = make_permit(session, trader, valid_from=TODAY - DAY, valid_to=TODAY + DAY, revoked=True)
    decision = decide(session, trader, methanol)
    assert not decision.allowed and "is revoked" in decision.reason and decision.permit_id == permit.id


@pytest.mark.parametrize("classes, un_numbers, hazard_class, un_number, allowed", [
    (["3"], [], "3", "1230", True),
    ([], ["1230"], "3", "1230", True),          # named by UN number only
    (["8"], ["1230"], "3", "1230", True),       # either list suffices
    (["8"], [], "3", "1230", False),
    ([], ["1203"], "3", "1230", False),
    (["6"], [], "6.1", "1689", True),           # a whole class covers its divisions
    (["6.2"], [], "6.1", "1689", False),
])
def test_scope_by_class_or_un_number(session, trader, classes, un_numbers, hazard_class, un_number, allowed):
    chemical = make_chemical(session, hazard_class=hazard_class, un_number=un_number)
    make_permit(session, trader, hazard_classes=classes, un_numbers=un_numbers,
                valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    decision = decide(session, trader, chemical)
    assert decision.allowed is allowed
    if not allowed:
        assert f"does not cover class {hazard_class} or UN {un_number}" in decision.reason


def test_no_permit_of_the_needed_kind(session, trader, methanol):
    make_permit(session, trader, kind=PermitKind.ROAD_TRANSPORT, valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    decision = decide(session, trader, methanol, Activity.USE)
    assert decision == PermitDecision(False, "no permit to use: holds none of safe_use", None)


def test_refusal_explains_with_the_permit_that_covers_the_chemical(session, trader, methanol):
    make_permit(session, trader, hazard_classes=["8"], valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    covering = make_permit(session, trader, hazard_classes=["3"], valid_from=TODAY - 9 * DAY, valid_to=TODAY - DAY)
    decision = decide(session, trader, methanol)
    assert decision.permit_id == covering.id and "expired" in decision.reason


def test_any_valid_permit_of_an_authorising_kind_suffices(session, trader, methanol):
    make_permit(session, trader, valid_from=TODAY - 9 * DAY, valid_to=TODAY - DAY)
    producer = make_permit(session, trader, kind=PermitKind.SAFETY_PRODUCTION,
                           valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    assert decide(session, trader, methanol) == PermitDecision(True, None, producer.id)


def test_inactive_enterprise_is_refused(session, trader, methanol):
    make_permit(session, trader, valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    trader.active = False
    decision = decide(session, trader, methanol)
    assert not decision.allowed and "inactive" in decision.reason


def test_unknown_ids_raise_not_found(session, trader, methanol):
    import uuid

    with pytest.raises(NotFound):
        permit_decision(session, uuid.uuid4(), Activity.USE, methanol.id, TODAY)
    with pytest.raises(NotFound):
        permit_decision(session, trader.id, Activity.USE, uuid.uuid4(), TODAY)


def test_decisions_on_preloaded_permits_match_permit_decision(session, trader, methanol):
    """The waybill checks load the parties' permits once (permits_held) and decide in Python (decide)."""
    other = make_enterprise(session, roles=["user"])
    make_permit(session, trader, hazard_classes=["8"], valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    make_permit(session, trader, hazard_classes=["3"], valid_from=TODAY - 9 * DAY, valid_to=TODAY - DAY)
    make_permit(session, trader, kind=PermitKind.SAFE_USE, valid_from=TODAY - DAY, valid_to=TODAY + DAY,
                revoked=True)
    make_permit(session, trader, kind=PermitKind.ROAD_TRANSPORT, valid_from=TODAY + DAY, valid_to=TODAY + 9 * DAY)
    make_permit(session, trader, kind=PermitKind.SAFETY_PRODUCTION, hazard_classes=[], un_numbers=["1230"],
                valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    make_permit(session, other, kind=PermitKind.SAFE_USE, valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    make_permit(session, other, kind=PermitKind.SAFE_USE, valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    held = permits.permits_held(session, [trader.id, other.id], list(Activity))
    for enterprise in (trader, other):
        for activity in Activity:
            for on in (TODAY, TODAY + 2 * DAY):
                assert permits.decide(enterprise, activity, methanol, held[enterprise.id], on) \
                    == permit_decision(session, enterprise.id, activity, methanol.id, on), (enterprise, activity, on)
    other.active = False
    assert permits.decide(other, Activity.USE, methanol, held[other.id], TODAY) \
        == permit_decision(session, other.id, Activity.USE, methanol.id, TODAY)


@pytest.mark.parametrize("activities", [
    (Activity.TRADE,), (Activity.TRADE, Activity.USE, Activity.STORE, Activity.DISPOSE),
    (Activity.DISPOSE, Activity.PRODUCE), (Activity.TRANSPORT, Activity.SHIP_HIGHLY_TOXIC),
])
def test_decide_any_allows_when_one_activity_is_and_else_refuses_as_the_first(session, trader, methanol, activities):
    make_permit(session, trader, kind=PermitKind.SAFE_USE, hazard_classes=["8"], valid_from=TODAY - DAY,
                valid_to=TODAY + DAY)
    make_permit(session, trader, kind=PermitKind.SAFETY_PRODUCTION, valid_from=TODAY - 9 * DAY, valid_to=TODAY)
    make_permit(session, trader, kind=PermitKind.HAZARDOUS_WASTE, valid_from=TODAY + DAY, valid_to=TODAY + 9 * DAY)
    held = permits.permits_held(session, [trader.id], list(Activity))[trader.id]
    for on in (TODAY - DAY, TODAY, TODAY + 2 * DAY):
        each = [permits.decide(trader, activity, methanol, held, on) for activity in activities]
        either = permits.decide_any(trader, activities, methanol, held, on)
        allowed = [d for d in each if d.allowed]
        assert either == (allowed[0] if allowed else each[0]), (activities, on)


def test_every_activity_has_a_permit_kind():
    assert set(AUTHORISING_KINDS) == set(Activity)


# --- HTTP ------------------------------------------------------------------------------------------------------
def test_check_endpoint(client, session, trader, methanol):
    _user, token = make_user(session, Role.SUPERVISOR)
    permit = make_permit(session, trader, valid_from=TODAY - DAY, valid_to=TODAY + DAY)
    url = f"/api/v1/permits/check?enterprise={trader.id}&activity=trade&chemical={methanol.id}"
    assert client.get(f"{url}&date={TODAY}", headers=auth(token)).get_json() == {
        "allowed": True, "reason": None, "permit_id": str(permit.id)}
    refused = client.get(f"{url}&date={TODAY + 2 * DAY}", headers=auth(token)).get_json()
    assert refused["allowed"] is False and "expired" in refused["reason"]
    bad = client.get(f"{url}&date=tomorrow", headers=auth(token))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"query.date"}


def test_check_endpoint_hides_other_enterprises(client, session, trader, methanol):
    _user, own_token = make_user(session, Role.ENTERPRISE, enterprise=trader)
    _other, other_token = make_user(session, Role.ENTERPRISE)
    url = f"/api/v1/permits/check?enterprise={trader.id}&activity=use&chemical={methanol.id}&date={TODAY}"
    assert client.get(url, headers=auth(own_token)).status_code == 200
    assert client.get(url, headers=auth(other_token)).status_code == 404


def _payload(holder, **fields):
    body = {"kind": "hazardous_chemicals_operation", "number": "苏(锡)危化经字〔2026〕000123",
            "holder_id": str(holder.id), "hazard_classes": ["3", "8"], "un_numbers": ["1230"],
            "valid_from": "2026-01-01", "valid_to": "2028-12-31"}
    body.update(fields)
    return body


def count_permits(session) -> int:
    return session.scalar(select(func.count()).select_from(Permit))


def test_admin_issues_changes_and_revokes(client, session, trader):
    _user, token = make_user(session, Role.ADMIN)
    created = client.post("/api/v1/permits", json=_payload(trader), headers=auth(token))
    assert created.status_code == 201, created.get_json()
    permit_id = created.get_json()["id"]
    changed = client.patch(f"/api/v1/permits/{permit_id}", json={"valid_to": "2029-06-30"}, headers=auth(token))
    assert changed.get_json()["valid_to"] == "2029-06-30"
    revoked = client.post(f"/api/v1/permits/{permit_id}/revoke", headers=auth(token))
    assert revoked.status_code == 200 and revoked.get_json()["revoked"] is True
    duplicate = client.post("/api/v1/permits", json=_payload(trader), headers=auth(token))
    assert duplicate.status_code == 409


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR, Role.ENTERPRISE])
def test_only_admin_edits_permits(client, session, trader, role):
    _user, token = make_user(session, role, enterprise=trader if role is Role.ENTERPRISE else None)
    permit = make_permit(session, trader)
    before = count_permits(session)
    assert client.post("/api/v1/permits", json=_payload(trader), headers=auth(token)).status_code == 403
    assert client.patch(f"/api/v1/permits/{permit.id}", json={"revoked": True}, headers=auth(token)).status_code == 403
    assert client.post(f"/api/v1/permits/{permit.id}/revoke", headers=auth(token)).status_code == 403
    assert count_permits(session) == before and not permit.revoked
    assert client.get(f"/api/v1/permits/{permit.id}", headers=auth(token)).status_code == 200


@pytest.mark.parametrize("fields, error_fields", [
    ({"valid_to": "2025-12-31"}, {"valid_to"}),                       # ends before it starts
    ({"hazard_classes": [], "un_numbers": []}, {"hazard_classes"}),   # an empty scope covers nothing
    ({"hazard_classes": ["10"], "un_numbers": ["12030"]}, {"hazard_classes.0", "un_numbers.0"}),
    ({"kind": "fishing_licence", "valid_from": "2026-02-30"}, {"kind", "valid_from"}),
    ({"holder_id": "00000000-0000-0000-0000-000000000000"}, {"holder_id"}),
    ({"colour": "red"}, {"colour"}),
])
def test_bad_permits_are_422_and_write_nothing(client, session, trader, fields, error_fields):
    _user, token = make_user(session, Role.ADMIN)
    before = count_permits(session)
    response = client.post("/api/v1/permits", json=_payload(trader, **fields), headers=auth(token))
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]) == error_fields
    assert count_permits(session) == before


def test_enterprise_user_lists_only_its_permits(client, session, trader):
    other = make_enterprise(session)
    own = make_permit(session, trader)
    make_permit(session, other)
    _user, token = make_user(session, Role.ENTERPRISE, enterprise=trader)
    listed = client.get("/api/v1/permits", headers=auth(token)).get_json()
    assert [p["id"] for p in listed] == [str(own.id)]
