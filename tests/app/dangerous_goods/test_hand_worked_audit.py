"""ADR 2017 cases worked by hand from the text (the paragraph and the arithmetic in each case), run through the
public console ``hazledger rules tunnel|mix --format json`` on the shared Table A (the facts of column (15)).

Each case's expectation was derived from the paragraph cited and the Table A row, not from the engine; the cases
test_rule_cases.py already covers are not repeated. "Discrepancy" marks a case the engine answered wrongly before
this audit (see app/data/README.md, "Hand-worked audit").

Facts read from Table A (column (3b) classification, (15) transport category and tunnel code):
UN 0161 1.3C cat 1 C5000D; UN 0004 1.1D cat 1 B1000C; UN 0331 1.5D B1000C; UN 0332 1.5D B1000C;
UN 1001 2.1 cat 2 B/D; UN 1407, 1404, 1428 4.3 W2 cat 1 B/E; UN 1422 4.3 W1 cat 1 B/E; UN 1073 2.2+5.1 cat 3 C/E;
UN 1051 6.1 cat 0 D; UN 1203 3 cat 2 D/E;
UN 1090 3 cat 2 D/E; UN 1830 8 cat 2 E; UN 1805 8 cat 3 E; UN 0012 1.4S cat 4 E; UN 1017 2.3+5.1+8 cat 1 C/D.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import cli
from models import Role
from tests.factories import auth, make_user
from tests.paths import SHARED_DATA

TABLE_A = SHARED_DATA / "dangerous_goods" / "adr2017_table_a.csv"


@pytest.fixture
def rules():
    if not TABLE_A.is_file():
        pytest.skip(f"ADR 2017 Table A not found at {TABLE_A}")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, dict]:
        result = runner.invoke(cli, ["rules", "--table-a", str(TABLE_A), *args, "--format", "json"])
        assert result.exit_code in (0, 1), result.output
        return result.exit_code, json.loads(result.stdout)
    return run


# (case, references, options, code, closed categories). 8.6.4's table, read by hand:
#   B1000C: B closed above 1000 kg net explosive mass per transport unit, C, D, E always;
#   C5000D: C closed above 5000 kg, D, E always; X/Y: X onwards in tanks, Y onwards otherwise; D/E: D in bulk or
#   tanks. 8.6.3.2: the most restrictive code of the load governs; closed sets are nested (B ⊃ C ⊃ D ⊃ E).
TUNNELS = [
    ("8.6.4 C5000D at exactly 5000 kg: not 'exceeding', C open -> D, E",
     ("0161",), ("--explosive-mass-kg", "5000"), "C5000D", ["D", "E"]),
    ("8.6.4 C5000D at 5000.5 kg: exceeds 5000 -> C, D, E",
     ("0161",), ("--explosive-mass-kg", "5000.5"), "C5000D", ["C", "D", "E"]),
    ("8.6.4 B1000C at 1000.1 kg: exceeds 1000 -> B, C, D, E",
     ("0004",), ("--explosive-mass-kg", "1000.1"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.3.2 B1000C + C5000D, 3000 kg in all: B1000C closes B-E (3000 > 1000), C5000D only D-E (3000 <= 5000)",
     ("0004", "0161"), ("--explosive-mass-kg", "3000"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.3.2 B1000C + C5000D, 800 kg: B1000C closes C-E (800 <= 1000), C5000D D-E -> C, D, E",
     ("0004", "0161"), ("--explosive-mass-kg", "800"), "B1000C", ["C", "D", "E"]),
    ("8.6.3.2 B1000C + C5000D, 6000 kg: both above their mass; B1000C closes B-E",
     ("0161", "0004"), ("--explosive-mass-kg", "6000"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.4 1.5D blasting explosive UN 0331 is B1000C too: 1000 kg -> C, D, E",
     ("0331",), ("--explosive-mass-kg", "1000"), "B1000C", ["C", "D", "E"]),
    ("8.6.4 discrepancy: with quantities, a class 1 line's kg is its net explosive mass (what 1.1.3.6.3 counts): "
     "500 kg of UN 0004 <= 1000 -> C, D, E (was B-E, the mass read as unknown)",
     ("0004",), ("--quantity", "500 kg"), "B1000C", ["C", "D", "E"]),
    ("8.6.4: 600 kg of UN 0004 + 500 kg of UN 0161 = 1100 kg > 1000 -> B1000C closes B-E",
     ("0004", "0161"), ("--quantity", "600 kg", "--quantity", "500 kg"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.4: 0.5 t + 4.5 t of UN 0161 = 5000 kg, not exceeding 5000 -> C5000D closes D, E",
     ("0161", "0161"), ("--quantity", "0.5 t", "--quantity", "4.5 t"), "C5000D", ["D", "E"]),
    ("8.6.4: a stated net explosive mass wins over the quantities: 2000 kg -> B-E",
     ("0004",), ("--quantity", "500 kg", "--explosive-mass-kg", "2000"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.4: a class 1 quantity in litres is no mass: unknown, read as above 1000 -> B-E",
     ("0004",), ("--quantity", "0.4 L"), "B1000C", ["B", "C", "D", "E"]),
    ("8.6.4 B/D in packages (acetylene UN 1001): D, E", ("1001",), (), "B/D", ["D", "E"]),
    ("8.6.4 C/E in tanks (oxygen, refrigerated UN 1073): C, D, E", ("1073",), ("--tank",), "C/E", ["C", "D", "E"]),
    ("8.6.4 C/E in packages: E only", ("1073",), (), "C/E", ["E"]),
    ("8.6.4 B/E in tanks (sodium UN 1428): B-E", ("1428",), ("--tank",), "B/E", ["B", "C", "D", "E"]),
    ("8.6.4 B/E in packages: E only", ("1428",), (), "B/E", ["E"]),
    ("8.6.3.2 C/E beside D/E in packages: C/E closes E, D/E closes E; tie, one code closes E",
     ("1073", "1203"), (), "C/E", ["E"]),
    ("8.6.3.2 C/E beside D/E in tanks: C/E closes C-E, D/E D-E -> C/E", ("1073", "1203"), ("--tank",), "C/E",
     ["C", "D", "E"]),
    ("8.6.3.2 B/E beside D (UN 1051) in packages: B/E closes E, D closes D-E -> D governs",
     ("1428", "1051"), (), "D", ["D", "E"]),
    ("8.6.3.2 B/E beside D in tanks: B/E closes B-E -> B/E governs", ("1428", "1051"), ("--tank",), "B/E",
     ["B", "C", "D", "E"]),
]


@pytest.mark.parametrize("case, refs, options, code, closed", TUNNELS, ids=[c[0] for c in TUNNELS])
def test_tunnel_by_hand(rules, case, refs, options, code, closed):
    _, answer = rules("tunnel", *refs, *options)
    assert (answer["code"], answer["closed"]) == (code, closed)


# (case, references, quantities, exempt, points, code, closed). 1.1.3.6.3: at most 20 (category 1), 333 (2),
# 1000 (3) per transport unit when the goods are of one category; 1.1.3.6.4: of several categories,
# 50 x cat. 1 + 3 x cat. 2 + cat. 3 <= 1000 (note-a entries x 20, at most 50 kg); 8.6.3.3: an exempt load has no
# tunnel code.
SMALL_LOADS = [
    ("1.1.3.6.3 discrepancy: 333.2 L of UN 1203 alone (category 2) exceeds the table's 333 although "
     "3 x 333.2 = 999.6 <= 1000; not exempt, D/E closes E",
     ("1203",), ("333.2 L",), False, 999.6, "D/E", ["E"]),
    ("1.1.3.6.3/1.1.3.6.4: two category 2 entries 200 L + 133 L = 333 (table maximum): exempt, 999 points",
     ("1203", "1090"), ("200 L", "133 L"), True, 999, "-", []),
    ("1.1.3.6.3: two category 2 entries 200 L + 133.5 L = 333.5 > 333: not exempt (1000.5 points too)",
     ("1203", "1090"), ("200 L", "133.5 L"), False, 1000.5, "D/E", ["E"]),
    ("1.1.3.6.4: 333.2 L category 2 + 1 kg category 4 (1.4S UN 0012): different categories, 999.6 + 0 <= 1000",
     ("1203", "0012"), ("333.2 L", "1 kg"), True, 999.6, "-", []),
    ("1.1.3.6.4: category 2 (UN 1830, 8, II) 300 L x 3 = 900 + category 3 (UN 1805) 100 L = 1000: exempt",
     ("1830", "1805"), ("300 L", "100 L"), True, 1000, "-", []),
    ("1.1.3.6.4: the same + 0.1 L more of category 3: 1000.1 > 1000, not exempt; E",
     ("1830", "1805"), ("300 L", "100.1 L"), False, 1000.1, "E", ["E"]),
    ("1.1.3.6.3 discrepancy: sodium (UN 1428, 4.3 W2: a solid, 2.2.43.1.2) counts net mass although its tank code "
     "L10BN(+) starts with L (molten in tanks, 4.3.4.1.1); category 1 at its 20 kg: 20 x 50 = 1000, exempt",
     ("1428",), ("20 kg",), True, 1000, "-", []),
    ("1.1.3.6.3 discrepancy: caesium (UN 1407, W2) given in litres has no net mass without a density: not exempt "
     "(was counted as 15 L x 50 = 750); B/E in packages closes E",
     ("1407",), ("15 L",), False, None, "B/E", ["E"]),
    ("1.1.3.6.3: calcium hydride (UN 1404, W2, no tank code) is a solid: 10 kg x 50 = 500, exempt",
     ("1404",), ("10 kg",), True, 500, "-", []),
    ("1.1.3.6.3: potassium sodium alloys, liquid (UN 1422, W1) count litres: 21 L exceeds category 1's 20",
     ("1422",), ("21 L",), False, 1050, "B/E", ["E"]),
    ("1.1.3.6.3 note a + 1.1.3.6.4: chlorine 25 kg x 20 = 500 + 1.4S 10 kg x 0 = 500: exempt",
     ("1017", "0012"), ("25 kg", "10 kg"), True, 500, "-", []),
    ("1.1.3.6.3 category 0 (UN 1051): never exempt whatever the quantity; D closes D, E",
     ("1051",), ("0.001 kg",), False, None, "D", ["D", "E"]),
    ("1.1.3.6.3 class 2 refrigerated liquefied (code 3O) counts net mass: 1000 kg of UN 1073 (cat. 3) = 1000",
     ("1073",), ("1000 kg",), True, 1000, "-", []),
]


@pytest.mark.parametrize("case, refs, quantities, exempt, points, code, closed", SMALL_LOADS,
                         ids=[c[0] for c in SMALL_LOADS])
def test_small_load_by_hand(rules, case, refs, quantities, exempt, points, code, closed):
    options = [arg for quantity in quantities for arg in ("--quantity", quantity)]
    _, answer = rules("tunnel", *refs, *options)
    load = answer["small_load"]
    assert (load["exempt"], load["points"]) == (exempt, points), load["reasons"]
    assert (answer["code"], answer["closed"]) == (code, closed)


def test_small_load_refusal_names_the_category_maximum(rules):
    """The 333.2 L case says which paragraph refuses it (ADR 1.1.3.6.3, category 2's 333)."""
    _, answer = rules("tunnel", "1203", "--quantity", "333.2 L")
    assert any("1.1.3.6.3" in reason and "333" in reason for reason in answer["small_load"]["reasons"])


# (case, references, allowed). 7.5.2.1's table by labels (blank = prohibited, notes a-d), 7.5.2.2 by
# compatibility group (notes a-d).
MIXES = [
    ("7.5.2.1: 1.4S (UN 0012) with 4.1+1 (UN 3221): the 1.4 row is blank at 4.1+1, note a does not reach it",
     ("0012", "3221"), False),
    ("7.5.2.1: 1.4S with 5.2+1 (UN 3101): blank", ("0012", "3101"), False),
    ("7.5.2.1: 4.1+1 (UN 3221) with plain 4.1 (UN 1325 needs no label 1): the 4.1+1 row has X only at 4.1+1",
     ("3221", "1325"), False),
    ("7.5.2.1 note a: 1.4S with class 9 (UN 3082)", ("0012", "3082"), True),
    ("7.5.2.1 note a: 1.4S with class 8 + 5.1 (UN 2031/I)", ("0012", "2031/I"), True),
    ("7.5.2.1 note b: 1.5D (UN 0331) with life-saving appliances UN 2990", ("0331", "2990"), True),
    ("7.5.2.1 note b: 1.6N (UN 0486) with UN 3268", ("0486", "3268"), True),
    ("7.5.2.1 note b: 1.6N with another class 9 (UN 3077)", ("0486", "3077"), False),
    ("7.5.2.1 note b: 1.4G (fireworks UN 0336) with life-saving appliances not self-inflating UN 3072",
     ("0336", "3072"), True),
    ("7.5.2.1 note d: 1.5D blasting explosive type E (UN 0332) with ammonium nitrate emulsion UN 3375",
     ("0332", "3375/II/1"), True),
    ("7.5.2.1 note d: UN 0482 (1.5D, not a blasting explosive) with ammonium nitrate UN 1942: the 1.5 x 5.1 cell is "
     "note d only", ("0482", "1942"), False),
    ("7.5.2.1: 1.6N with 5.1 (UN 1942): blank (note d is in the 1 and 1.5 rows only)", ("0486", "1942"), False),
    ("7.5.2.2 note a: 1.4B detonators (UN 0255) with 1.1D (UN 0004): B with D refused unless separated as approved",
     ("0255", "0004"), False),
    ("7.5.2.2: 1.4B with 1.4S (UN 0456)", ("0255", "0456"), True),
    ("7.5.2.2: 1.1B (UN 0029) with 1.1B (UN 0030): same group", ("0029", "0030"), True),
    ("7.5.2.2: 1.1G (UN 0121) with 1.3C (UN 0161): C with G", ("0121", "0161"), True),
    ("7.5.2.2: 1.1G with 1.1F (UN 0005): F only with F and S", ("0121", "0005"), False),
    ("7.5.2.2 notes b/c: 1.6N with 1.3C: allowed, N counted as D", ("0486", "0161"), True),
]


@pytest.mark.parametrize("case, refs, allowed", MIXES, ids=[c[0] for c in MIXES])
def test_mixed_loading_by_hand(rules, case, refs, allowed):
    exit_code, answer = rules("mix", *refs)
    assert answer["allowed"] is allowed, answer["reasons"]
    assert exit_code == (0 if allowed else 1)
    assert all("ADR 7.5.2" in reason or "ADR Table A" in reason for reason in answer["reasons"])


@pytest.mark.parametrize("query, code, closed, exempt", [
    # 8.6.4: 500 kg of UN 0004 is the net explosive mass, <= 1000 -> C, D, E
    ("entry=0004&quantity=500%20kg", "B1000C", ["C", "D", "E"], False),
    # 1.1.3.6.3: 333.2 L of category 2 alone exceeds 333 -> not exempt, D/E in packages closes E
    ("entry=1203&quantity=333.2%20L", "D/E", ["E"], False),
    # 1.1.3.6.3 / 2.2.43.1.2: 20 kg of sodium (solid, category 1) = 1000 points -> exempt, no code (8.6.3.3)
    ("entry=1428&quantity=20%20kg", "-", [], True),
])
def test_the_api_answers_as_the_console(client, session, query, code, closed, exempt):
    """``GET /api/v1/rules/tunnel`` on the shared Table A gives the hand-worked answers too."""
    if not TABLE_A.is_file():
        pytest.skip(f"ADR 2017 Table A not found at {TABLE_A}")
    firm = auth(make_user(session, Role.ENTERPRISE)[1])
    body = client.get(f"/api/v1/rules/tunnel?{query}", headers=firm).get_json()
    assert (body["code"], body["closed"], body["small_load"]["exempt"]) == (code, closed, exempt)
