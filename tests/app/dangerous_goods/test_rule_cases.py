"""The rules' table of cases: each taken from the ADR 2017 text (the paragraph named), on Table A's facts.

Counter-examples from issue 16 are marked "issue 16": the engine approved or printed them wrongly before.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.services.dangerous_goods.document_line import document_line
from app.services.dangerous_goods.entries import Entry, EntryError
from app.services.dangerous_goods.mixed_loading import mixed_loading
from app.services.dangerous_goods.queries import line_facts, tunnel_of
from app.services.dangerous_goods.small_loads import LoadLine, QuantityError, small_load
from app.services.dangerous_goods.tunnels import load_restriction

_LINE = line_facts

# (paragraph, reference, options, expected line or None when the rule refuses to write one)
LINES = [
    ("5.4.1.1.1 (c) issue 16", "1017", {}, "UN 1017 CHLORINE, 2.3 (5.1, 8), (C/D)"),
    ("5.4.1.1.1 (c), (d) issue 16", "1230", {}, "UN 1230 METHANOL, 3 (6.1), II, (D/E)"),
    ("5.4.1.1.1 example", "1098", {}, "UN 1098 ALLYL ALCOHOL, 6.1 (3), I, (C/D)"),
    ("3.1.2.1 issue 16: first alternative", "1203", {}, "UN 1203 MOTOR SPIRIT, 3, II, (D/E)"),
    ("3.1.2.1: chosen alternative", "1203", {"name": "GASOLINE"}, "UN 1203 GASOLINE, 3, II, (D/E)"),
    ("3.1.2.1: chosen alternative, any case", "1203/II", {"name": "petrol"}, "UN 1203 PETROL, 3, II, (D/E)"),
    ("3.1.2.1: a name not offered", "1203", {"name": "DIESEL"}, None),
    ("5.4.1.1.1 (c) class 1 issue 16", "0336", {}, "UN 0336 FIREWORKS, 1.4G, (E)"),
    ("5.4.1.1.1 (c) class 1 with subsidiary labels", "0018", {},
     "UN 0018 AMMUNITION, TEAR-PRODUCING, 1.2G (6.1, 8), (B1000C)"),
    ("5.4.1.1.1 (c) class 1, variant with label 8", "0016/-/2", {}, "UN 0016 AMMUNITION, SMOKE, 1.3G (8), (C5000D)"),
    ("3.1.2.1: lower-case text is description", "0004", {}, "UN 0004 AMMONIUM PICRATE, 1.1D, (B1000C)"),
    ("3.1.2.8.1 issue 16: n.o.s. with technical name", "1993/I", {"technical_name": "ethyl acetate"},
     "UN 1993 FLAMMABLE LIQUID, N.O.S. (ethyl acetate), 3, I, (D/E)"),
    ("3.1.2.8.1: n.o.s. without technical name", "1993/I", {}, None),
    ("3.1.2.8.1, 5.4.1.1.1 (k): code '-' not shown", "3082", {"technical_name": "mineral oil"},
     "UN 3082 ENVIRONMENTALLY HAZARDOUS SUBSTANCE, LIQUID, N.O.S. (mineral oil), 9, III"),
    ("5.4.1.1.1 (c) lithium batteries: class 9", "3480", {}, "UN 3480 LITHIUM ION BATTERIES, 9, (E)"),
    ("5.4.1.1.1 (c) class 7: the class number", "2977", {}, "UN 2977 RADIOACTIVE MATERIAL, URANIUM HEXAFLUORIDE, "
     "FISSILE, 7, (C)"),
    ("5.4.1.1.1 (c): class 8 with 6.1 (transcribed as class '8 + 6.1')", "2815", {},
     "UN 2815 N-AMINOETHYLPIPERAZINE, 8 (6.1), III, (E)"),
    ("5.4.1.1.1 (c) gas 2.3 with 8", "1005", {}, "UN 1005 AMMONIA, ANHYDROUS, 2.3 (8), (C/D)"),
    ("3.1.2.1: integral prefix alpha-", "2937", {}, "UN 2937 alpha-METHYLBENZYL ALCOHOL, LIQUID, 6.1, III, (E)"),
    ("3.1.2.1: two names, the first", "1170/II", {}, "UN 1170 ETHANOL (ETHYL ALCOHOL), 3, II, (D/E)"),
    ("3.1.2.1: two names, the second", "1170/II", {"name": "ETHANOL SOLUTION (ETHYL ALCOHOL SOLUTION)"},
     "UN 1170 ETHANOL SOLUTION (ETHYL ALCOHOL SOLUTION), 3, II, (D/E)"),
    ("5.4.1.1.1 (d): packing group of the entry chosen", "1170/III", {},
     "UN 1170 ETHANOL SOLUTION (ETHYL ALCOHOL SOLUTION), 3, III, (D/E)"),
    ("Table A column (4): carriage prohibited", "2186", {}, None),
    ("Table A column (4): not subject to ADR", "1910", {}, None),
    ("5.4.1.1.1 (k): tunnel code left out when no restricted tunnel is passed", "1017", {"tunnel": False},
     "UN 1017 CHLORINE, 2.3 (5.1, 8)"),
]


@pytest.mark.parametrize("paragraph, ref, options, expected", LINES, ids=[c[0] for c in LINES])
def test_document_line(table_a, paragraph, ref, options, expected):
    entry = table_a.resolve(ref, _LINE)
    if expected is None:
        with pytest.raises(EntryError):
            document_line(entry, **options)
    else:
        assert document_line(entry, **options) == expected


# (paragraph, references, allowed, a word every refusal names)
MIXES = [
    ("7.5.2.1 note a issue 16: 1.4G with class 3", ("0336", "1203"), False, "note a"),
    ("7.5.2.1 issue 16: self-reactive type B (4.1+1) with class 3", ("3221", "1203"), False, "4.1+1"),
    ("7.5.2.2 issue 16: 1.1A with 1.1D", ("0129", "0084"), False, "7.5.2.2"),
    ("7.5.2.1 note b issue 16: 1.1D with life-saving appliances", ("0084", "2990"), True, None),
    ("7.5.2.1 note b: 1.1D with UN 3072", ("0084", "3072"), True, None),
    ("7.5.2.1 note b: 1.1D with another class 9", ("0084", "3082"), False, "note b"),
    ("7.5.2.1 note a: 1.4S with class 3", ("0337", "1203"), True, None),
    ("7.5.2.1 note a: 1.4S with class 2 (labels 2.3, 5.1, 8)", ("0323", "1017"), True, None),
    ("7.5.2.1 note a: 1.4G with class 2", ("0336", "1017"), False, "note a"),
    ("7.5.2.1 notes a-c: 1.4G with class 9 not life-saving", ("0336", "3082"), False, "7.5.2.1"),
    ("7.5.2.1 note b: 1.4G with UN 2990", ("0336", "2990"), True, None),
    ("7.5.2.1 note c: UN 0503 with UN 3268", ("0503", "3268"), True, None),
    ("7.5.2.1 note d: blasting explosive with ammonium nitrate", ("0084", "1942"), True, None),
    ("7.5.2.1 note d: not UN 0083", ("0083", "1942"), False, "note d"),
    ("7.5.2.1 note d: with potassium nitrate", ("0084", "1486"), True, None),
    ("7.5.2.1 note d: 1.5D with ammonium nitrate fertilizer", ("0331", "2067"), True, None),
    ("7.5.2.1 note d: class 1 with another 5.1 label", ("0084", "1017"), False, "note d"),
    ("7.5.2.1: class 1 with class 3", ("0084", "1203"), False, "7.5.2.1"),
    ("7.5.2.1: class 1 (1.1) with 6.1", ("0004", "1230"), False, "7.5.2.1"),
    ("7.5.2.1: 2 with 3 and 6.1", ("1017", "1230"), True, None),
    ("7.5.2.1: 3, 8 and 2", ("1203", "1830", "1005"), True, None),
    ("7.5.2.1: 4.1+1 with 4.1+1", ("3221", "3222"), True, None),
    ("7.5.2.1: 5.2+1 with 5.2+1", ("3101", "3102"), True, None),
    ("7.5.2.1: 5.2+1 with 4.1+1", ("3101", "3221"), False, "5.2+1"),
    ("7.5.2.1: 5.2+1 with class 3", ("3101", "1203"), False, "5.2+1"),
    ("7.5.2.1: class 7 with class 3", ("2977", "1203"), True, None),
    ("7.5.2.1: class 1 with class 7", ("0084", "2977"), False, "7.5.2.1"),
    ("7.5.2.1: label 9A counts as 9, not life-saving", ("3480", "0084"), False, "note b"),
    ("7.5.2.2: D with F", ("0084", "0005"), False, "compatibility groups"),
    ("7.5.2.2: D with E", ("0084", "0006"), True, None),
    ("7.5.2.2: D with G (1.1D with 1.4G)", ("0004", "0336"), True, None),
    ("7.5.2.2: G with S", ("0336", "0337"), True, None),
    ("7.5.2.2 note a: B with D", ("0029", "0084"), False, "note a"),
    ("7.5.2.2: B with S", ("0029", "0455"), True, None),
    ("7.5.2.2 note d: L with L of another type", ("0248", "0249"), False, "note d"),
    ("7.5.2.2 note d: L with the same type", ("0248", "0248"), True, None),
    ("7.5.2.2: S not with L", ("0248", "0337"), False, "7.5.2.2"),
    ("7.5.2.2: S not with A", ("0129", "0337"), False, "7.5.2.2"),
    ("7.5.2.2 note c: N with D", ("0486", "0084"), True, None),
    ("7.5.2.2: F with F", ("0005", "0007"), True, None),
    ("7.5.2.2: H with J", ("0243", "0247"), False, "7.5.2.2"),
    ("7.5.2.2: 1.4G with 1.1F", ("0336", "0005"), False, "7.5.2.2"),
    ("7.5.2.2: C with G (1.3C with 1.3G)", ("0161", "0010"), True, None),
    ("Table A column (4): a prohibited entry refuses the load", ("2186", "1203"), False, "prohibited"),
]


@pytest.mark.parametrize("paragraph, refs, allowed, cited", MIXES, ids=[c[0] for c in MIXES])
def test_mixed_loading(table_a, paragraph, refs, allowed, cited):
    decision = mixed_loading([table_a.resolve(ref, _LINE) for ref in refs])
    assert decision.allowed is allowed, decision.reasons
    if allowed:
        assert decision.reasons == []
    else:
        assert decision.reasons and all("ADR" in reason for reason in decision.reasons)
        assert any(cited in reason for reason in decision.reasons), decision.reasons


def test_mixed_loading_conditions_name_their_note(table_a):
    decision = mixed_loading([table_a.resolve("0486", _LINE), table_a.resolve("0084", _LINE)])
    assert decision.allowed and any("7.5.2.2 note c" in c for c in decision.conditions)


# (paragraph, references, tank, net explosive mass kg, code, closed categories)
TUNNELS = [
    ("8.6.4 C/D in tanks", ("1017",), True, None, "C/D", "CDE"),
    ("8.6.4 C/D other carriage", ("1017",), False, None, "C/D", "DE"),
    ("8.6.4 D/E in bulk or tanks", ("1203",), True, None, "D/E", "DE"),
    ("8.6.4 D/E other carriage", ("1203",), False, None, "D/E", "E"),
    ("8.6.3.2: the most restrictive code for the whole load", ("1203", "1017"), False, None, "C/D", "DE"),
    ("8.6.3.2: the whole load in tanks", ("1203", "1230", "1017"), True, None, "C/D", "CDE"),
    ("8.6.4 B1000C above 1000 kg", ("0004",), False, Decimal(1500), "B1000C", "BCDE"),
    ("8.6.4 B1000C up to 1000 kg", ("0004",), False, Decimal(1000), "B1000C", "CDE"),
    ("8.6.4 B1000C mass unknown: the stricter reading", ("0004",), False, None, "B1000C", "BCDE"),
    ("8.6.4 C5000D above 5000 kg", ("0161",), False, Decimal(6000), "C5000D", "CDE"),
    ("8.6.4 C5000D up to 5000 kg", ("0161",), False, Decimal(4000), "C5000D", "DE"),
    ("8.6.4 B", ("0129",), False, Decimal(1), "B", "BCDE"),
    ("8.6.4 B/D in tanks", ("1510",), True, None, "B/D", "BCDE"),
    ("8.6.4 B/D other carriage", ("1510",), False, None, "B/D", "DE"),
    ("8.6.4 D", ("1051",), False, None, "D", "DE"),
    ("8.6.4 E", ("1830",), True, None, "E", "E"),
    ("8.6.3.1 '-': no restriction", ("3082",), True, None, "-", ""),
    ("8.6.3.2: '-' with E", ("3082", "1830"), False, None, "E", "E"),
    ("8.6.3.2: B/D beside C/D in packages: both close D, E; B/D is listed first", ("1510", "1017"), False, None,
     "B/D", "DE"),
    ("8.6.3.2: B/D beside C/D in tanks", ("1510", "1017"), True, None, "B/D", "BCDE"),
    ("Table A per entry issue 16: UN 1993 PG I", ("1993/I",), False, None, "D/E", "E"),
    ("Table A per entry: UN 1993 PG III, viscous variant", ("1993/III/2",), True, None, "E", "E"),
]


@pytest.mark.parametrize("paragraph, refs, tank, mass, code, closed", TUNNELS, ids=[c[0] for c in TUNNELS])
def test_tunnel_restriction(table_a, paragraph, refs, tank, mass, code, closed):
    answer = load_restriction([table_a.resolve(ref, lambda e: e.tunnel_code) for ref in refs], tank=tank,
                              explosive_mass_kg=mass)
    assert (answer.code, "".join(answer.closed)) == (code, closed)


def test_an_ambiguous_reference_names_the_entries(table_a):
    """UN 1993 PG III has three rows, with codes D/E, E, E: the reference must name one."""
    with pytest.raises(EntryError, match="1993/III/1.*1993/III/2"):
        table_a.resolve("1993/III", lambda e: e.tunnel_code)
    assert table_a.resolve("1993/II", lambda e: e.tunnel_code).tunnel_code == "D/E"  # both PG II rows agree


def test_table_a_reads_every_row_and_names_the_oddities(table_a):
    assert len(table_a) == 2914
    assert len(table_a.entries) == 2318
    assert table_a.problems == []
    assert len(table_a.notes) == 12 and all("no tunnel code" in note for note in table_a.notes)
    assert table_a.candidates("3480")[0].hazard_class == "9"            # class "9A" in the transcription
    assert sum(e.carriage == "carriage prohibited" for rows in table_a.entries.values() for e in rows) == 14
    assert sum(e.carriage == "not subject to ADR" for rows in table_a.entries.values() for e in rows) == 14
    assert len(table_a.candidates("1993")) == 6


def test_case_table_is_large_enough():
    assert len(LINES) + len(MIXES) + len(TUNNELS) >= 60


def test_waste_precedes_the_un_number(table_a):
    """ADR 5.4.1.1.3: ``WASTE, UN 1230 METHANOL, 3 (6.1), II, (D/E)``."""
    entry = table_a.resolve("1230", line_facts)
    assert document_line(entry, waste=True) == "WASTE, UN 1230 METHANOL, 3 (6.1), II, (D/E)"


# (paragraph, references, quantities, tank, exempt, 1.1.3.6.4 points, the load's code, closed categories)
SMALL_LOADS = [
    ("1.1.3.6.3 / 8.6.3.3: 300 L of UN 1203 (category 2) is 900 points, exempt: no tunnel code", ("1203",),
     ("300 L",), False, True, 900, "-", ""),
    ("1.1.3.6.3 / 8.6.3.3: 333 L of category 2, the table's limit", ("1203",), ("333L",), False, True, 999, "-", ""),
    ("1.1.3.6.4: 400 L of UN 1203 is 1200 points, not exempt: D/E", ("1203",), ("400 L",), False, False, 1200,
     "D/E", "E"),
    ("1.1.3.6.3: pint converts: 0.3 m³ of UN 1203 is 300 L", ("1203",), ("0.3 m**3",), False, True, 900, "-", ""),
    ("1.1.3.6.4: category 1 (× 50) with category 3 (× 1), summed: 500 + 400", ("1052/I", "1006"),
     ("10 L", "400 L"), False, True, 900, "-", ""),
    ("1.1.3.6.4: category 1 with category 3 over 1000: C/D governs", ("1052/I", "1006"), ("10 L", "600 L"), False,
     False, 1100, "C/D", "DE"),
    ("1.1.3.6.3 note a / 1.1.3.6.4: 50 kg of chlorine × 20 = 1000", ("1017",), ("50 kg",), False, True, 1000, "-", ""),
    ("1.1.3.6.3 note a: 51 kg of chlorine, over its 50 kg", ("1017",), ("51 kg",), False, False, 1020, "C/D", "DE"),
    ("1.1.3.6.3: category 4 counts nothing", ("0012", "1203"), ("5000 kg", "300 L"), False, True, 900, "-", ""),
    ("1.1.3.6.3: a solid by net mass (kg)", ("1323",), ("300 kg",), False, True, 900, "-", ""),
    ("1.1.3.6.3: compressed gas by the receptacle's capacity in litres", ("1006",), ("1000 L",), False, True, 1000,
     "-", ""),
    ("1.1.3.6.1: in a tank, never exempt", ("1203",), ("100 L",), True, False, None, "D/E", "DE"),
    ("1.1.3.6.3: category 0 never exempt", ("2814/-/3",), ("1 kg",), False, False, None, "E", "E"),
    ("1.1.3.6.3: category 0 beside a small category 3 load", ("1006", "2814/-/3"), ("10 L", "1 kg"), False, False,
     None, "E", "E"),
    ("1.1.3.6.3: a liquid in kg has no litres without a density", ("1203",), ("300 kg",), False, False, None,
     "D/E", "E"),
    ("1.1.3.6.3: a liquefied gas in litres has no net mass without a density", ("1017",), ("10 L",), False, False,
     None, "C/D", "DE"),
    ("1.1.3.6.3: category unknown ('-' in the transcription) never exempt", ("3373/-/2",), ("1 L",), False, False,
     None, "-", ""),
    ("1.1.3.6.3: no tank code, not class 1-3: not told kg or litres, not exempt", ("1310",), ("1 kg",), False, False,
     None, "B", "BCDE"),
]


@pytest.mark.parametrize("paragraph, refs, quantities, tank, exempt, points, code, closed", SMALL_LOADS,
                         ids=[c[0] for c in SMALL_LOADS])
def test_small_loads(table_a, paragraph, refs, quantities, tank, exempt, points, code, closed):
    answer = tunnel_of(table_a, refs, tank=tank, quantities=quantities)
    load = answer.small_load
    assert load.exempt is exempt, load.reasons
    assert load.points == (None if points is None else Decimal(points))
    assert (answer.code, "".join(answer.closed)) == (code, closed)
    if exempt:
        assert load.reasons == () and any("8.6.3.3" in note for note in answer.notes)
    else:
        assert load.reasons and all("ADR" in reason for reason in load.reasons), load.reasons


def test_small_load_lines_say_their_points(table_a):
    load = tunnel_of(table_a, ("1052/I", "1006"), quantities=("10 L", "400 L")).small_load
    assert [(line.transport_category, line.measure, line.points) for line in load.lines] == [
        ("1", "L", Decimal(500)), ("3", "L", Decimal(400))]


@pytest.mark.parametrize("quantities", [("300",), ("L",), ("300 m",), ("300 parsec",), ("-3 L",), ("1 L", "2 L")])
def test_small_load_bad_quantities_are_refused(table_a, quantities):
    """Not a quantity, neither a mass nor a volume, or not one per entry: bad input, never 'not exempt'."""
    with pytest.raises(QuantityError):
        tunnel_of(table_a, ("1203",), quantities=quantities)


def test_an_unknown_never_exempts():
    """ADR 1.1.3.6: a line whose category, quantity or carriage is not known keeps the whole load from it."""
    entry = Entry("1203", "MOTOR SPIRIT", "3", "F1", "II", tank_code="LGBF", transport_category="2",
                  tunnel_code="D/E")
    assert small_load([LoadLine(entry, Decimal(1), "L")]).exempt
    assert not small_load([LoadLine(entry, None, None)]).exempt
    assert not small_load([LoadLine(entry, Decimal(1), "L", packages=None)]).exempt
    assert not small_load([LoadLine(Entry("1203", "X", "3", "F1", tunnel_code="D/E"), Decimal(1), "L")]).exempt
    assert not small_load([]).exempt


def test_no_quantities_leave_the_answer_as_before(table_a):
    answer = tunnel_of(table_a, ("1203",))
    assert (answer.code, answer.closed, answer.small_load) == ("D/E", ("E",), None)
