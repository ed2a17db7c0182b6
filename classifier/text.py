"""One call that takes raw text to what every later step uses: normalized text, its PII and the masked copy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from classifier import normalize, pii


@dataclass(frozen=True)
class PreparedText:
    normalized: str
    masked: str
    spans: tuple[pii.PiiSpan, ...]

    @property
    def pii_types(self) -> list[str]:
        """The kinds of personal data found, each once, in order of first appearance."""
        return list(dict.fromkeys(s.type for s in self.spans))


def prepare(raw: str, *, names: Sequence[str] = ()) -> PreparedText:
    """Normalize ``raw`` and mask its personal data (including the submitter's own ``names``)."""
    normalized = normalize.normalize(raw)
    masked, spans = pii.redact(normalized, names=tuple(normalize.normalize(n) for n in names if n))
    return PreparedText(normalized, masked, tuple(spans))
