"""The README is the front door and the manual is the MkDocs site in docs/, built strict (issue 24)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO

README = REPO / "README.md"
GUIDES = REPO / "docs" / "guides"
#: The browser tests that write the guides' screenshots (``make screenshots``), and how they name each one.
SCREENSHOT_TESTS = REPO / "tests" / "web" / "test_workflow_browser.py"
WRITTEN = re.compile(r'role_screenshot\(\w+, "([\w-]+)"\)')


def test_the_readme_is_a_front_door():
    text = README.read_text("utf-8")
    assert len(text) < 12_000
    for must in ("make run", "make test", "make run PORT=", "## Quick tour", "docs/"):
        assert must in text, must


def test_the_readmes_links_lead_to_files_that_exist():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text("utf-8"))
    assert links
    for link in links:
        assert (REPO / link).exists(), link


def test_the_site_builds_strict(tmp_path):
    # strict: a broken link or anchor, a page missing from the navigation, a nav entry without its page all fail
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir",
                            str(tmp_path / "site")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "guides" / "carrier" / "index.html").exists()


def test_the_guides_show_the_screenshots_the_browser_tests_write():
    """Each image a guide shows is a screenshot a workflow browser test writes (``make screenshots``), kept
    small; each screenshot they write is shown; nothing else lies in the folder: the two cannot drift apart."""
    written = set(WRITTEN.findall(SCREENSHOT_TESTS.read_text("utf-8")))
    images = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
    shown = {image for page in GUIDES.glob("*.md") for image in images.findall(page.read_text("utf-8"))}
    assert len(written) >= 4 and shown
    for image in shown:
        path = GUIDES / image
        assert path.parent == GUIDES / "img" and path.suffix == ".png" and path.stem in written, image
        assert path.is_file() and path.stat().st_size <= 150_000, image
    assert {Path(image).stem for image in shown} == written
    assert {path.name for path in (GUIDES / "img").iterdir()} == {Path(image).name for image in shown}
