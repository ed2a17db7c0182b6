"""Word segmentation with the project's dictionary: jieba (the segmenter of record) and a fast jieba-rs path.

Both load jieba's own dictionary plus ours, each into its own instance (never the global ``jieba``
tokenizer), and both are deterministic. Segmenters are built lazily and never serialized: a model
stores the dictionary lines and rebuilds its segmenter after loading.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import jieba
import rjieba

jieba.setLogLevel(logging.WARNING)

ENGINES = ("fast", "jieba")
_HAS_LETTER = re.compile(r"[^\W\d_]")  # a letter or a CJK character: what makes a token a word


def parse_user_dict(lines: Iterable[str]) -> list[tuple[str, int | None, str | None]]:
    """Entries of a jieba user dictionary (``word [freq] [tag]`` per line, ``#`` comments)."""
    entries = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        word, freq, tag = parts[0], None, None
        for extra in parts[1:]:
            if extra.isdigit():
                freq = int(extra)
            else:
                tag = extra
        entries.append((word, freq, tag))
    return entries


class JiebaSegmenter:
    """The segmenter of record: a private ``jieba.Tokenizer`` with our dictionary, cache in ``cache_dir``."""

    def __init__(self, user_dict: Sequence[str], *, cache_dir: str | Path | None = None) -> None:
        self._tokenizer = jieba.Tokenizer()
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            self._tokenizer.tmp_dir = str(cache_dir)
            self._tokenizer.cache_file = "jieba.cache"
        self._tokenizer.load_userdict(io.StringIO("\n".join(_canonical_lines(user_dict))))

    def cut(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text, HMM=True)


class FastSegmenter:
    """jieba's algorithm (dictionary DAG + HMM for unknown words) in Rust via jieba-rs, with our dictionary."""

    def __init__(self, user_dict: Sequence[str]) -> None:
        self._jieba = rjieba.Jieba()
        for word, freq, tag in parse_user_dict(user_dict):
            self._jieba.add_word(word, freq, tag)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, True)


def _canonical_lines(user_dict: Sequence[str]) -> list[str]:
    out = []
    for word, freq, tag in parse_user_dict(user_dict):
        out.append(" ".join(str(x) for x in (word, freq, tag) if x is not None))
    return out


_lock = threading.Lock()
_segmenters: dict[tuple, JiebaSegmenter | FastSegmenter] = {}
_default_cache_dir: Path | None = None


def configure(*, cache_dir: str | Path | None) -> None:
    """Set the folder for jieba's dictionary cache used when a caller names none (wired from settings)."""
    global _default_cache_dir
    _default_cache_dir = Path(cache_dir) if cache_dir is not None else None


def get_segmenter(engine: str, user_dict: Sequence[str], *, cache_dir: str | Path | None = None):
    """A shared segmenter for this engine and dictionary (built once per process, thread-safe)."""
    if engine not in ENGINES:
        raise ValueError(f"未知的分词引擎：{engine}（可选：{', '.join(ENGINES)}）")
    cache_dir = cache_dir if cache_dir is not None else _default_cache_dir
    key = (engine, tuple(user_dict), str(cache_dir))
    with _lock:
        seg = _segmenters.get(key)
        if seg is None:
            seg = FastSegmenter(user_dict) if engine == "fast" else JiebaSegmenter(user_dict, cache_dir=cache_dir)
            _segmenters[key] = seg
    return seg


def content_tokens(words: Iterable[str], stopwords: frozenset[str] | set[str]) -> list[str]:
    """Lower-cased words that carry meaning: no punctuation, whitespace, stopwords or bare numbers."""
    has_letter = _HAS_LETTER.search
    return [w for w in map(str.lower, words) if w not in stopwords and has_letter(w)]
