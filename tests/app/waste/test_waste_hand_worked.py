"""Hand-worked cases of the hazardous-waste transfer rules, one manifest per case, each worked from the text.

危险废物转移管理办法 (生态环境部、公安部、交通运输部令 第23号, 2021-11-30, in force 2022-01-01), quoted from the
public copy of the ministry's text (docs/waste-audit.md, app/data/README.md). The world: the generator 无锡锡山精细化工
(its plant in 锡山区, 320205, 江苏 32), the receiver 无锡新吴新材料 holding a 危险废物经营许可证 for HW06 by R2 or D10;
where a case moves the receiver across the boundary its site is in 余杭区 (330110, 浙江 33). The waste: 2,000 kg
of 900-404-06 (HW06, T/I/R), of which the cases hand over 800 kg.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models import Department, Permit, Role, WasteManifest, WasteTransferApproval
from tests.app.test_http_contract import assert_problem
from tests.app.waste.conftest import WASTE
from tests.app.waste.test_manifests import waybill_for
from tests.factories import auth, make_site, make_user

JIANGSU, ZHEJIANG = "32", "33"
TODAY = dt.date.today()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def ecology_headers(session) -> dict[str, str]:
    """A supervisor of the ecology and environment department (who records a province's approval)."""
    user, token = make_user(session, Role.SUPERVISOR)
    user.department = Department.ECOLOGY_ENVIRONMENT
    session.commit()
    return auth(token)


def across(world, session) -> None:
    """The generator's plant in 江苏 (320205), the receiver's site in 浙江 (330110)."""
    world.trip.loading.district_adcode = "320205"
    world.trip.unloading.district_adcode = "330110"
    session.commit()


def approval_body(world, **overrides) -> dict:
    """江苏 approves 1,000 kg of 900-404-06 from the generator to the receiver by R2, from ten days ago for a
    year less a day short of the twelve months (within the receiver's permit, which runs 365 days from today)."""
    return {"number": "苏环危转〔2026〕0001", "origin_province": JIANGSU, "destination_province": ZHEJIANG,
            "generator_id": str(world.trip.shipper.id), "disposer_id": str(world.trip.consignee.id),
            "disposal_method": "R2", "wastes": [{"code": "900-404-06", "quantity_kg": "1000"}],
            "valid_from": (TODAY - dt.timedelta(days=10)).isoformat(),
            "valid_to": (TODAY + dt.timedelta(days=300)).isoformat(), "issuer": "江苏省生态环境厅", **overrides}


def approve(world, session, **overrides) -> dict:
    response = world.client.post("/api/v1/waste-transfer-approvals", headers=ecology_headers(session),
                                 json=approval_body(world, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- Art. 15: the number -------------------------------------------------------------------------------------

def test_art15_the_serial_runs_per_prefecture_of_origin(waste_world, session):
    """Art. 15: "第一至四位数字为年份代码；第五、六位数字为移出地省级行政区划代码；第七、八位数字为移出地设区的市级行政区划
    代码；其余六位数字以移出地设区的市级行政区域为单位进行流水编号". The generator's second plant is in 昆山 (320583,
    苏州 3205): its first manifest is serial 000001 of 3205 although 3202 already has one."""
    world = waste_world
    world.trip.loading.district_adcode = "320205"
    session.commit()
    world.generate()
    kunshan = make_site(session, world.trip.shipper, district_adcode="320583")
    session.commit()
    world.generate(code="WASTE-KS", site_id=str(kunshan.id))
    year = TODAY.year
    assert world.manifest(lines=[{"batch": WASTE, "quantity_kg": "800"}]).get_json()["number"] == \
        f"{year}3202000001"
    assert world.manifest(lines=[{"batch": "WASTE-KS", "quantity_kg": "800"}]).get_json()["number"] == \
        f"{year}3205000001"
    assert world.manifest(lines=[{"batch": WASTE, "quantity_kg": "100"}]).get_json()["number"] == \
        f"{year}3202000002"


# --- Art. 21, 27, 28: across a province boundary ---------------------------------------------------------------

def test_art21_no_approval_no_transfer_and_nothing_is_written(waste_world, session):
    """Art. 21: "跨省转移危险废物的，应当向危险废物移出地省级生态环境主管部门提出申请……未经批准的，不得转移". 32 → 33
    without an approval: 422 naming ``cross_province_approval``; no manifest."""
    world = waste_world
    across(world, session)
    world.generate()
    body = assert_problem(world.manifest(), 422)
    assert body["code"] == "cross_province_approval_missing" and "cross_province_approval" in body["errors"]
    assert count(session, WasteManifest) == 0


def test_art27_under_the_approval_the_manifest_names_it(waste_world, session):
    """Art. 27 para. 3: "移出人应当按照批准跨省转移危险废物的决定填写、运行危险废物转移联单". 800 kg of the approved
    1,000 kg, R2, to the approved receiver, today within the validity: accepted; the manifest shows 32 → 33, that it
    crosses the boundary, and the approval's number and validity."""
    world = waste_world
    across(world, session)
    world.generate()
    approval = approve(world, session)
    created = world.manifest(cross_province_approval=approval["number"])
    assert created.status_code == 201, created.get_json()
    manifest = created.get_json()
    assert (manifest["origin_province"], manifest["destination_province"], manifest["cross_province"]) == \
        (JIANGSU, ZHEJIANG, True)
    assert manifest["cross_province_approval"] == {
        "id": approval["id"], "number": "苏环危转〔2026〕0001", "issuer": "江苏省生态环境厅",
        "valid_from": approval["valid_from"], "valid_to": approval["valid_to"]}


def test_art28_more_than_approved_needs_a_new_application(waste_world, session):
    """Art. 27 para. 3 ("可以……在有效期内多次转移") and Art. 28 (一) ("重量（数量）超过原批准重量（数量）的", a new
    application): 800 kg then 200 kg make the approved 1,000 kg; a further 1 kg is refused. A rejected manifest moved
    nothing, so its kg are free again."""
    world = waste_world
    across(world, session)
    world.generate()
    number = approve(world, session)["number"]
    first = world.manifest(cross_province_approval=number).get_json()
    second = world.manifest(cross_province_approval=number, lines=[{"batch": WASTE, "quantity_kg": "200"}])
    assert second.status_code == 201, second.get_json()
    body = assert_problem(world.manifest(cross_province_approval=number, lines=[{"batch": WASTE, "quantity_kg": "1"}]),
                          422)
    assert body["code"] == "outside_cross_province_approval"
    assert "1000.000 kg already under it" in " ".join(body["errors"]["cross_province_approval"])
    assert count(session, WasteManifest) == 2
    world.call("post", f"waste-manifests/{first['id']}/reject", "consignee", json={"reason": "暂停接收"})
    assert world.manifest(cross_province_approval=number, lines=[{"batch": WASTE, "quantity_kg": "1"}]).status_code \
        == 201


@pytest.mark.parametrize("change, says", [
    ({"disposal_method": "D10"}, "approved for method R2, not D10"),  # Art. 28 (二)
    ({"lines": [{"batch": "OTHER-WASTE", "quantity_kg": "10"}]}, "900-041-49 is not an approved waste"),  # (一)
])
def test_art28_another_method_or_waste_is_outside_the_approval(waste_world, session, change, says):
    """Art. 28: a new application when "（一）计划转移的危险废物的种类发生变化……（二）……贮存、利用、处置方式发生变化".
    The receiver's permit covers D10 and 900-041-49, so only the approval refuses them."""
    world = waste_world
    across(world, session)
    world.generate()
    world.generate(code="OTHER-WASTE", waste_code="900-041-49", waste_characteristics=["T"])
    number = approve(world, session)["number"]
    body = assert_problem(world.manifest(cross_province_approval=number, **change), 422)
    assert says in " ".join(body["errors"]["cross_province_approval"]), body
    assert count(session, WasteManifest) == 0


def test_art27_an_approval_outside_its_validity_does_not_move_the_waste(waste_world, session):
    """Art. 21 and 27: the approval is a condition of the transfer, so it must be valid on the day the waste
    leaves. Approved from yesterday; the waybill departs (backdated) the day before yesterday: 409, still
    ``created``."""
    world = waste_world
    across(world, session)
    world.generate(days_ago=3)
    number = approve(world, session, valid_from=(TODAY - dt.timedelta(days=1)).isoformat())["number"]
    manifest = world.manifest(cross_province_approval=number).get_json()
    waybill = waybill_for(world, session, manifest)
    world.call("post", f"waste-manifests/{manifest['id']}/waybill", json={"waybill_id": waybill["id"]})
    world.call("post", f"waste-manifests/{manifest['id']}/carrier-check", "carrier", json={"matches": True})
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    body = assert_problem(world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={"at": at}), 409)
    assert body["code"] == "cross_province_approval_missing" and "not on" in body["detail"]
    assert world.call("get", f"waste-manifests/{manifest['id']}").get_json()["status"] == "created"
    assert world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}).status_code == 200


def test_art21_a_district_code_recorded_later_is_checked_at_departure(waste_world, session):
    """Art. 21 at the moment of transfer: the manifest was made while the plant's district code was not recorded
    (``cross_province`` null: not known, not assumed), the receiver's site in 浙江. By departure the plant is known
    to be in 江苏: the waste would leave 32 for 33 without an approval, so the waybill does not depart."""
    world = waste_world
    world.trip.unloading.district_adcode = "330110"
    session.commit()
    world.generate()
    manifest = world.manifest().get_json()
    assert (manifest["origin_province"], manifest["cross_province"]) == (None, None)
    waybill = waybill_for(world, session, manifest)
    world.call("post", f"waste-manifests/{manifest['id']}/waybill", json={"waybill_id": waybill["id"]})
    world.call("post", f"waste-manifests/{manifest['id']}/carrier-check", "carrier", json={"matches": True})
    world.trip.loading.district_adcode = "320205"
    session.commit()
    body = assert_problem(world.call("post", f"waybills/{waybill['id']}/depart", "carrier", json={}), 409)
    assert body["code"] == "cross_province_approval_missing" and "32" in body["detail"]


def test_within_one_province_no_approval_is_needed_nor_taken(waste_world, session):
    """Art. 21 is about 跨省 transfers only: 320205 → 320214 (both 江苏) moves without an approval, and naming one
    is refused rather than stored as if it applied."""
    world = waste_world
    world.trip.loading.district_adcode = "320205"
    world.trip.unloading.district_adcode = "320214"
    session.commit()
    world.generate()
    refused = assert_problem(world.manifest(cross_province_approval="苏环危转〔2026〕0001"), 422)
    assert "cross_province_approval" in refused["errors"]
    manifest = world.manifest().get_json()
    assert (manifest["cross_province"], manifest["cross_province_approval"]) == (False, None)


# --- Art. 27 para. 2: the approval's validity --------------------------------------------------------------------

@pytest.mark.parametrize("valid_from, valid_to, field, says", [
    ("2026-03-15", "2027-03-15", "valid_to", "2027-03-14 at the latest"),  # twelve months end the day before
    ("2028-02-29", "2029-03-01", "valid_to", "2029-02-28 at the latest"),  # a leap day's year ends on 28 Feb
])
def test_art27_an_approval_is_valid_twelve_months_at_most(waste_world, session, valid_from, valid_to, field, says):
    """Art. 27 para. 2: "批准跨省转移危险废物的决定的有效期为十二个月". Twelve months from 15 March end on 14 March."""
    world = waste_world
    world.permit.valid_from, world.permit.valid_to = dt.date(2026, 1, 1), dt.date(2030, 12, 31)
    session.commit()
    response = world.client.post("/api/v1/waste-transfer-approvals", headers=ecology_headers(session),
                                 json=approval_body(world, valid_from=valid_from, valid_to=valid_to))
    body = assert_problem(response, 422)
    assert says in " ".join(body["errors"][field]), body
    assert count(session, WasteTransferApproval) == 0


def test_art27_an_approval_never_outlives_the_receivers_permit(waste_world, session):
    """Art. 27 para. 2: "但不得超过……接受人危险废物经营许可证的剩余有效期限". The permit runs to today + 100 days;
    an approval to the day after is refused, to that day accepted."""
    world = waste_world
    end = world.permit.valid_to = TODAY + dt.timedelta(days=100)
    session.commit()
    headers = ecology_headers(session)
    url = "/api/v1/waste-transfer-approvals"
    late = world.client.post(url, headers=headers, json=approval_body(
        world, valid_from=TODAY.isoformat(), valid_to=(end + dt.timedelta(days=1)).isoformat()))
    assert f"valid to {end}" in " ".join(assert_problem(late, 422)["errors"]["valid_to"])
    assert world.client.post(url, headers=headers, json=approval_body(
        world, valid_from=TODAY.isoformat(), valid_to=end.isoformat())).status_code == 201


# --- Art. 10 (一), 13: the carrier's qualification -----------------------------------------------------------------

@pytest.mark.parametrize("change", ["revoked", "expired", "other_class"])
def test_art10_a_carrier_without_a_valid_road_transport_permit_for_the_goods_is_refused(waste_world, session, change):
    """Art. 10 (一): the 移出人 "对承运人……的主体资格和技术能力进行核实"; Art. 13: the waste is entrusted to "具备相应危险
    货物运输资质的单位". The carrier's 道路危险货物运输 permit revoked, expired yesterday, or covering only class 8 while
    the waste's goods are class 3: 422 at ``carrier_id``, no manifest."""
    world = waste_world
    world.generate()
    for permit in session.scalars(select(Permit).where(Permit.holder_id == world.trip.carrier.id)):
        if change == "revoked":
            permit.revoked = True
        elif change == "expired":
            permit.valid_to = TODAY - dt.timedelta(days=1)
        else:
            permit.hazard_classes = ["8"]
    session.commit()
    body = assert_problem(world.manifest(), 422)
    assert body["code"] == "carrier_not_qualified" and list(body["errors"]) == ["carrier_id"], body
    assert count(session, WasteManifest) == 0


def test_art20_a_manifest_is_never_deleted(waste_world, session):
    """Art. 20: "危险废物电子转移联单数据应当在信息系统中至少保存十年". No route deletes a manifest or an approval
    (nothing in the project purges them): DELETE is 405 and the records stay."""
    world = waste_world
    world.generate()
    manifest = world.manifest().get_json()
    approval = approve(world, session)
    assert world.call("delete", f"waste-manifests/{manifest['id']}", "admin").status_code == 405
    assert world.call("delete", f"waste-transfer-approvals/{approval['id']}", "admin").status_code == 405
    assert count(session, WasteManifest) == 1 and count(session, WasteTransferApproval) == 1


# --- 危险废物经营许可证管理办法 Art. 3, 13: the permit's kind -----------------------------------------------------------

def permit_body(world, **overrides) -> dict:
    return {"kind": "hazardous_waste_operation", "number": "JSWX-KIND-1", "holder_id": str(world.trip.consignee.id),
            "hazard_classes": ["3"], "waste_categories": ["HW06"], "disposal_methods": ["R2"],
            "valid_from": "2026-01-01", "valid_to": "2030-12-31", **overrides}


@pytest.mark.parametrize("overrides, status, field", [
    ({}, 201, None),  # comprehensive by default: five years, 2026-01-01 to 2030-12-31
    ({"valid_to": "2031-01-01"}, 422, "valid_to"),  # a day more than five years
    ({"waste_operation": "collection", "waste_categories": [], "waste_codes": ["900-214-08", "900-044-49"],
      "valid_to": "2028-12-31"}, 201, None),  # the two wastes of Art. 3, three years
    ({"waste_operation": "collection", "waste_categories": [], "waste_codes": ["900-214-08"],
      "valid_to": "2029-01-01"}, 422, "valid_to"),  # a day more than three years
    ({"waste_operation": "collection"}, 422, "waste_categories"),  # a whole category: more than Art. 3 allows
    ({"waste_operation": "collection", "waste_categories": [], "waste_codes": ["900-041-49"]}, 422, "waste_codes"),
    ({"kind": "road_transport", "waste_categories": [], "disposal_methods": [], "waste_operation": "collection"},
     422, "waste_operation"),
])
def test_permit_kinds_scope_and_validity(waste_world, session, overrides, status, field):
    """许可办法 Art. 3: "危险废物经营许可证按照经营方式，分为危险废物收集、贮存、处置综合经营许可证和危险废物收集经营许可证
    ……领取危险废物收集经营许可证的单位，只能从事机动车维修活动中产生的废矿物油和居民日常生活中产生的废镉镍电池的危险废物收集经营
    活动"; Art. 13: "危险废物综合经营许可证有效期为5年；危险废物收集经营许可证有效期为3年". From 2026-01-01, five years end
    on 2030-12-31 and three on 2028-12-31."""
    world = waste_world
    response = world.call("post", "permits", "admin", json=permit_body(world, **overrides))
    if status == 201:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["waste_operation"] == overrides.get("waste_operation", "comprehensive")
        return
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert session.scalar(select(func.count()).select_from(Permit).where(Permit.number == "JSWX-KIND-1")) == 0


def test_art21_the_manifest_page_asks_for_the_approval_beside_its_field(waste_world, session):
    """The page's form is the API's: across 32 → 33 without an approval the refusal shows beside
    ``cross_province_approval`` and nothing is written; with the approval's number the manifest opens."""
    from app.services.users import set_password
    from tests.web.test_pages import PASSWORD, csrf, sign_in

    world = waste_world
    across(world, session)
    world.generate()
    number = approve(world, session)["number"]
    user, _ = make_user(session, Role.ENTERPRISE, enterprise=world.trip.shipper)
    set_password(session, user, PASSWORD)
    client = world.client
    sign_in(client, user)
    form = {"carrier_id": str(world.trip.carrier.id), "disposer_id": str(world.trip.consignee.id),
            "disposer_site_id": str(world.trip.unloading.id), "disposal_method": "R2",
            "lines.0.batch": WASTE, "lines.0.quantity_kg": "800"}
    refused = client.post("/waste/manifests/new", data={"csrf_token": csrf(client, "/waste/manifests/new"), **form})
    assert refused.status_code == 422 and 'id="cross_province_approval-error"' in refused.get_data(as_text=True)
    assert count(session, WasteManifest) == 0
    opened = client.post("/waste/manifests/new", data={"csrf_token": csrf(client, "/waste/manifests/new"), **form,
                                                       "cross_province_approval": number})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:2000]
    assert count(session, WasteManifest) == 1
