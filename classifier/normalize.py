"""Text normalization: HTML cleanup, NFKC (full-width → half-width), traditional → simplified, whitespace."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

import opencc

_TAG_HINT = re.compile(r"<[A-Za-z!/][^>]*>")
_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th"}
_SPACES = re.compile(r"[ \t\f\v\u00a0\u200b\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200c\u200d\u2060]")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, turning block tags into line breaks and dropping scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001 - HTMLParser signature
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Return the visible text of ``text`` if it looks like HTML, else ``text`` with entities decoded."""
    if not _TAG_HINT.search(text):
        return html.unescape(text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC (simplified input passes through unchanged)."""
    return _t2s().convert(text)


def normalize(text: str) -> str:
    """The canonical form every later step works on.

    HTML is stripped, NFKC folds full-width letters, digits and punctuation to half-width
    (，→ , ；→ ; ; 。、「」 have no half-width form and stay), traditional characters become simplified, control
    characters go, runs of spaces collapse to one and line breaks are kept (one per paragraph).
    """
    text = strip_html(text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    text = to_simplified(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()
