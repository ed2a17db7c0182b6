"""Text → sparse features: hashed character n-grams (vectorized in NumPy) and word unigrams, each TF-IDF.

Texts arrive normalized and masked. Place names are dropped (optional, see ``classifier.places``), each text
is segmented, stopwords and punctuation are dropped, and the remaining words feed two blocks, as in the usual
"char n-grams ∪ words" recipe:
- character n-grams of the re-joined words, keyed by a 64-bit hash of their code points computed for
  the whole batch at once (no Python loop per n-gram), kept when seen in ≥ ``char_min_df`` documents;
- the words themselves.
Each block has sublinear TF, IDF and L2 normalization; the word block is then scaled by ``word_weight``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifier import pii, places, tokenize
from classifier.lazy import LazyCaches

# Masked personal data says nothing about the topic: the placeholders are not features.
_PLACEHOLDERS = re.compile("|".join(re.escape(m) for m in pii.MASKS.values()))

_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)


def char_ngram_keys(docs: Sequence[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every character n-gram of every document; keys are 64-bit hashes of the code points."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    if lengths.sum() == 0:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    # A NUL between documents: no n-gram crosses it.
    cp = np.frombuffer("\0".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths + 1)[: len(cp)]
    is_sep = np.concatenate(([0], np.cumsum(cp == 0)))
    rows, keys = [], []
    with np.errstate(over="ignore"):
        for n in range(ngram_range[0], ngram_range[1] + 1):
            m = len(cp) - n + 1
            if m <= 0:
                continue
            clean = (is_sep[n : n + m] - is_sep[:m]) == 0
            h = np.full(m, np.uint64(n))
            for k in range(n):
                h = h * _PRIME + cp[k : k + m]
            h ^= h >> np.uint64(33)
            h *= _MIX1
            h ^= h >> np.uint64(33)
            h *= _MIX2
            h ^= h >> np.uint64(33)
            rows.append(row_of[:m][clean])
            keys.append(h[clean])
    return np.concatenate(rows), np.concatenate(keys)


class KeyIndex:
    """Position of 64-bit keys in a sorted vocabulary, by two hash tables (O(1) per key) instead of a binary search.

    A key sits in table 1 at its low bits, else in table 2 at its high bits, else (rarely) in a small overflow
    list; a key found nowhere gets -1.
    """

    def __init__(self, keys: np.ndarray, bits: int | None = None) -> None:
        if bits is None:  # tables about twice the vocabulary: most keys land in table 1
            bits = max(10, int(np.ceil(np.log2(max(len(keys), 1) * 2))))
        size = 1 << bits
        self._mask = np.uint64(size - 1)
        positions = np.arange(len(keys))
        self._tables = []
        for shift in (np.uint64(0), np.uint64(32)):
            slot = ((keys[positions] >> shift) & self._mask).astype(np.intp)
            _, first = np.unique(slot, return_index=True)
            table_keys, table_pos = np.zeros(size, np.uint64), np.full(size, -1, np.int64)
            table_keys[slot[first]], table_pos[slot[first]] = keys[positions[first]], positions[first]
            self._tables.append((shift, table_keys, table_pos))
            positions = np.delete(positions, first)
        self._overflow_keys, self._overflow_pos = keys[positions], positions  # still sorted

    def lookup(self, query: np.ndarray) -> np.ndarray:
        found = np.full(len(query), -1, np.int64)
        todo = np.arange(len(query))
        for shift, table_keys, table_pos in self._tables:
            q = query[todo]
            slot = ((q >> shift) & self._mask).astype(np.intp)
            hit = table_keys[slot] == q
            found[todo[hit]] = table_pos[slot[hit]]
            todo = todo[~hit]
        if len(self._overflow_keys) and len(todo):
            q = query[todo]
            at = np.minimum(np.searchsorted(self._overflow_keys, q), len(self._overflow_keys) - 1)
            hit = self._overflow_keys[at] == q
            found[todo[hit]] = self._overflow_pos[at[hit]]
        return found


def _tfidf_block(rows: np.ndarray, cols: np.ndarray, n_cols: int, idf: np.ndarray, n_rows: int,
                 weight: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sublinear TF × IDF of the (row, column) occurrences, each row scaled to length ``weight`` (empty rows stay
    empty): (rows, columns, values), sorted by row then column."""
    cells, counts = np.unique(rows.astype(np.int64) * n_cols + cols, return_counts=True)
    r, c = cells // n_cols, cells % n_cols
    data = (1.0 + np.log(counts)) * idf[c]
    norms = np.sqrt(np.bincount(r, weights=data**2, minlength=n_rows))
    return r, c, data / norms[r] * weight


class Rows(NamedTuple):
    """A CSR matrix's arrays in canonical form (rows in order, columns sorted within a row), without the scipy
    object around them: when one message is scored in the intake path, scipy's construction checks cost as
    much as the maths. ``tocsr()`` makes the matrix."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    def tocsr(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def rows_from_blocks(n_rows: int, blocks: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, int]]) -> Rows:
    """Side-by-side blocks of (rows, columns, values, width), each sorted by row then column, as one set of
    CSR arrays built in one step (``scipy.sparse.hstack`` builds several matrices)."""
    offsets = np.cumsum([0] + [width for *_, width in blocks])
    r = np.concatenate([b[0] for b in blocks]).astype(np.int64)
    order = np.argsort(r, kind="stable")  # row-major; within a row, blocks stay in order
    cols = np.concatenate([b[1] + off for b, off in zip(blocks, offsets, strict=False)])[order]
    data = np.concatenate([b[2] for b in blocks]).astype(np.float64)[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=n_rows))])
    return Rows(indptr, cols, data, (n_rows, int(offsets[-1])))


def hstack_rows(mats: Sequence[Rows | sp.csr_matrix], scales: Sequence[float] | None = None) -> Rows:
    """``scipy.sparse.hstack([m * s for m, s in zip(mats, scales)])`` for canonical CSR matrices or
    :class:`Rows`, as :class:`Rows`, in one construction."""
    n = mats[0].shape[0]
    scales = scales or [1.0] * len(mats)
    return rows_from_blocks(n, [(np.repeat(np.arange(n), np.diff(m.indptr)), m.indices, m.data * s, m.shape[1])
                                for m, s in zip(mats, scales, strict=True)])


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


class TextVectorizer(LazyCaches, TransformerMixin, BaseEstimator):
    """Segments masked, normalized texts and turns them into TF-IDF char n-gram ∪ word features."""

    def __init__(
        self,
        *,
        user_dict: Sequence[str] = (),
        stopwords: Sequence[str] = (),
        engine: str = "fast",
        char_ngram_range: tuple[int, int] = (1, 3),
        char_min_df: int = 2,
        word_min_df: int = 1,
        word_weight: float = 1.0,
        drop_places: bool = False,
        cache_dir: str | None = None,
    ) -> None:
        self.user_dict = user_dict
        self.stopwords = stopwords
        self.engine = engine
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.word_min_df = word_min_df
        self.word_weight = word_weight
        self.drop_places = drop_places
        self.cache_dir = cache_dir

    # -- segmentation -------------------------------------------------------------------------
    def _segmenter(self):
        return self._cached(
            "segmenter", lambda: tokenize.get_segmenter(self.engine, tuple(self.user_dict), cache_dir=self.cache_dir)
        )

    def _stopset(self) -> frozenset[str]:
        return self._cached("stopset", lambda: frozenset(self.stopwords))

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Content words of each text (segmented with the configured engine, stopwords removed)."""
        seg, stop = self._segmenter(), self._stopset()
        if self.drop_places:
            texts = [places.strip_places(t) for t in texts]
        return [tokenize.content_tokens(seg.cut(_PLACEHOLDERS.sub(" ", t)), stop) for t in texts]

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y=None):  # noqa: ANN001 - scikit-learn signature
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Sequence[str], y=None) -> sp.csr_matrix:  # noqa: ANN001
        docs = self.tokens(list(X))
        n = len(docs)
        rows, keys = char_ngram_keys(["".join(d) for d in docs], self.char_ngram_range)
        uniq, inverse = np.unique(keys, return_inverse=True)
        pairs = np.unique(rows * len(uniq) + inverse)
        df = np.bincount(pairs % len(uniq), minlength=len(uniq)) if len(uniq) else np.zeros(0)
        keep = df >= self.char_min_df
        self.char_keys_ = uniq[keep]
        self.char_idf_ = _idf(df[keep], n)

        word_df: dict[str, int] = {}
        for d in docs:
            for w in set(d):
                word_df[w] = word_df.get(w, 0) + 1
        vocab = sorted(w for w, c in word_df.items() if c >= self.word_min_df)
        self.words_ = np.array(vocab, dtype=str) if vocab else np.array([], dtype="<U1")
        self.word_idf_ = _idf(np.array([word_df[w] for w in vocab], dtype=np.float64), n)
        return self._rows(docs).tocsr()

    # -- transforming -------------------------------------------------------------------------
    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        return self.transform_rows(X).tocsr()

    def transform_rows(self, X: Sequence[str]) -> Rows:
        """``transform`` as CSR arrays (see :class:`Rows`)."""
        check_is_fitted(self, "char_keys_")
        return self._rows(self.tokens(list(X)))

    def _key_index(self) -> KeyIndex:
        return self._cached("key_index", lambda: KeyIndex(self.char_keys_))

    def _word_index(self) -> dict[str, int]:
        return self._cached("word_index", lambda: {w: i for i, w in enumerate(self.words_.tolist())})

    def _rows(self, docs: list[list[str]]) -> Rows:
        """[char n-gram TF-IDF | word TF-IDF × word_weight], built as one set of CSR arrays (no per-block
        matrices: a single message is scored in the intake path, where each scipy construction costs as much as
        the maths)."""
        n, n_chars = len(docs), len(self.char_keys_)
        rows, keys = char_ngram_keys(["".join(d) for d in docs], self.char_ngram_range)
        pos = self._key_index().lookup(keys)
        hit = pos >= 0
        chars = _tfidf_block(rows[hit], pos[hit], max(n_chars, 1), self.char_idf_, n)

        index = self._word_index()
        pairs = np.array([(i, j) for i, d in enumerate(docs) for j in map(index.get, d) if j is not None],
                         dtype=np.int64).reshape(-1, 2)
        wr, wc = pairs[:, 0], pairs[:, 1]
        words = _tfidf_block(wr, wc, max(len(self.words_), 1), self.word_idf_, n, self.word_weight)

        return rows_from_blocks(n, [(*chars, n_chars), (*words, len(self.words_))])

    def word_of_feature(self, j: int) -> str | None:
        """The word behind feature column ``j``, or None for a character n-gram column."""
        k = j - len(self.char_keys_)
        return self.words_[k].item() if 0 <= k < len(self.words_) else None
