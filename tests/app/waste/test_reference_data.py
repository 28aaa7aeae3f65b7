"""The national list's reference tables the project ships agree with the rules that validate declarations."""
from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.services.waste.codes import Declaration, categories, checked, codes
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
    (Declaration("261-151-50", ("T",)), "HW50"),  # well formed, of HW50, not in the shipped table: accepted
])
def test_a_valid_declaration_gets_its_category(declaration, category):
    assert checked(declaration).category == category


def test_characteristics_outside_the_listed_ones_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        checked(Declaration("900-249-08", ("C",)), prefix="outputs.1.")
    assert list(refused.value.errors) == ["outputs.1.waste_characteristics"]
