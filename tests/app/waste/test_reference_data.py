"""The national list's reference tables the project ships agree with the rules that validate declarations."""
from __future__ import annotations

import datetime as dt

import pytest

from app.errors import ValidationFailed
from app.services.waste.codes import Declaration, categories, checked, codes, edition_in_force
from models.waste import CHARACTERISTICS, UNUSED_CATEGORIES, category_problem, code_problem


def test_every_category_number_is_listed_and_the_unused_ones_agree():
    table = categories()
    assert list(table) == [f"HW{n:02d}" for n in range(1, 51)]
    assert [c for c, row in table.items() if not row.in_use] == list(UNUSED_CATEGORIES)
    assert sum(row.in_use for row in table.values()) == 46
    assert all((category_problem(c) is None) == row.in_use for c, row in table.items())


def test_every_code_is_well_formed_in_its_category_with_known_characteristics():
    for code, row in codes().items():
        assert code_problem(code, row.category) is None, code
        assert row.characteristics and set(row.characteristics) <= set(CHARACTERISTICS), code
        assert categories()[row.category].in_use, code
    assert {"900-041-49", "900-249-08", "900-402-06"} <= set(codes())


@pytest.mark.parametrize("declaration, category", [
    (Declaration("900-041-49", ("T", "In")), "HW49"),
    (Declaration("900-249-08", ("I",), "HW08"), "HW08"),
])
def test_a_valid_declaration_gets_its_category(declaration, category):
    assert checked(declaration, codes().get(declaration.code)).category == category


@pytest.mark.parametrize("code", ["999-999-08", "261-151-50"])
def test_a_well_formed_code_the_table_does_not_know_is_refused(code):
    """Made-up codes used to pass when well formed; now only the shipped table's or an administrator's."""
    with pytest.raises(ValidationFailed) as refused:
        checked(Declaration(code, ("T",)), codes().get(code))
    assert "not in the shipped 名录 table" in refused.value.errors["waste_code"][0]


def test_characteristics_outside_the_listed_ones_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        checked(Declaration("900-249-08", ("C",)), codes().get("900-249-08"), prefix="outputs.1.")
    assert list(refused.value.errors) == ["outputs.1.waste_characteristics"]


@pytest.mark.parametrize("day, edition", [
    (dt.date(2020, 12, 31), "2021"), (dt.date(2021, 1, 1), "2021"), (dt.date(2024, 12, 31), "2021"),
    (dt.date(2025, 1, 1), "2025"), (dt.date(2026, 12, 6), "2025"),
])
def test_the_edition_in_force(day, edition):
    """名录 2021 from 2021-01-01; 名录 2025 from 2025-01-01 (the earliest day the project knows is 2021's)."""
    assert edition_in_force(day) == edition
