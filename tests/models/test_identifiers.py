"""Identifier and vocabulary checks: real examples and near misses."""
import uuid

import pytest

from models.catalogue import class_covers, hazard_class_problem, scope_class_problem, tunnel_code_problem
from models.identifiers import (
    cas_problem, is_trailer_plate, mask_national_id, national_id_problem, normalize_plate, plate_problem,
    terminal_phone_problem, un_number_problem, uscc_problem, uuid_or_none,
)

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


# --- CAS Registry Numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize("number", [
    "67-56-1",      # methanol
    "7664-41-7",    # ammonia
    "7782-50-5",    # chlorine
    "7732-18-5",    # water
    "86290-81-5",   # gasoline
    "143-33-9",     # sodium cyanide
    "8008-60-4",    # opium, entry 1 of the 2015 catalogue
    "22831-39-6", "39404-03-0",  # magnesium silicide's two numbers
])
def test_real_cas_numbers_are_valid(number):
    assert cas_problem(number) is None


@pytest.mark.parametrize("number, reason", [
    ("67-56-2", "check digit is 2, expected 1"),
    ("7664-14-7", "check digit"),       # two digits transposed
    ("67561", "must look like"),        # no hyphens
    ("6-56-1", "must look like"),       # first part too short
    ("12345678-56-1", "must look like"),
    ("067-56-1", "must not start with 0"),
    ("67-56-X", "must look like"),
])
def test_cas_near_misses(number, reason):
    assert reason in cas_problem(number)


# --- UN numbers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["1203", "1017", "0004", "3550"])
def test_un_numbers(number):
    assert un_number_problem(number) is None


@pytest.mark.parametrize("number", ["UN1203", "203", "12030", "12a3", "0000", "１２０３", ""])
def test_un_number_near_misses(number):
    assert un_number_problem(number) is not None


# --- licence plates -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("plate", [
    "苏B12345", "苏BD12345", "苏BFA1234", "苏B12345D", "苏B1234挂", "京A0A123", "粤BZ9999", "新A12345",
])
def test_plates(plate):
    assert plate_problem(plate) is None


@pytest.mark.parametrize("plate, reason", [
    ("港B12345", "province"),       # Hong Kong plates are not mainland plates
    ("B12345", "province"),
    ("苏I12345", "must be like"),    # I is never an issuing letter
    ("苏B1234", "must be like"),     # one short
    ("苏B123456", "must be like"),   # one long, and not new-energy (no D/F)
    ("苏B12345挂", "must be like"),  # a trailer has four characters
    ("苏BO1234", "must be like"),    # O is never used
    ("苏B12345E", "must be like"),   # large new-energy ends in D or F only
])
def test_plate_near_misses(plate, reason):
    assert reason in plate_problem(plate)


def test_plates_are_normalized_before_checking():
    assert normalize_plate(" 苏b·12345 ") == "苏B12345"
    assert is_trailer_plate("苏B1234挂") and not is_trailer_plate("苏B12345")


# --- GB 11643 citizen identity numbers ----------------------------------------------------------------------
# The standard's own example, and a textbook one.
@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_national_ids(number):
    assert national_id_problem(number) is None


@pytest.mark.parametrize("number, reason", [
    ("110105194912310021", "check character is 1, expected X"),
    ("11010519491231002x", "17 digits"),       # lower-case x
    ("11010519491331002X", "not a date"),      # month 13
    ("11010519490229002X", "not a date"),      # 1949 was not a leap year
    ("1101051949123100X", "17 digits"),        # one short
    ("110105491231002", "17 digits"),          # the old 15-digit form
])
def test_national_id_near_misses(number, reason):
    assert reason in national_id_problem(number)


def test_masking_keeps_region_and_last_four():
    assert mask_national_id("320205199001011234") == "3202**********1234"


# --- JT/T 808 terminal phone numbers --------------------------------------------------------------------------
@pytest.mark.parametrize("number, ok", [
    ("13912345678", True), ("013912345678", True), ("00000000013912345678", True),
    ("1391234567", False), ("139-1234-5678", False), ("000000000013912345678", False),
])
def test_terminal_phone(number, ok):
    assert (terminal_phone_problem(number) is None) is ok


# --- hazard classes and tunnel codes ----------------------------------------------------------------------------
@pytest.mark.parametrize("scope, hazard_class, covered", [
    ("3", "3", True), ("6", "6.1", True), ("6.1", "6.1", True), ("6.1", "6.2", False), ("6", "3", False),
    ("2", "2", True), ("4.1", "4", False),
])
def test_class_scope(scope, hazard_class, covered):
    assert class_covers(scope, hazard_class) is covered


def test_catalogue_vocabularies():
    assert hazard_class_problem("6.1") is None and hazard_class_problem("6") is not None
    assert scope_class_problem("6") is None and scope_class_problem("10") is not None
    assert tunnel_code_problem("C/D") is None and tunnel_code_problem("2 (D/E)") is not None


def test_uuid_or_none_reads_any_form_of_a_uuid_and_nothing_else():
    value = uuid.uuid4()
    assert uuid_or_none(str(value)) == uuid_or_none(value.hex) == uuid_or_none(str(value).upper()) == value
    for text in (None, "", "not-a-uuid", str(value)[:-1]):
        assert uuid_or_none(text) is None
