"""One language per page (issue 19): every page each role can open, in Chinese and in English, in a real browser;
a sentence of the other language outside data values fails (the rule: ``tests/web/language.py``)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.web.conftest import LiveSite
from tests.web.language import foreign
from tests.web.test_browser import menu, sign_in, sign_out
from tests.web.test_page_languages import BAD_CATALOGUE

pytestmark = pytest.mark.slow

#: Each role's pages beyond its menu ({trip}: the demo's waybill in transit; TRACE: the first batch traced).
DETAILS = {
    "demo-supervisor": ["/", "/waybills/{trip}", "/waybills/{trip}/print", "/waybills/{trip}/live", "TRACE",
                        "/waybills/00000000-0000-0000-0000-000000000000"],  # a 404 page
    "demo-auditor": ["TRACE"],
    "demo-shipper": ["/firm/consignments", "/firm/consignments/new"],
    "demo-carrier": ["/firm/consignments", "/waybills/{trip}/live"],
    "demo-consignee": [],
    "demo-disposer": [],
    "demo-police": [],
    "demo-admin": [],
}


def _pages(browser: Any, site: LiveSite, name: str) -> list[str]:
    pages = [*menu(browser), *DETAILS[name]]
    if "TRACE" in pages:
        browser.get(site("/trace"))
        first = browser.find_element(By.CSS_SELECTOR, "a[href^='/trace/']").get_attribute("pathname")
        pages[pages.index("TRACE")] = first
    return [page.format(**site.world) for page in dict.fromkeys(pages)]


def _choose(browser: Any, language: str) -> None:
    browser.add_cookie({"name": "hazledger_lang", "value": language, "path": "/"})


def _catalogue_report(browser: Any, site: LiveSite, folder: Path) -> str:
    """The import report of a catalogue file every row of which is refused (nothing is written): each row's
    reasons are sentences of the page, not data."""
    upload = folder / "refused.csv"
    upload.write_text(BAD_CATALOGUE, encoding="utf-8")
    browser.get(site("/admin/catalogue"))
    browser.find_element(By.ID, "file").send_keys(str(upload))
    browser.find_element(By.ID, "source").send_keys("language-walk")
    browser.find_element(By.ID, "import-catalogue").click()
    assert browser.find_element(By.ID, "report-rejected").text == "3"
    return browser.page_source


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_speaks_one_language(browser: Any, live_site: LiveSite, language: str, tmp_path: Path) -> None:
    found: dict[str, list[str]] = {}
    sign_out(browser)
    browser.get(live_site("/login"))
    _choose(browser, language)
    browser.get(live_site("/login"))
    found["/login"] = foreign(browser.page_source, language)
    walked = 1
    for name in DETAILS:
        sign_in(browser, live_site, name)
        _choose(browser, language)
        for page in _pages(browser, live_site, name):
            browser.get(live_site(page))
            html = browser.page_source
            assert re.search(rf'<html lang="{language}', html) or page.endswith("/print"), page
            bad = foreign(html, language)
            if bad:
                found[f"{name} {page}"] = bad
            walked += 1
        if name == "demo-admin":
            found[f"{name} catalogue import report"] = foreign(_catalogue_report(browser, live_site, tmp_path),
                                                               language)
    assert walked > 25
    assert {page: bad for page, bad in found.items() if bad} == {}


def test_the_rule_finds_a_sentence_of_the_other_language() -> None:
    """The rule itself: data marked as such is let through, a stray sentence is not."""
    page = ('<p>运单 <span translate="no">Demo no-entry zone</span> 已生成 WX-MEOH-001 · GB 18218 · 20 km/h</p>'
            '<button lang="en">English</button>')
    assert foreign(page, "zh") == []
    assert foreign("<p>运单 off the corridor</p>", "zh") == ["off the corridor"]
    assert foreign('<p>Waybill <span translate="no">无锡</span> issued <b lang="zh-CN">中文</b></p>', "en") == []
    assert foreign("<p>Waybill issued: 已生成</p>", "en") == ["已生成"]


def test_the_rule_reads_a_dropdowns_options() -> None:
    """A form's options are words of the page unless marked as data (an enterprise's name, a batch code)."""
    page = ('<select><option value="">—</option><option>运输中</option><option>In transit</option>'
            '<option translate="no">Demo Chemicals Ltd</option></select>')
    assert foreign(page, "zh") == ["In transit"]
    assert foreign('<select><option>In transit</option><option translate="no">无锡化工</option></select>', "en") == []
    assert foreign("<select><option>运输中</option></select>", "en") == ["运输中"]
