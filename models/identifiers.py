"""Validation of the identifiers the registry relies on (pure functions, no I/O)."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from app.text import Text

#: GB 32100-2015 character set (no I, O, S, V, Z) and weights of the 17 leading characters.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why *code* is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return Text("must be 18 characters, got {count}", count=len(code))
    bad = sorted({c for c in code if c not in _USCC_CHARS})
    if bad:
        return Text("contains characters outside the GB 32100 set: {characters}", characters="".join(bad))
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return Text("check character is {character}, expected {expected}", character=code[17], expected=expected)
    return None


def cas_check_digit(body: str) -> int:
    """The CAS Registry Number check digit for the digits before it (CAS, "Check Digit Verification")."""
    digits = [int(c) for c in body if c.isdigit()]
    return sum(position * digit for position, digit in enumerate(reversed(digits), start=1)) % 10


_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_problem(number: str) -> str | None:
    """Why *number* is not a valid CAS Registry Number (``NNNNNNN-NN-N``), or None when it is."""
    match = _CAS.match(number)
    if not match:
        return Text("must look like 67-56-1: 2 to 7 digits, 2 digits and a check digit, joined by hyphens")
    if match[1].startswith("0"):
        return Text("must not start with 0")
    expected = cas_check_digit(match[1] + match[2])
    if int(match[3]) != expected:
        return Text("check digit is {digit}, expected {expected}", digit=match[3], expected=expected)
    return None


def un_number_problem(number: str) -> str | None:
    """Why *number* is not a UN number (four digits, as in UN Model Regulations column 1), or None."""
    if not (len(number) == 4 and number.isascii() and number.isdigit()):
        return Text("must be exactly 4 digits, e.g. {example}", example="1203")
    if number == "0000":
        return Text("{number} is not assigned", number=number)
    return None


#: Province abbreviations on mainland plates (GA 36), one character each.
PROVINCES = "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
_LETTER = "A-HJ-NP-Z"  # I and O are never used, to avoid confusion with 1 and 0
_PLATES = (
    ("ordinary", re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{5}}$")),
    ("trailer", re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}挂$")),
    # GA 36-2018 new-energy plates: small vehicles D/F first, large vehicles D/F last.
    ("new-energy", re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9]\d{{4}}$")),
    ("new-energy", re.compile(rf"^[{PROVINCES}][{_LETTER}]\d{{5}}[DF]$")),
)


def normalize_plate(plate: str) -> str:
    """Upper case without the separators people type (``苏B·12345``, ``苏B 12345``)."""
    return re.sub(r"[\s·.\-]", "", plate).upper()


def plate_problem(plate: str) -> str | None:
    """Why *plate* (normalized) is not a mainland Chinese plate, or None when it is."""
    if not plate or plate[0] not in PROVINCES:
        return Text("must start with a province abbreviation ({provinces})", provinces=PROVINCES)
    if any(pattern.match(plate) for _kind, pattern in _PLATES):
        return None
    return Text("must be like {plate}, a new-energy plate like {small} or {large}, or a trailer like {trailer}",
                plate="苏B12345", small="苏BD12345", large="苏B12345D", trailer="苏B1234挂")


def is_trailer_plate(plate: str) -> bool:
    return plate.endswith("挂")


#: GB 11643-1999 weights of the 17 leading digits, and the check character for each remainder mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def national_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def national_id_problem(number: str) -> str | None:
    """Why *number* is not an 18-character citizen identity number (GB 11643), or None when it is."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return Text("must be 17 digits and a check character (a digit or X)")
    try:  # digits 7-14 are the holder's birth date
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return Text("birth date {date} is not a date", date=number[6:14])
    if born.year < 1800:
        return Text("birth year {year} is not plausible", year=born.year)
    expected = national_id_check_char(number[:17])
    if number[17] != expected:
        return Text("check character is {character}, expected {expected}", character=number[17], expected=expected)
    return None


def mask_national_id(number: str) -> str:
    """The form shown to people: region prefix and last four, e.g. ``3202**********1234``."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def terminal_phone_problem(number: str) -> str | None:
    """Why *number* is not a JT/T 808 terminal phone number (BCD: 12 digits in 2013, 20 in 2019), or None."""
    if not (number.isascii() and number.isdigit() and 11 <= len(number) <= 20):
        return Text("must be 11 to 20 digits (the SIM number, optionally zero-padded to 12 or 20)")
    return None


def uuid_or_none(text: str | None) -> uuid.UUID | None:
    """*text* as a UUID, or None when it is empty or not one (a query parameter, a form field, a feed's key,
    where a malformed id is simply one that names nothing)."""
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
