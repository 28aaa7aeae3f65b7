"""GB 32100 unified social credit codes: real examples and near misses."""
import pytest

from models.identifiers import uscc_problem

REAL = ["91330100799655058B", "914403001922038216", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert uscc_problem(code) is None


@pytest.mark.parametrize("code, reason", [
    ("91330100799655058C", "check character"),      # last character off by one
    ("91330100799655085B", "check character"),      # two digits transposed
    ("9133010079965505B", "18 characters"),          # one short
    ("91330100799655058I", "outside"),               # I is not in the set
    ("91330100799655058b", "outside"),               # lower case
])
def test_near_misses_are_refused(code, reason):
    assert reason in uscc_problem(code)
