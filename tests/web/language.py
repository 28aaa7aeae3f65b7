"""The rule of one language per page (issue 19), applied to a page's HTML.

A page in Chinese may not show English sentences and a page in English may not show Chinese, outside data values:
names, addresses, numbers, codes, what people typed. Templates mark data with ``translate="no"`` (the HTML
attribute that tells translation tools the same) or ``data-value``; text marked as the other language (``lang``,
as the language switch and the national-format print of a waybill, a Chinese legal form, are) is that language on
purpose. ``<script>``, ``<style>`` and SVG tooltips (``<title>``, which repeat a shape's data beside its words) are
not read.

- In Chinese: no two English words in a row, separated only by spaces or punctuation (``GB 18218``, ``JSON``,
  ``km/h``, ``UN 1230``, ``WX-MEOH-001`` are single words, codes or units, not sentences).
- In English: no Chinese character (CJK ideographs and full-width punctuation).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
UNREAD = {"script", "style", "title", "noscript"}
#: Attributes whose text a reader sees or hears.
READ_ATTRIBUTES = ("placeholder", "aria-label", "alt")
_WORD = r"[A-Za-z][A-Za-z'’]*[A-Za-z](?![\w.-])"
ENGLISH_SENTENCE = re.compile(rf"(?<![\w.-]){_WORD}(?:[ \t\n,;:()]+{_WORD})+")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


class _Reader(HTMLParser):
    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # per open element: its tag, whether its text is skipped
        self.texts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other = values.get("lang") and not (values["lang"] or "").startswith(self.language)
        skip = (self._skipped() or tag in UNREAD or tag == "head" or values.get("translate") == "no"
                or "data-value" in values or bool(other))
        if not skip:
            self.texts += [values[name] or "" for name in READ_ATTRIBUTES if values.get(name)]
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipped() and dict(attrs).get("translate") != "no":
            self.texts += [value or "" for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        tags = [open_tag for open_tag, _skip in self.stack]
        if tag in tags:  # close it and whatever was left open inside it (an implied </li>, </p>)
            del self.stack[len(tags) - 1 - tags[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if not self._skipped() and data.strip():
            self.texts.append(data)


def read_texts(html: str, language: str) -> list[str]:
    """The words of *html* (a page in *language*) a reader meets, outside data and marked foreign text."""
    reader = _Reader(language)
    reader.feed(html)
    return reader.texts


def foreign(html: str, language: str) -> list[str]:
    """The bits of *html* in the other language than *language* (``zh`` or ``en``), outside data."""
    pattern = ENGLISH_SENTENCE if language == "zh" else CHINESE
    return [match for text in read_texts(html, language) for match in pattern.findall(text)]
