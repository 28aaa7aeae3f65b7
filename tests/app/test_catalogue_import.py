"""``hazledger catalogue import``: the shared UN/ADR list, idempotence, rejected rows, unusable files, the seed."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import cli
from app.data import SEED_CATALOGUE
from app.errors import ValidationFailed
from app.services.catalogue_import import import_catalogue
from models import Chemical

HEADER = "un_number,description,class,classification_code,tunnel\n"


def by_un(session, source: str) -> dict[str, Chemical]:
    return {c.un_number: c for c in session.scalars(select(Chemical).where(Chemical.source == source))}


def test_shared_adr_list_imports_once_and_reimports_as_unchanged(session, shared_data):
    text = (shared_data / "dangerous_goods" / "un_numbers_adr.csv").read_text(encoding="utf-8")
    first = import_catalogue(session, text, "adr")
    assert first.rows == 2437 == first.created + len(first.rejected)
    assert all(r["line"] > 1 and r["reason"] for r in first.rejected)
    # The rows rejected are the withdrawn UN numbers, whose class the list gives as "?" or "-4.2".
    assert {r["un_number"] for r in first.rejected} >= {"3001", "3049", "1270"}
    chemicals = by_un(session, "adr")
    assert len(chemicals) == first.created
    gasoline, chlorine = chemicals["1203"], chemicals["1017"]
    assert (gasoline.hazard_class, gasoline.tunnel_code, gasoline.transport_category) == ("3", "D/E", "2")
    assert (chlorine.name_en, chlorine.hazard_class, chlorine.classification_code, chlorine.tunnel_code) == (
        "CHLORINE", "2", "2TOC", "C/D")
    assert chemicals["0020"].tunnel_code is None  # "None" in the list: unknown, not "no restriction"

    chlorine.highly_toxic = True  # an administrator's flag: the list has no such column, so it must survive
    session.commit()
    again = import_catalogue(session, text, "adr")
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert again.rejected == first.rejected
    assert session.get(Chemical, chlorine.id).highly_toxic is True


@pytest.mark.parametrize("tunnel, category, code", [
    ("2 (D/E)", "2", "D/E"), ("(E)", None, "E"), ("C/D", None, "C/D"), ("See SP 671 (E)", None, "E"),
    ("- (-)", "-", "-"), ("None", None, None), ("", None, None), ("0 (B1000C)", "0", "B1000C"),
])
def test_tunnel_column_forms(session, tunnel, category, code):
    report = import_catalogue(session, HEADER + f'1203,GASOLINE,3,F1,"{tunnel}"\n', "t")
    assert report.created == 1, report.rejected
    chemical = by_un(session, "t")["1203"]
    assert (chemical.transport_category, chemical.tunnel_code) == (category, code)


def test_bad_rows_are_rejected_with_line_and_reason(session):
    text = HEADER + (
        "1203,GASOLINE,3,F1,2 (D/E)\n"
        "12A3,BROKEN,3,F1,2 (D/E)\n"          # line 3: not a UN number
        "1017,CHLORINE,2.9,2TOC,1 (C/D)\n"    # line 4: no such class
        "1230,METHANOL,3,FT1,2 (X)\n"         # line 5: no such tunnel code
        "1203,GASOLINE AGAIN,3,F1,2 (D/E)\n"  # line 6: the same UN number twice
        "1090,,3,F1,2 (D/E)\n"                # line 7: no name
        "1114,BEN\0ZENE,3,F1,2 (D/E)\n"        # line 8: a NUL byte
    )
    report = import_catalogue(session, text, "t")
    assert (report.rows, report.created) == (7, 1)
    reasons = {r["line"]: r["reason"] for r in report.rejected}
    assert set(reasons) == {3, 4, 5, 6, 7, 8} and "NUL" in reasons[8]
    assert "un_number" in reasons[3] and "class" in reasons[4] and "tunnel" in reasons[5]
    assert "first on line 2" in reasons[6] and "no name" in reasons[7]


def test_a_changed_row_is_updated_in_place(session):
    import_catalogue(session, HEADER + "1203,GASOLINE,3,F1,2 (D/E)\n", "t")
    report = import_catalogue(session, HEADER + "1203,MOTOR SPIRIT,3,F1,2 (D/E)\n", "t")
    assert (report.created, report.updated) == (0, 1)
    assert by_un(session, "t")["1203"].name_en == "MOTOR SPIRIT"


@pytest.mark.parametrize("text, reason", [
    ("", "empty"),
    ("un_number,name,class\n1203,x,3\n", "description or name_en or name_zh"),
    ("code,description,hazard\n1203,x,3\n", "un_number, class"),
    ('un_number,description,class\n1203,"unterminated,3\n', "not valid CSV"),
])
def test_an_unusable_file_writes_nothing(session, text, reason):
    before = session.scalar(select(func.count()).select_from(Chemical))
    with pytest.raises(ValidationFailed, match=reason):
        import_catalogue(session, text, "t")
    assert session.scalar(select(func.count()).select_from(Chemical)) == before


def test_seed_list_facts(session):
    report = import_catalogue(session, SEED_CATALOGUE.read_text(encoding="utf-8"), "cn_seed")
    assert (report.created, report.rejected) == (15, [])
    seed = by_un(session, "cn_seed")
    assert seed["1689"].highly_toxic and seed["1689"].cas_numbers == ["143-33-9"]
    assert seed["2031"].explosive_precursor and seed["2014"].explosive_precursor
    assert seed["1017"].key_supervised and seed["1017"].major_hazard_threshold_t == Decimal("5")
    assert seed["1203"].cas_numbers == ["86290-81-5", "8006-61-9"] and seed["1203"].tunnel_code == "D/E"
    assert not any(c.highly_toxic for un, c in seed.items() if un != "1689")


# --- the command line ------------------------------------------------------------------------------------------
@pytest.fixture
def run(fresh_database_url):
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, ["--database-url", fresh_database_url, "catalogue", *args])


def test_cli_seed_is_idempotent(run):
    first = run("seed", "--format", "json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 15
    again = run("seed")
    assert again.exit_code == 0 and "0 created, 0 updated, 15 unchanged, 0 rejected" in again.stdout


def test_cli_reports_rejected_rows_and_exits_0(run, tmp_path):
    file = tmp_path / "mine.csv"
    file.write_text(HEADER + "1203,GASOLINE,3,F1,2 (D/E)\n1017,CHLORINE,?,2TOC,1 (C/D)\n", encoding="utf-8")
    result = run("import", str(file))
    assert result.exit_code == 0, result.output
    assert "source 'mine': 1 created" in result.stdout and "line 3 (UN 1017): class" in result.stdout


@pytest.mark.parametrize("content, reason", [(None, "cannot read"), ("a,b\n1,2\n", "lacks the column")])
def test_cli_unusable_file_exits_2_with_one_line(run, tmp_path, content, reason):
    file = tmp_path / "catalogue.csv"
    if content is not None:
        file.write_text(content, encoding="utf-8")
    result = run("import", str(file))
    assert result.exit_code == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
