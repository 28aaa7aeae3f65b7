"""A waybill line travels under one Table A entry (UN number + packing group/variant): its document line, mixed
loading and tunnel code are the entry's (issue 16)."""
from __future__ import annotations

from sqlalchemy import select

from app.services.transport_entries import import_table_a
from models import TransportEntry
from tests.app.waybills.test_checks import errors_of, submit

TABLE_A = ("un_number,name,class,classification_code,packing_group,labels,special_provisions,tank_code,"
           "transport_category,tunnel_code,hazard_id\n"
           "1230,METHANOL,3,FT1,II,3+6.1,279,L4BH,2,D/E,336\n"
           "1230,METHANOL,3,FT1,III,3+6.1,279,L4BH,3,E,36\n")


def entry_id(session, ref: str) -> str:
    return str(session.scalar(select(TransportEntry.id).where(TransportEntry.ref == ref)))


def line_of(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["current"]["lines"][0]


def test_without_table_a_the_chemicals_labels_make_the_line(client, session, trip):
    trip.chemical.labels = "3+6.1"
    session.commit()
    line = line_of(submit(client, trip, trip.draft()))
    assert line["transport_document"] == "UN 1230 METHANOL, 3 (6.1), II, (D/E)"
    assert line["entry_id"] is None


def test_the_chemicals_packing_group_picks_the_entry(client, session, trip):
    import_table_a(session, TABLE_A, "t")
    line = line_of(submit(client, trip, trip.draft()))
    assert line["transport_document"] == "UN 1230 METHANOL, 3 (6.1), II, (D/E)"
    assert line["entry_id"] == entry_id(session, "1230/II/1") and line["tunnel_code"] == "D/E"


def test_the_line_names_its_entry_and_takes_its_tunnel_code(client, session, trip):
    import_table_a(session, TABLE_A, "t")
    body = trip.draft()
    body["lines"][0]["entry_id"] = entry_id(session, "1230/III/1")
    line = line_of(submit(client, trip, body))
    assert line["transport_document"] == "UN 1230 METHANOL, 3 (6.1), III, (E)"
    assert (line["packing_group"], line["tunnel_code"]) == ("III", "E")


def test_a_choice_left_open_is_an_error_on_the_line(client, session, trip):
    import_table_a(session, TABLE_A, "t")
    trip.chemical.packing_group = None
    session.commit()
    errors = errors_of(submit(client, trip, trip.draft()))
    assert list(errors) == ["lines.0.entry_id"]
    assert "1230/II/1" in errors["lines.0.entry_id"][0] and "1230/III/1" in errors["lines.0.entry_id"][0]


def test_an_entry_of_another_un_number_is_refused(client, session, trip):
    import_table_a(session, TABLE_A + "1203,MOTOR SPIRIT or GASOLINE or PETROL,3,F1,II,3,243,LGBF,2,D/E,33\n", "t")
    body = trip.draft()
    body["lines"][0]["entry_id"] = entry_id(session, "1203/II/1")
    errors = errors_of(submit(client, trip, body))
    assert errors["lines.0.entry_id"] == ["not a Table A entry of UN 1230, the batch's chemical"]


def test_an_nos_entry_takes_the_technical_name_from_the_chemical(client, session, trip):
    import_table_a(session, "un_number,name,class,classification_code,packing_group,labels,special_provisions,"
                            "tunnel_code\n1230,\"FLAMMABLE LIQUID, TOXIC, N.O.S.\",3,FT1,II,3+6.1,274,D/E\n", "t")
    trip.chemical.name_en = "FLAMMABLE LIQUID, TOXIC, N.O.S. (methanol)"
    session.commit()
    line = line_of(submit(client, trip, trip.draft()))
    assert line["transport_document"] == "UN 1230 FLAMMABLE LIQUID, TOXIC, N.O.S. (methanol), 3 (6.1), II, (D/E)"


def test_waste_is_announced_before_the_un_number(client, session, trip):
    """ADR 5.4.1.1.3 and 3.1.2.8.1, on the chemical's own facts (no Table A): the demo's solvent waste."""
    trip.chemical.un_number, trip.chemical.labels = "1993", "3"
    trip.chemical.name_en = "WASTE FLAMMABLE LIQUID, N.O.S. (methanol)"
    trip.tanker.tank_media = ["1993"]
    session.commit()
    line = line_of(submit(client, trip, trip.draft()))
    assert line["transport_document"] == "WASTE, UN 1993 FLAMMABLE LIQUID, N.O.S. (methanol), 3, II, (D/E)"
