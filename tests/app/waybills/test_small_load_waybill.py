"""ADR 1.1.3.6 / 8.6.3.3 on a waybill's load as the route planner reads it (both backends): a small load in
packages has no tunnel code, anything not known keeps it, and a local hazmat=no ban still closes the road."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from app.services.road_network import waybill_cargo
from app.services.transport_entries import import_table_a
from models import TransportEntry
from models.waybills import WaybillLine
from routing.restrictions import closure_reasons
from tests.app.waybills.conftest import waybill_in_transit

TABLE_A = ("un_number,name,class,classification_code,packing_group,labels,special_provisions,tank_code,"
           "transport_category,tunnel_code,hazard_id\n"
           "1017,CHLORINE,2,2TOC,,2.3+5.1+8,,P22DH(M),1,C/D,265\n"
           "1323,FERROCERIUM,4.1,F3,II,4.1,249,SGAN,2,E,40\n"
           "1203,MOTOR SPIRIT or GASOLINE or PETROL,3,F1,II,3,243 534 664,LGBF,2,D/E,33\n")


@pytest.fixture
def load(session, trip):
    """A waybill in transit; ``load(*(un, kg, packaging kind))`` gives it those lines under their entries."""
    import_table_a(session, TABLE_A, "test")
    entries = {row.un_number: row for row in session.scalars(select(TransportEntry))}
    waybill = waybill_in_transit(session, trip)

    def make(*lines: tuple[str, str, str | None]):
        for number, (un, kg, kind) in enumerate(lines, start=1):
            entry = entries[un]
            waybill.current.lines.append(WaybillLine(
                line_no=number, un_number=un, hazard_class=entry.hazard_class, packing_group=entry.packing_group,
                tunnel_code=entry.tunnel_code, entry_id=entry.id, quantity_kg=Decimal(kg), packaging_kind=kind,
                packaging_count=1))
        session.flush()
        return waybill
    return make


def test_a_small_load_in_packages_has_no_tunnel_code(load):
    """ADR 1.1.3.6.4: 30 kg of chlorine (category 1, note a: × 20) and 100 kg of ferrocerium (category 2, × 3)
    are 600 + 300 = 900 points; 8.6.3.3: they do not count, so no tunnel category is closed (C/D otherwise)."""
    waybill = load(("1017", "30", "cylinder"), ("1323", "100", "drum"))
    cargo = waybill_cargo(waybill, tank=False)
    assert (cargo.tunnel_code, cargo.closed_tunnel_categories) == ("-", frozenset())


def test_the_local_hazmat_ban_still_closes_the_road_to_an_exempt_load(load):
    """hazmat=no is a local ban on all dangerous goods, not an ADR tunnel category: 1.1.3.6 does not open it."""
    cargo = waybill_cargo(load(("1017", "30", "cylinder")), tank=False)
    edges = pd.DataFrame({"hazmat": ["no", None], "tunnel": [None, "yes"], "hazmat:adr_tunnel_cat": [None, "E"]})
    assert closure_reasons(edges, cargo).tolist() == ["hazmat=no", ""]


@pytest.mark.parametrize("lines, tank, code, closed", [
    ((("1017", "40", "cylinder"), ("1323", "100", "drum")), False, "C/D", "DE"),   # 800 + 300 > 1000
    ((("1017", "30", "cylinder"), ("1323", "100", "drum")), True, "C/D", "CDE"),  # a tanker: 1.1.3.6.1
    ((("1323", "100", "bulk"),), False, "E", "E"),                                 # in bulk: 1.1.3.6.1
    ((("1323", "100", None),), False, "E", "E"),                                   # carriage not known
    ((("1203", "100", "drum"),), False, "D/E", "E"),                                # a liquid's kg are no litres
])
def test_what_keeps_the_code(load, lines, tank, code, closed):
    cargo = waybill_cargo(load(*lines), tank=tank)
    assert (cargo.tunnel_code, "".join(sorted(cargo.closed_tunnel_categories))) == (code, closed)
