"""The gettext catalogues (issue 19): complete for Chinese, compiled on demand, and the API's problem documents in
the language the client asks for (English, the documented language, when it asks for none)."""
from __future__ import annotations

import pickle
import re
import shutil
import uuid
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n import CATALOGUES, Text, compile_catalogues
from models import Role
from models.identifiers import national_id_problem, plate_problem, terminal_phone_problem, uscc_problem
from models.waste import category_problem, characteristics_problem, code_problem
from tests.factories import auth, make_user
from tests.paths import REPO


def _keywords() -> dict[str, tuple]:
    """The Makefile's ``KEYWORDS`` as Babel's keyword specs (``L_:1c,2`` → ``((1, 'c'), 2)``)."""
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^KEYWORDS := ((?:.*\\\n)*.*)$", text, re.M)[1].replace("\\\n", " ")
    specs: dict[str, tuple] = {}
    for keyword in re.findall(r"-k (\S+)", line):
        name, _, spec = keyword.partition(":")
        parts = spec.split(",") if spec else []
        specs[name] = tuple((int(p[:-1]), "c") if p.endswith("c") else int(p) for p in parts) or None
    return specs


def _extracted() -> set[tuple[str | None, str]]:
    with (REPO / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(str(REPO), method_map, options_map, keywords=_keywords())
    return {(context, message if isinstance(message, str) else message[0])
            for _file, _line, message, _comments, context in found}


def _catalogue(locale: str):
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_every_text_of_the_pages_and_the_api_has_its_chinese() -> None:
    extracted = _extracted()
    assert len(extracted) > 400
    chinese = {(m.context, m.id): m.string for m in _catalogue("zh") if m.id}
    assert sorted((m for m in extracted if not chinese.get(m)), key=str) == []
    assert not [m.id for m in _catalogue("zh") if m.fuzzy and m.id]


def test_the_catalogues_list_nothing_the_sources_no_longer_say() -> None:
    extracted = _extracted()
    for locale in ("zh", "en"):
        assert sorted((m for m in _catalogue(locale) if m.id and (m.context, m.id) not in extracted), key=str) == []


def test_the_placeholders_of_each_translation_are_the_messages_own() -> None:
    placeholders = re.compile(r"\{(\w+)[^}]*\}")
    for message in _catalogue("zh"):
        if message.id and message.string and "{" in message.id:
            assert set(placeholders.findall(message.string)) <= set(placeholders.findall(message.id)), message.id


def test_the_models_validators_messages_are_catalogued() -> None:
    chinese = {m.id: m.string for m in _catalogue("zh")}
    problems = [plate_problem(plate) for plate in ("", "XB12345", "苏B1")]
    problems += [uscc_problem("913"), uscc_problem("9132020OMA1XIXXXX0"), national_id_problem("32"),
                 national_id_problem("32020019991301123X"), terminal_phone_problem("12ab"), category_problem("HW99"),
                 code_problem("900-041"), code_problem("900-041-99"), characteristics_problem([])]
    for problem in problems:
        assert chinese.get(problem.template), problem


def test_a_catalogue_newer_than_its_compiled_form_is_compiled_again(tmp_path: Path) -> None:
    copy = tmp_path / "translations"
    shutil.copytree(CATALOGUES / "zh", copy / "zh", ignore=shutil.ignore_patterns("*.mo"))
    assert compile_catalogues(copy) == [copy / "zh" / "LC_MESSAGES" / "messages.mo"]
    assert compile_catalogues(copy) == []


def test_a_message_with_values_is_its_english_and_keeps_its_template() -> None:
    text = Text("No waybill {id}.", id="W-1")
    assert text == "No waybill W-1." and text.template == "No waybill {id}." and text.values == {"id": "W-1"}
    copied = pickle.loads(pickle.dumps(text))
    assert copied == text and copied.template == text.template
    assert Text("{plate} is not permitted for class {cls}", plate="苏B1", cls="3") == "苏B1 is not permitted for class 3"


def test_the_api_answers_in_the_language_the_client_asks_for(client, session) -> None:
    token = make_user(session, Role.ADMIN)[1]
    path = f"/api/v1/waybills/{uuid.uuid4()}"
    english = client.get(path, headers=auth(token)).get_json()
    assert english["detail"].startswith("No waybill ")
    chinese = client.get(path, headers={**auth(token), "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_json()
    assert chinese["detail"].startswith("没有运单 ") and chinese["code"] == english["code"] == "not_found"
    assert client.get(path, headers={**auth(token), "Accept-Language": "fr"}).get_json()["detail"] == english["detail"]


def test_the_api_field_errors_follow_accept_language(client, session) -> None:
    token = make_user(session, Role.ADMIN)[1]
    headers = {**auth(token), "Accept-Language": "zh"}
    body = client.post("/api/v1/enterprises", json={}, headers=headers).get_json()
    assert body["status"] == 422 and "必填项缺失。" in {m for messages in body["errors"].values() for m in messages}
    assert body["detail"] == "请求中有无效字段。"
    english = client.post("/api/v1/enterprises", json={}, headers=auth(token)).get_json()
    assert "Missing data for required field." in {m for messages in english["errors"].values() for m in messages}


def test_a_registry_404_names_its_kind_in_the_readers_language(client, session) -> None:
    from app.services.registry import NOT_FOUND
    from app.services.sites import SITES

    assert SITES.label in NOT_FOUND
    token = make_user(session, Role.ADMIN)[1]
    path = f"/api/v1/sites/{uuid.uuid4()}"
    assert client.get(path, headers=auth(token)).get_json()["detail"].startswith("No site ")
    assert client.get(path, headers={**auth(token), "Accept-Language": "zh"}).get_json()["detail"].startswith("没有场所 ")
