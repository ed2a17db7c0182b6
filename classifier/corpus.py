"""The labelled training corpus under training_data/corpus/: loading, fingerprinting, near-duplicate checks."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier import normalize
from classifier.resources import DEFAULT_DATA_DIR

# Every file training reads: the corpus plus what shapes the features.
LEXICON_FILES = ("userdict.txt", "stopwords.txt", "duty_rules.json", "taxonomy.json")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    topic: str | None
    department: str | None
    district: str | None = None
    place: str | None = None
    urgency: str | None = None


def corpus_files(data_dir: Path = DEFAULT_DATA_DIR) -> list[Path]:
    return sorted((data_dir / "corpus").glob("*.jsonl"))


def load_corpus(data_dir: Path = DEFAULT_DATA_DIR) -> list[Example]:
    """All examples of the corpus, in file and line order."""
    out = []
    for path in corpus_files(data_dir):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} 第 {n} 行不是合法的 JSON：{exc}") from exc
            out.append(
                Example(
                    id=row["id"],
                    text=row["text"],
                    topic=row.get("topic"),
                    department=row.get("department"),
                    district=row.get("district"),
                    place=row.get("place"),
                    urgency=row.get("urgency"),
                )
            )
    return out


def fingerprint(paths: Sequence[Path]) -> str:
    """sha256 over the names and bytes of ``paths`` (in the given order)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def training_fingerprint(data_files: Sequence[Path], data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """sha256 of everything a training run reads: its data files and the lexicon files that shape features."""
    return fingerprint([*data_files, *(data_dir / name for name in LEXICON_FILES)])


def _shingles(text: str, n: int) -> set[str]:
    s = "".join(normalize.normalize(text).split())
    return {s[i : i + n] for i in range(len(s) - n + 1)}


def near_duplicates(texts: Sequence[str], *, n: int = 5, threshold: float = 0.6) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) whose character n-gram sets overlap more than ``threshold`` after normalization.

    Traditional and simplified copies of one message normalize alike, so they count as duplicates.
    An inverted index keeps this near-linear on a corpus of thousands.
    """
    grams = [_shingles(t, n) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for x in g:
            index[x].append(i)
    pairs = []
    for i, g in enumerate(grams):
        shared: dict[int, int] = defaultdict(int)
        for x in g:
            for j in index[x]:
                if j > i:
                    shared[j] += 1
        for j, s in shared.items():
            jac = s / (len(g) + len(grams[j]) - s)
            if jac > threshold:
                pairs.append((i, j, jac))
    return pairs
