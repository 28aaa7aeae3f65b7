"""The catalogue after import (issue 24): one chemical per substance, Table A's entries attached by UN number."""
from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import cli
from app.data import SEED_CATALOGUE
from app.services.catalogue_import import import_catalogue
from app.services.transport_entries import import_table_a, stored_table
from models import Chemical, TransportEntry

TABLE_A_HEADER = ("un_number,name,class,classification_code,packing_group,labels,special_provisions,tank_code,"
                  "transport_category,tunnel_code,hazard_id\n")


def seeded(session) -> dict[str, Chemical]:
    import_catalogue(session, SEED_CATALOGUE.read_text(encoding="utf-8"), "cn_seed")
    return {c.un_number: c for c in session.scalars(select(Chemical).where(Chemical.source == "cn_seed"))}


def test_the_un_list_makes_no_english_twin_of_a_seeded_chemical(session, shared_data):
    seed = seeded(session)
    report = import_catalogue(session, (shared_data / "dangerous_goods" / "un_numbers_adr.csv").read_text(), "adr")
    assert report.merged == 15
    methanol = session.scalars(select(Chemical).where(Chemical.un_number == "1230")).all()
    assert methanol == [seed["1230"]]
    assert (methanol[0].name_zh, methanol[0].key_supervised, methanol[0].major_hazard_threshold_t) == (
        "甲醇", True, 500)
    assert seed["1689"].highly_toxic and seed["2031"].explosive_precursor
    assert (seed["1017"].labels, seed["1230"].labels) == ("2.3+5.1+8", "3+6.1")
    # a UN number no one held is still created, in English
    assert session.scalar(select(Chemical.name_en).where(Chemical.un_number == "1098")) == "ALLYL ALCOHOL"


def test_the_un_list_fills_only_what_a_seeded_chemical_lacks(session):
    seed = seeded(session)
    header = "un_number,description,class,classification_code,tunnel\n"
    import_catalogue(session, header + "1005,AMMONIA SOLUTION,8,XX,3 (E)\n", "mine")
    ammonia = seed["1005"]
    assert (ammonia.name_en, ammonia.hazard_class, ammonia.tunnel_code) == ("AMMONIA, ANHYDROUS", "2", "C/D")
    assert ammonia.classification_code == "2TC"


def test_table_a_import_attaches_entries_and_keeps_the_seed(session, shared_data):
    seed = seeded(session)
    report = import_table_a(session, (shared_data / "dangerous_goods" / "adr2017_table_a.csv").read_text(), "adr")
    assert (report.rows, report.created, report.rejected) == (2914, 2914, [])
    assert report.chemicals_kept == 15 and len(report.notes) == 12
    assert session.scalar(select(func.count()).select_from(TransportEntry)) == 2914
    # one chemical per UN number: the seed's 汽油 is gasoline, no English twin beside it
    assert session.scalars(select(Chemical).where(Chemical.un_number == "1203")).all() == [seed["1203"]]
    # UN numbers no one held get one chemical each, however many entries they have (UN 1993: six)
    nos = session.scalars(select(Chemical).where(Chemical.un_number == "1993")).all()
    assert len(nos) == 1 and nos[0].packing_group is None and nos[0].hazard_class == "3"
    # nothing is made for entries that do not travel (carriage prohibited / not subject to ADR)
    assert session.scalar(select(func.count()).select_from(Chemical).where(Chemical.un_number == "2186")) == 0
    table = stored_table(session)
    assert len(table) == 2914 and [e.ref for e in table.candidates("1993/II")] == ["1993/II/1", "1993/II/2"]
    again = import_table_a(session, (shared_data / "dangerous_goods" / "adr2017_table_a.csv").read_text(), "adr")
    assert (again.created, again.updated, again.unchanged, again.chemicals_created) == (0, 0, 2914, 0)


def test_table_a_rows_it_cannot_read_are_reported_by_line(session):
    text = TABLE_A_HEADER + (
        "1203,MOTOR SPIRIT or GASOLINE or PETROL,3,F1,II,3,243,LGBF,2,D/E,33\n"
        "12X3,BROKEN,3,F1,II,3,,,2,D/E,33\n"                 # line 3
        "1017,CHLORINE,2.9,2TOC,,2.3+5.1+8,,,1,C/D,265\n"     # line 4: no class 2.9
        "1230,METHANOL,3,FT1,IV,3+6.1,,,2,D/E,336\n"          # line 5: no PG IV
        "1090,ACETONE,3,F1,II,3,,,2,Q/Z,33\n"                 # line 6: no such tunnel code
        "1114,BENZENE,3,F1,II,3+7Q,,,2,D/E,33\n"              # line 7: no label model 7Q
    )
    report = import_table_a(session, text, "mine")
    assert report.created == 1
    assert [line.split(" ")[1] for line in report.rejected] == ["3", "4", "5", "6", "7"]


def test_cli_imports_table_a_and_rules_read_the_catalogue(fresh_database_url, shared_data, monkeypatch):
    monkeypatch.delenv("HAZLEDGER_ADR_TABLE_A", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", fresh_database_url, "catalogue", "import",
                                 str(shared_data / "dangerous_goods" / "adr2017_table_a.csv"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 2914
    line = runner.invoke(cli, ["--database-url", fresh_database_url, "rules", "line", "1017", "--format", "json"])
    assert line.exit_code == 0, line.output
    assert json.loads(line.stdout) == {"line": "UN 1017 CHLORINE, 2.3 (5.1, 8), (C/D)"}
