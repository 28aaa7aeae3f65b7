"""Pure waybill rules: the status machine, the transport-document line, numbers, mixed loading."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from app.errors import Conflict
from app.services.waybills.documents import new_waybill_number, transport_line
from app.services.waybills.mixed_loading import Cargo, mixed_loading_conflicts
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


def test_explosives_do_not_travel_with_other_classes():
    load = [Cargo(1, "1", "1.1D"), Cargo(2, "3"), Cargo(3, "8")]
    conflicts = mixed_loading_conflicts(load)
    assert [(a, b) for a, b, _ in conflicts] == [(1, 2), (1, 3)]
    assert "ADR 7.5.2.1" in conflicts[0][2]


@pytest.mark.parametrize("load", [
    [Cargo(1, "3"), Cargo(2, "8"), Cargo(3, "2.3")],          # ordinary classes together
    [Cargo(1, "1", "1.4S"), Cargo(2, "3")],                     # division 1.4 is allowed
    [Cargo(1, "1", "1.1D"), Cargo(2, "1", "1.3C")],            # explosives among themselves
])
def test_allowed_loads(load):
    assert mixed_loading_conflicts(load) == []
