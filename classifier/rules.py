"""权责清单 matching: which duty rules (keywords → department) a normalized text triggers."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from classifier.features import Rows


class RuleMatcher:
    """Finds the rules whose keywords occur in a text, in one regex pass per text."""

    def __init__(self, rules: Sequence[dict]) -> None:
        self.rules = list(rules)
        self._by_keyword: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for kw in rule["keywords"]:
                self._by_keyword.setdefault(kw.lower(), []).append(i)
        words = sorted(self._by_keyword, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def matches(self, text: str) -> dict[int, list[str]]:
        """Rule index → the keywords of that rule found in ``text``."""
        found: dict[int, list[str]] = {}
        if self._pattern is None:
            return found
        for m in self._pattern.finditer(text.lower()):
            for i in self._by_keyword[m.group()]:
                kws = found.setdefault(i, [])
                if m.group() not in kws:
                    kws.append(m.group())
        return found

    def matrix(self, texts: Sequence[str]) -> sp.csr_matrix:
        """One 0/1 column per rule."""
        return self.rows(texts).tocsr()

    def rows(self, texts: Sequence[str]) -> Rows:
        """``matrix`` as CSR arrays (see :class:`classifier.features.Rows`)."""
        found = [sorted(self.matches(text)) for text in texts]
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(f) for f in found], out=indptr[1:])
        indices = np.fromiter((i for f in found for i in f), dtype=np.int64, count=int(indptr[-1]))
        return Rows(indptr, indices, np.ones(len(indices)), (len(texts), len(self.rules)))
