"""Near-duplicate detection: does a new submission describe the same problem as an open case at its station?

Texts are compared on their problem content, not their address: place spans, house numbers, PII placeholders
and filler are dropped, then a weighted overlap of *concepts* (a small lexicon of the problems constituents
raise, e.g. 窗户/窗子 → window, 漏风/往里灌 → leak) is blended with a char-bigram cosine; two different objects
(window vs heating) or two different faults of one object (cold vs leaking radiator) cut the score. Whether a
similar case may be joined is then gated on station, place, house numbers and topic/department.

Thresholds, from the paired set in tests/triage/test_dedupe.py (56 paraphrase pairs, 49 same-address pairs
with different problems): paraphrases score 0.47–0.94, 52 of them ≥ 0.58; the different-problem pairs score
0.00–0.48. AUTO_THRESHOLD = 0.58 sits a 0.1 margin above the highest negative; SUGGEST_THRESHOLD = 0.40 lets
the weaker paraphrases (sparse or unknown vocabulary) reach a person, at the cost of 3 of 49 negatives also
reaching review. Unknown vocabulary is the weak spot: extend _LEXICON, not the thresholds.

`bench/dedupe.py` runs the whole intake on pairs written apart from all this: `dev` (the lexicon was extended
on it) and `held_out` (never used to tune). Its figures are in README.md. A known gap: "the case's place named in
the new text" looks one way only (the case keeps one place), and for the place's official name, not its aliases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import NamedTuple

from triage.dedupe_lexicon import FILLER as _FILLER
from triage.dedupe_lexicon import KIND_WEIGHTS as _KIND_WEIGHTS
from triage.dedupe_lexicon import LEXICON as _LEXICON
from triage.trie import trie_pattern

AUTO_THRESHOLD = 0.58
SUGGEST_THRESHOLD = 0.4

_MASK = re.compile(r"〔[^〔〕]{1,8}〕")
_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")}
# House numbers: 281号, 12号楼, 3栋, 三单元, 十二号楼 (never a date such as 11月5号, nor 这一栋 or 两栋楼).
_HOUSE = re.compile(
    r"(?<![\d月])(\d+)\s*(号楼(?![道梯])|号院|号|栋|幢|单元)"
    r"|(?<![这那每哪月一二三四五六七八九十])([一二三四五六七八九十]{1,3})(号楼(?![道梯])|号院|号|单元)"
)
_STREET_BEFORE_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,3}(?:大街|街|路|道)(?=\s*\d)")
_UNIT = {"号楼": "栋", "栋": "栋", "幢": "栋", "号院": "院", "号": "号", "单元": "单元"}
_SEGMENT = re.compile(r"[\u4e00-\u9fffa-z]+")


def _parse_lexicon(text: str) -> tuple[dict[str, frozenset[str]], dict[str, float], dict[str, str]]:
    surfaces: dict[str, set[str]] = {}
    kinds: dict[str, str] = {}
    for line in text.strip().splitlines():
        head, _, body = line.partition(":")
        concept, kind = head.split()
        for word in body.split():
            surfaces.setdefault(word, set())
            if concept != "-":
                surfaces[word].add(concept)
        if concept != "-":
            kinds[concept] = kind
    weights = {c: _KIND_WEIGHTS[k] for c, k in kinds.items()}
    return {w: frozenset(c) for w, c in surfaces.items()}, weights, kinds


_SURFACES, _WEIGHTS, _KINDS = _parse_lexicon(_LEXICON)


# The bit masks below count shared weight in quarters and shared squared weight in sixteenths: exact only while
# every kind's weight is a multiple of 1/2 (as 2.0, 1.5, 1.0, 0.5 are).
if any((4 * w) % 1 or (16 * w * w) % 1 for w in _KIND_WEIGHTS.values()):
    raise ValueError("dedupe: every concept kind's weight must be a multiple of 1/2")


def _unary_masks(size: dict[str, int]) -> dict[str, int]:
    """Disjoint runs of ``size[c]`` one-bits, one run per concept (sorted by name)."""
    masks, at = {}, 0
    for c in sorted(size):
        masks[c] = ((1 << size[c]) - 1) << at
        at += size[c]
    return masks


_WEIGHT_BITS = _unary_masks({c: round(4 * w) for c, w in _WEIGHTS.items()})
_SQUARE_BITS = _unary_masks({c: round(16 * w * w) for c, w in _WEIGHTS.items()})
_OBJECTS = frozenset(c for c, k in _KINDS.items() if k == "O")
_SYMPTOMS = frozenset(c for c, k in _KINDS.items() if k == "S")
_CONCEPT_RE = re.compile(trie_pattern(_SURFACES))  # the longest surface at each position
_FILLER_RE = re.compile(trie_pattern(_FILLER.split()))


@dataclass(frozen=True)
class Signature:
    """What a text is compared on: its concepts (and which are objects, which symptoms), char bigrams, numbers.

    The concepts are also kept as bit masks with their summed weight,
    so that :func:`compare` weighs shared concepts by counting bits instead of walking sets: each concept owns
    4·weight bits of ``weight_bits`` and 16·weight² bits of ``square_bits`` (every weight is a multiple of 1/2)."""

    core: str
    concepts: frozenset[str]
    objects: frozenset[str]
    symptoms: frozenset[str]
    grams: frozenset[str]
    houses: tuple[tuple[str, str], ...]  # (unit, number), e.g. ("号", "281")
    concept_norm: float
    weight_bits: int
    square_bits: int
    concept_weight: float


def _house(match: re.Match[str]) -> tuple[str, str]:
    """('号楼', '十二') → ('栋', '12'): the kind of number and its value in digits."""
    digits, unit, chinese, cn_unit = match.groups()
    return _UNIT[unit or cn_unit], str(int(digits)) if digits else _cn_number(chinese)


def _cn_number(token: str) -> str:
    """'三' → '3', '十二' → '12', '二十三' → '23'; anything else (e.g. '十二三') stays as written."""
    tens, ten, ones = token.partition("十")
    try:
        if not ten:
            return "".join(str(_CN_DIGITS[ch]) for ch in token)
        return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    except KeyError:
        return token


def _strip_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each (merged) span replaced by a separator."""
    merged: list[list[int]] = []
    for start, end in sorted((max(s, 0), min(e, len(text))) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = text
    for start, end in reversed(merged):
        out = out[:start] + "|" + out[end:]
    return out


@lru_cache(maxsize=4096)
def _signature(text: str, spans: tuple[tuple[int, int], ...]) -> Signature:
    body = _MASK.sub("|", _strip_spans(text, spans)).lower()
    body = _STREET_BEFORE_NUMBER.sub("|", body)
    houses = tuple(sorted({_house(m) for m in _HOUSE.finditer(body)}))
    body = _HOUSE.sub("|", body)
    concepts = frozenset(c for m in _CONCEPT_RE.finditer(body) for c in _SURFACES[m.group()])
    grams: set[str] = set()
    for seg in _SEGMENT.findall(_FILLER_RE.sub("|", body)):
        grams.update([seg] if len(seg) == 1 else (seg[i : i + 2] for i in range(len(seg) - 1)))
    norm = sum(_WEIGHTS[c] ** 2 for c in concepts) ** 0.5
    core = "".join(_SEGMENT.findall(body))
    return Signature(core, concepts, concepts & _OBJECTS, concepts & _SYMPTOMS, frozenset(grams), houses, norm,
                     sum(_WEIGHT_BITS[c] for c in concepts), sum(_SQUARE_BITS[c] for c in concepts),
                     sum(_WEIGHTS[c] for c in concepts))


def signature(text: str, spans: Sequence[tuple[int, int]] = ()) -> Signature:
    """The precomputable part of a comparison (cached per text and spans)."""
    return _signature(text, tuple((int(s), int(e)) for s, e in spans))


def compare(a: Signature, b: Signature) -> float:
    """Similarity of two signatures, 0..1 (symmetric)."""
    if a.core and a.core == b.core:
        return 1.0
    if not a.weight_bits & b.weight_bits and a.grams.isdisjoint(b.grams):
        return 0.0  # nothing in common (about half of all pairs): what the formula below gives, sooner
    concept = 0.0
    if a.concept_norm and b.concept_norm:
        # Shared weight and shared squared weight by counting bits: exact (multiples of 1/4 and 1/16).
        dot = (a.square_bits & b.square_bits).bit_count() / 16
        shared = (a.weight_bits & b.weight_bits).bit_count() / 4
        cosine = dot / (a.concept_norm * b.concept_norm)
        jaccard = shared / (a.concept_weight + b.concept_weight - shared)
        concept = (cosine + jaccard) / 2
    grams = 0.0
    if a.grams and b.grams:
        grams = len(a.grams & b.grams) / (len(a.grams) * len(b.grams)) ** 0.5
    if not (a.concepts or b.concepts):
        score = grams
    elif a.objects or b.objects:
        score = 0.9 * concept + 0.1 * grams
    else:
        score = 0.6 * concept + 0.4 * grams  # the lexicon does not know what is wrong: lean on the wording
    if a.objects and b.objects and not a.objects & b.objects:
        score *= 0.5  # two different things are wrong: a window is not the heating
    elif a.symptoms and b.symptoms and not a.symptoms & b.symptoms:
        score *= 0.6  # one thing, two different faults: cold radiators are not a leaking pipe
    return round(min(score, 1.0), 4)


def similarity(
    a: str, b: str, *, a_spans: Sequence[tuple[int, int]] = (), b_spans: Sequence[tuple[int, int]] = ()
) -> float:
    """How alike the problems two texts describe, 0..1, ignoring addresses and personal data (symmetric)."""
    if a == b and tuple(a_spans) == tuple(b_spans):
        return 1.0
    return compare(signature(a, a_spans), signature(b, b_spans))


class OpenCase(NamedTuple):  # a tuple: one is built per open case at every intake
    case_id: int
    number: str
    station_code: str
    topic: str
    department: str
    place: str | None  # most specific place name matched in its text, if any
    texts: tuple[str, ...]  # masked texts of its submissions (first one first); may be () when signatures are given
    signatures: tuple[Signature, ...] = ()  # optional: precomputed signature() of its texts, same order


@dataclass(frozen=True)
class Incoming:
    text: str
    station_code: str
    topic: str
    department: str
    place: str | None
    place_spans: tuple[tuple[int, int], ...] = ()  # spans of place names in text (to discount addresses)


@dataclass(frozen=True)
class DuplicateDecision:
    kind: str  # "join" | "suggest" | "new"
    case_id: int | None
    number: str | None
    similarity: float
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def _places_compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a in b or b in a


def _houses_conflict(a: Sequence[tuple[str, str]], b: Sequence[tuple[str, str]]) -> bool:
    """True when both sides give a number of the same kind (号, 栋, 单元 …) and none agree."""
    for unit in {u for u, _ in a} & {u for u, _ in b}:
        if not {n for u, n in a if u == unit} & {n for u, n in b if u == unit}:
            return True
    return False


def _name_spans(text: str, names: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where any of ``names`` occurs in ``text``."""
    spans = []
    for name in names:
        start = text.find(name)
        while start >= 0:
            spans.append((start, start + len(name)))
            start = text.find(name, start + len(name))
    return tuple(sorted(spans))


def _case_signatures(case: OpenCase, place_names: tuple[str, ...]) -> tuple[Signature, ...]:
    """The case's own signatures if it carries them, else its texts without its and the newcomer's place names."""
    if case.signatures:
        return case.signatures
    names = tuple(dict.fromkeys(n for n in (case.place, *place_names) if n))
    return tuple(signature(t, _name_spans(t, names)) for t in case.texts)


def _candidate(incoming: Incoming, case: OpenCase) -> bool:
    """A case at another station is compared only when both name the same place."""
    return case.station_code == incoming.station_code or (incoming.place is not None and incoming.place == case.place)


def _blockers(incoming: Incoming, inc_sig: Signature, case: OpenCase, sigs: Sequence[Signature]
              ) -> tuple[list[str], list[str]]:
    """Why this case may at most be suggested (both empty: it may be joined): (notes that say it is somewhere
    else, notes that say it is filed differently). A place counts as the same when the new text names the case's
    place too (two roads of one crossing, a school and its street)."""
    where = []
    if case.station_code != incoming.station_code:
        where.append(f"联络站不同（{case.station_code}）")
    if not _places_compatible(incoming.place, case.place) and not (case.place and case.place in incoming.text):
        where.append(f"地点不同（{incoming.place} / {case.place}）")
    if _houses_conflict(inc_sig.houses, [h for s in sigs for h in s.houses]):
        where.append("门牌号不同")
    filed = []
    if incoming.topic != case.topic and incoming.department != case.department:
        filed.append(f"类别不同（{incoming.topic} / {case.topic}）")
    return where, filed


def decide(
    incoming: Incoming,
    open_cases: Sequence[OpenCase],
    *,
    auto: float = AUTO_THRESHOLD,
    suggest: float = SUGGEST_THRESHOLD,
) -> DuplicateDecision:
    """Join the best open case describing the same problem, suggest one for review, or open a new case.

    Joining needs similarity ≥ ``auto``, the same station, compatible places (equal, nested, one unknown, or the
    case's place named in the new text), no conflicting house numbers and the same topic or department. A
    candidate blocked by any of those is suggested when it reaches ``auto``; between ``suggest`` and ``auto`` one is
    suggested unless it is somewhere else (station, place, house number).
    Join beats suggest; then higher similarity; ties go to the lower case_id.
    """
    inc_sig = signature(incoming.text, incoming.place_spans)
    place_names = tuple(dict.fromkeys(incoming.text[s:e] for s, e in incoming.place_spans if 0 <= s < e))
    ranked: list[tuple[int, float, int, OpenCase, list[str]]] = []
    top = 0.0
    for case in open_cases:
        if not _candidate(incoming, case):
            continue
        sigs = _case_signatures(case, place_names)
        if not sigs:
            continue
        sim = compare(inc_sig, sigs[0]) if len(sigs) == 1 else max(compare(inc_sig, s) for s in sigs)
        if sim > top:
            top = sim
        if sim < suggest:
            continue  # neither joined nor suggested, whatever blocks it
        where, filed = _blockers(incoming, inc_sig, case, sigs)
        notes = where + filed
        if sim >= auto and not notes:
            ranked.append((2, sim, -case.case_id, case, notes))
        elif sim >= auto or not where:  # a person decides; a classifier's filing never hides a likely duplicate
            ranked.append((1, sim, -case.case_id, case, notes))
    if not ranked:
        return DuplicateDecision("new", None, None, top, f"未发现描述同一问题的在办案件（最高相似度 {top:.2f}）")
    level, sim, _, case, notes = max(ranked, key=lambda r: r[:3])
    if level == 2:
        return DuplicateDecision(
            "join", case.case_id, case.number, sim, f"与 {case.number} 描述同一问题（相似度 {sim:.2f}）"
        )
    extra = f"；{'；'.join(notes)}" if notes else ""
    reason = f"是否与 {case.number} 为同一问题？（相似度 {sim:.2f}{extra}）"
    return DuplicateDecision("suggest", case.case_id, case.number, sim, reason)
