"""How close a case text is to a deputy's free-text profile: weighted character bigrams, their cosine, and the
terms both share (shown as a reason), cached so that the intake can work them out before its write lock."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

SHARED_TERMS_SHOWN = 3

_MASK = re.compile(r"〔[^〕]*〕")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Bigrams with a function character carry no topic; a few generic profile/complaint words neither.
_FUNCTION_CHARS = set("的了和与及或也都在是我你他她它们这那就之其而")
# fmt: off
_STOP_BIGRAMS = frozenset({
    "问题", "群众", "反映", "熟悉", "擅长", "工作", "关注", "解答", "能解", "帮助", "协调", "居民", "希望", "没有",
    "一个", "相关", "部门", "情况", "常帮", "办理", "了解", "从事", "长期", "负责", "以来", "已经", "现在", "什么",
    "不是", "可以", "还是", "一直", "就是", "有关", "领导", "尊敬", "您好", "谢谢", "恳请", "请求", "能否", "能不",
    "不能", "多年", "二十", "十多", "身边", "事情", "处理", "解决", "来人",
})
# fmt: on

@functools.lru_cache(maxsize=1024)
def _runs(text: str) -> tuple[str, ...]:
    """The runs of Chinese characters of ``text`` (cached: a case's text is read for every candidate)."""
    return tuple(_HAN_RUN.findall(_MASK.sub(" ", text)))


def _useful(bigram: str) -> bool:
    return bigram not in _STOP_BIGRAMS and not (_FUNCTION_CHARS & set(bigram))


def bigrams(text: str) -> Counter[str]:
    """Counts of the useful Chinese character bigrams of ``text`` (mask tokens, digits and Latin ignored)."""
    out: Counter[str] = Counter()
    for run in _runs(text):
        out.update(g for g in (run[i : i + 2] for i in range(len(run) - 1)) if _useful(g))
    return out


@functools.lru_cache(maxsize=4096)
def cached_bigrams(text: str) -> Counter[str]:
    """:func:`bigrams`, cached: profiles recur for every case, a case's text for every candidate (read-only)."""
    return bigrams(text)


Vector = tuple[dict[str, float], float]  # weighted bigrams and their Euclidean norm
_vectors: dict[int, tuple[Mapping[str, float], dict[str, Vector]]] = {}


def _vector(counts: Counter[str], idf: Mapping[str, float], default: float) -> Vector:
    weights = _weights(counts, idf, default)
    return weights, math.sqrt(sum(w * w for w in weights.values()))


def _profile_weights(profile: str, idf: Mapping[str, float]) -> Vector:
    """The weighted bigram vector of a profile under ``idf``, kept while that ``idf`` object is in use."""
    held = _vectors.get(id(idf))
    if held is None or held[0] is not idf:
        if len(_vectors) > 8:
            _vectors.clear()
        held = _vectors[id(idf)] = (idf, {})
    vector = held[1].get(profile)
    if vector is None:
        vector = held[1][profile] = _vector(cached_bigrams(profile), idf, 1.0)
    return vector


def profile_idf(profiles: Iterable[str]) -> dict[str, float]:
    """Smoothed IDF of bigrams over deputy profiles; build it once over all active deputies and pass it in."""
    docs = [set(bigrams(p)) for p in profiles]
    df: Counter[str] = Counter(g for d in docs for g in d)
    n = len(docs)
    return {g: math.log((1 + n) / (1 + k)) + 1.0 for g, k in df.items()}


def _weights(counts: Counter[str], idf: Mapping[str, float], default: float) -> dict[str, float]:
    return {g: (1.0 + math.log(k)) * idf.get(g, default) for g, k in counts.items()}


def _cosine(a: Vector, b: Vector) -> float:
    (wa, norm_a), (wb, norm_b) = a, b
    dot = sum(w * wb[g] for g, w in wa.items() if g in wb)
    if not dot:
        return 0.0
    return dot / (norm_a * norm_b)


def shared_terms(text: str, profile: str, idf: Mapping[str, float], limit: int = SHARED_TERMS_SHOWN) -> list[str]:
    """The longest stretches of ``text`` that also occur in ``profile``, heaviest first (e.g. 供热, 管网改造)."""
    shared = cached_bigrams(text).keys() & cached_bigrams(profile).keys()
    found: dict[str, float] = {}
    for run in _runs(text):
        i = 0
        while i < len(run) - 1:
            if run[i : i + 2] not in shared:
                i += 1
                continue
            j = i + 2
            while j < len(run) and run[i : j + 1] in profile:
                j += 1
            term = run[i:j]
            weight = sum(idf.get(g, 1.0) for g in (term[k : k + 2] for k in range(len(term) - 1)) if g in shared)
            found[term] = max(found.get(term, 0.0), weight)
            i = j - 1
    kept = [t for t in found if not any(t != o and t in o for o in found)]
    return sorted(kept, key=lambda t: (-found[t], t))[:limit]


_affinities: dict[tuple[int, str, str], tuple[Mapping[str, float], float, tuple[str, ...]]] = {}
_AFFINITIES_KEPT = 20_000


def affinity(text: str, profile: str, idf: Mapping[str, float]) -> tuple[float, tuple[str, ...]]:
    """(cosine, shared terms) of a case text and a deputy profile under ``idf``; cached, so the intake can work
    them out before it takes the database's write lock (:func:`warm`) and find them there."""
    key = (id(idf), text, profile)
    held = _affinities.get(key)
    if held is not None and held[0] is idf:
        return held[1], held[2]
    cosine = _cosine(_text_weights(text, idf), _profile_weights(profile, idf))
    terms = tuple(shared_terms(text, profile, idf)) if cosine > 0 else ()
    if len(_affinities) >= _AFFINITIES_KEPT:
        _affinities.clear()
    _affinities[key] = (idf, cosine, terms)
    return cosine, terms


_text_vectors: dict[tuple[int, str], tuple[Mapping[str, float], Vector]] = {}


def _text_weights(text: str, idf: Mapping[str, float]) -> Vector:
    """The weighted bigram vector of a case text under ``idf`` (words unknown to the profiles weigh the most)."""
    held = _text_vectors.get((id(idf), text))
    if held is not None and held[0] is idf:
        return held[1]
    vector = _vector(cached_bigrams(text), idf, max(idf.values(), default=1.0))
    if len(_text_vectors) >= 1024:
        _text_vectors.clear()
    _text_vectors[(id(idf), text)] = (idf, vector)
    return vector


def warm(text: str, profiles: Iterable[str], idf: Mapping[str, float]) -> None:
    """Work out :func:`affinity` of ``text`` with each profile ahead of ranking."""
    for profile in profiles:
        affinity(text, profile, idf)
