"""Pure waybill rules: the status machine, the transport-document line, numbers, mixed loading."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from app.errors import Conflict
from app.services.waybills.documents import new_waybill_number, transport_line
from app.services.dangerous_goods.entries import Entry
from app.services.waybills.checks import Findings
from app.services.waybills.line_entries import load_tunnel_code, mixed_loading_errors
from models.waybills import WaybillLine
from app.services.waybills.status import TRANSITIONS, WaybillStatus as S, check_transition

LEGAL = [(S.DRAFT, S.ISSUED), (S.DRAFT, S.AWAITING_PASS), (S.AWAITING_PASS, S.ISSUED), (S.AWAITING_PASS, S.REJECTED),
         (S.ISSUED, S.REJECTED), (S.REJECTED, S.ISSUED), (S.REJECTED, S.AWAITING_PASS), (S.ISSUED, S.ISSUED),
         (S.ISSUED, S.AWAITING_PASS), (S.ISSUED, S.IN_TRANSIT), (S.IN_TRANSIT, S.DELIVERED), (S.DELIVERED, S.CLOSED),
         (S.DRAFT, S.CANCELLED), (S.AWAITING_PASS, S.CANCELLED), (S.ISSUED, S.CANCELLED)]


def test_the_states_before_order_29_are_history_only():
    assert not TRANSITIONS[S.SUBMITTED] and not TRANSITIONS[S.APPROVED]
    assert not any({S.SUBMITTED, S.APPROVED} & targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("current, target", LEGAL)
def test_legal_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize("current, target", [
    (current, target) for current in S for target in S if (current, target) not in LEGAL
    and target not in TRANSITIONS[current]
])
def test_every_other_transition_is_409(current, target):
    with pytest.raises(Conflict) as info:
        check_transition(current, target)
    assert info.value.status == 409


def test_cancel_only_before_departure():
    assert S.CANCELLED not in TRANSITIONS[S.IN_TRANSIT] | TRANSITIONS[S.DELIVERED] | TRANSITIONS[S.CLOSED]


@pytest.mark.parametrize("args, expected", [
    (("1203", "Gasoline", "3", "II", "D/E"), "UN 1203 GASOLINE, 3, II, (D/E)"),
    (("1017", "Chlorine", "2", None, "C/D"), "UN 1017 CHLORINE, 2, (C/D)"),
    (("3077", "Environmentally hazardous substance, solid, n.o.s.", "9", "III", "-"),
     "UN 3077 ENVIRONMENTALLY HAZARDOUS SUBSTANCE, SOLID, N.O.S., 9, III"),
])
def test_transport_document_line(args, expected):
    assert transport_line(*args) == expected


def test_waybill_numbers_carry_the_date_and_differ():
    numbers = {new_waybill_number(dt.date(2026, 11, 29)) for _ in range(200)}
    assert len(numbers) == 200
    assert all(re.fullmatch(r"YD20261129-[0-9A-HJKMNP-TV-Z]{6}", n) for n in numbers)


def test_refused_pairs_are_tied_to_the_later_line():
    found = Findings()
    blasting, gasoline, acid = (Entry("0081", "EXPLOSIVE, BLASTING, TYPE A", "1", "1.1D", labels=("1",)),
                                Entry("1203", "GASOLINE", "3", "F1", "II", ("3",)),
                                Entry("1830", "SULPHURIC ACID", "8", "C1", "II", ("8",)))
    mixed_loading_errors([("lines.0", blasting), ("lines.1", gasoline), ("lines.2", acid)], found)
    assert list(found.errors) == ["lines.1.batch_id", "lines.2.batch_id"]
    assert "may not travel with line 0" in found.errors["lines.1.batch_id"][0]
    assert "ADR 7.5.2.1" in found.errors["lines.1.batch_id"][0]


@pytest.mark.parametrize("load", [
    [("3", "3"), ("8", "8"), ("2", "2.3")],                     # ordinary classes together
    [("1", "1.4S", "1.4"), ("3", "3")],                         # division 1.4, group S
    [("1", "1.1D", "1"), ("1", "1.3C", "1")],                   # explosives of compatible groups
])
def test_allowed_loads(load):
    found = Findings()
    entries = [(f"lines.{i}", Entry(f"{i:04d}", "X", cls, code if cls == "1" else "", labels=(label,)))
               for i, (cls, *rest) in enumerate(load) for code, label in [(rest[0], rest[-1])]]
    mixed_loading_errors(entries, found)
    assert found.errors == {}


def test_the_planner_reads_the_whole_loads_code_for_its_carriage():
    """ADR 8.6.3.2 / 8.6.4: chlorine (C/D) beside gasoline (D/E) closes C, D, E to a tanker, D and E otherwise;
    1.1D explosives (B1000C) close B only above 1000 kg net explosive mass."""
    load = [WaybillLine(un_number="1017", hazard_class="2", tunnel_code="C/D"),
            WaybillLine(un_number="1203", hazard_class="3", packing_group="II", tunnel_code="D/E")]
    tanker = load_tunnel_code(load, tank=True)
    assert (tanker.code, tanker.closed) == ("C/D", ("C", "D", "E"))
    assert load_tunnel_code(load, tank=False).closed == ("D", "E")
    blasting = [WaybillLine(un_number="0081", hazard_class="1", tunnel_code="B1000C", quantity_kg=Decimal(600))]
    assert load_tunnel_code(blasting, tank=False).closed == ("C", "D", "E")
    blasting.append(WaybillLine(un_number="0084", hazard_class="1", tunnel_code="B1000C", quantity_kg=Decimal(600)))
    assert load_tunnel_code(blasting, tank=False).closed == ("B", "C", "D", "E")
