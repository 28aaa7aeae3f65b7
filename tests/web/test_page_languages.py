"""The sentences the services make, on the pages in the reader's language (issue 19): a catalogue import's
rejected rows, a waybill's kept warnings, the ledger's problems. Each page in Chinese has no English sentence and
in English no Chinese one outside data (the rule: ``tests/web/language.py``); the browser walk
(``test_language.py``) reads the pages a demo shows, these the ones a demo has no problem for."""
from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.web import verification
from models import Role, User
from tests.app.test_api_language import warned_waybill
from tests.app.ledger.test_chain import _disable_triggers
from tests.app.waybills.conftest import build_trip
from tests.web.language import foreign
from tests.web.test_pages import csrf, person, sign_in  # noqa: F401 - person is a fixture

#: A catalogue file every row of which is refused, each for other reasons (nothing is written).
BAD_CATALOGUE = ("un_number,class,name_en,cas_numbers,highly_toxic,tunnel,major_hazard_category\n"
                 "12,3,METHANOL,67-56-2,maybe,2 (Z),W99\n"
                 "1230,99,,,yes,,\n"
                 "0000,3,X,,,,\n")


def _words(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _both(client: FlaskClient, path: str) -> dict[str, str]:
    pages = {}
    for language in ("zh", "en"):
        client.set_cookie("hazledger_lang", language)
        pages[language] = client.get(path).get_data(as_text=True)
    return pages


def test_a_catalogue_imports_rejected_rows_speak_the_pages_language(
        client: FlaskClient, person: Callable[..., User]) -> None:  # noqa: F811
    sign_in(client, person(Role.ADMIN))
    for language in ("zh", "en"):
        client.set_cookie("hazledger_lang", language)
        reply = client.post("/admin/catalogue", content_type="multipart/form-data", data={
            "file": (io.BytesIO(BAD_CATALOGUE.encode()), "bad.csv"), "source": f"bad-{language}",
            "csrf_token": csrf(client, "/admin/catalogue")})
        page = reply.get_data(as_text=True)
        assert reply.status_code == 200 and 'id="report-rejected">3<' in page, page
        assert foreign(page, language) == [], language
    assert "check digit is 2, expected 1" in _words(page) and "'maybe' is not yes or no" in _words(page)


def test_a_waybills_kept_warnings_speak_the_pages_language(
        client: FlaskClient, session: Session, person: Callable[..., User]) -> None:  # noqa: F811
    waybill_id = warned_waybill(client, session, build_trip(session))
    sign_in(client, person(Role.SUPERVISOR))
    pages = _both(client, f"/waybills/{waybill_id}")
    assert {language: foreign(page, language) for language, page in pages.items()} == {"zh": [], "en": []}
    assert "剧毒化学品" in _words(pages["zh"]) and "(易制爆): the public-security filing" in _words(pages["en"])


@pytest.fixture
def fresh_verification() -> Iterator[None]:
    """The pages keep a verification for a minute: a tampered ledger's must not outlive its test."""
    verification._last.clear()
    yield
    verification._last.clear()


def test_the_ledgers_problems_speak_the_pages_language(client: FlaskClient, session: Session,
                                                       person: Callable[..., User],  # noqa: F811
                                                       fresh_verification: None) -> None:
    build_trip(session)
    session.commit()
    _disable_triggers(session)
    session.execute(text("UPDATE ledger_entries SET document_ref = 'forged' WHERE sequence = 1"))
    sign_in(client, person(Role.AUDITOR))
    pages = _both(client, "/trace?verify=1")
    assert all('class="verification broken"' in page for page in pages.values())
    assert {language: foreign(page, language) for language, page in pages.items()} == {"zh": [], "en": []}
    assert "the entry was altered" in pages["en"]
