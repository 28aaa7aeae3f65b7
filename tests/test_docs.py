"""The README is the front door and the manual is the MkDocs site in docs/, built strict (issue 24)."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.paths import REPO

README = REPO / "README.md"


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
