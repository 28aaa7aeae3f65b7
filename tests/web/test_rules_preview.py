"""The waybill form's live dangerous-goods panel: the JSON it reads, for the firm's own batches only."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from app.services.users import set_password
from models import Role, User
from tests.app.waybills.conftest import build_trip
from tests.factories import make_enterprise, make_user
from tests.web.test_pages import PASSWORD, sign_in


def shipper_of(session, trip) -> User:
    user = session.scalars(select(User).where(User.enterprise_id == trip.shipper.id)).first()
    set_password(session, user, PASSWORD)
    return user


def test_the_panel_reads_the_lines_document_mix_and_tunnel(client, session):
    trip = build_trip(session)
    trip.chemical.labels = "3+6.1"
    session.commit()
    sign_in(client, shipper_of(session, trip))
    page = client.get("/firm/waybills/new").get_data(as_text=True)
    assert 'id="rules-preview"' in page and "/firm/waybills/rules" in page
    answer = client.get(f"/firm/waybills/rules?batch_id={trip.batch.id}&batch_id=nonsense").get_json()
    assert answer["lines"] == [{"batch_id": str(trip.batch.id), "document": "UN 1230 METHANOL, 3 (6.1), II, (D/E)",
                                "problems": []}]
    assert answer["mix"] == {"allowed": True, "reasons": []}
    assert answer["tunnel"] == {"packages": {"code": "D/E", "closed": ["E"]},
                                "tank": {"code": "D/E", "closed": ["D", "E"]}}


def test_another_firms_batch_is_left_out(client, session):
    trip = build_trip(session)
    stranger, _ = make_user(session, Role.ENTERPRISE, enterprise=make_enterprise(session))
    set_password(session, stranger, PASSWORD)
    session.commit()
    sign_in(client, stranger)
    answer = client.get(f"/firm/waybills/rules?batch_id={trip.batch.id}&batch_id={uuid.uuid4()}").get_json()
    assert answer["lines"] == [] and answer["mix"]["allowed"] is True


def test_supervisors_may_not_ask(client, session):
    supervisor, _ = make_user(session, Role.SUPERVISOR)
    set_password(session, supervisor, PASSWORD)
    session.commit()
    sign_in(client, supervisor)
    assert client.get("/firm/waybills/rules").status_code == 403


def test_the_panel_weighs_a_small_load(client, session):
    """ADR 1.1.3.6.3 / 8.6.3.3: 100 kg of ferrocerium (category 2) in drums are 300 points, so the load in packages
    has no tunnel code; in a tank, or a quantity or packaging not given, it keeps E."""
    from app.services.transport_entries import import_table_a

    trip = build_trip(session)
    trip.chemical.un_number, trip.chemical.packing_group = "1323", "II"
    import_table_a(session, "un_number,name,class,classification_code,packing_group,labels,tank_code,"
                            "transport_category,tunnel_code\n1323,FERROCERIUM,4.1,F3,II,4.1,SGAN,2,E\n", "t")
    session.commit()
    sign_in(client, shipper_of(session, trip))
    url = f"/firm/waybills/rules?batch_id={trip.batch.id}"
    answer = client.get(f"{url}&quantity_kg=100&packaging_kind=drum").get_json()
    assert answer["tunnel"] == {"packages": {"code": "-", "closed": []}, "tank": {"code": "E", "closed": ["E"]}}
    assert (answer["small_load"]["exempt"], answer["small_load"]["points"]) == (True, 300)
    for query in ("&quantity_kg=400&packaging_kind=drum", "&quantity_kg=&packaging_kind=drum",
                  "&quantity_kg=100&packaging_kind=", "&quantity_kg=x&packaging_kind=drum", ""):
        answer = client.get(url + query).get_json()
        assert answer["tunnel"]["packages"] == {"code": "E", "closed": ["E"]} and not answer["small_load"]["exempt"]
