"""One regex for a set of words, shaped as a trie: ``re`` tries an alternation of hundreds of words one by one at
every position of the text; a trie shares their prefixes."""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_pattern(words: Iterable[str]) -> str:
    """A regex matching the longest of ``words`` at the leftmost position, shaped as a trie (fast in ``re``)."""
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        parts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not parts:
            return ""
        alt = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        return f"(?:{alt})?" if "" in node else alt

    return build(root)
