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


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, each row scaled to unit length (empty rows stay empty)."""
    counts = counts.astype(np.float64)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=counts.data**2, minlength=counts.shape[0]))
    counts.data /= norms[rows]
    return counts


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
        return self._features(docs)

    # -- transforming -------------------------------------------------------------------------
    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        check_is_fitted(self, "char_keys_")
        return self._features(self.tokens(list(X)))

    def _key_index(self) -> KeyIndex:
        return self._cached("key_index", lambda: KeyIndex(self.char_keys_))

    def _word_index(self) -> dict[str, int]:
        return self._cached("word_index", lambda: {w: i for i, w in enumerate(self.words_.tolist())})

    def _features(self, docs: list[list[str]]) -> sp.csr_matrix:
        n = len(docs)
        rows, keys = char_ngram_keys(["".join(d) for d in docs], self.char_ngram_range)
        pos = self._key_index().lookup(keys)
        hit = pos >= 0
        chars = sp.csr_matrix((np.ones(int(hit.sum())), (rows[hit], pos[hit])), shape=(n, len(self.char_keys_)))
        chars.sum_duplicates()

        index = self._word_index()
        wr, wc = [], []
        for i, d in enumerate(docs):
            for w in d:
                j = index.get(w)
                if j is not None:
                    wr.append(i)
                    wc.append(j)
        words = sp.csr_matrix((np.ones(len(wr)), (wr, wc)), shape=(n, len(self.words_)))
        words.sum_duplicates()
        word_block = _tfidf(words, self.word_idf_)
        if self.word_weight != 1.0:
            word_block.data *= self.word_weight
        return sp.hstack([_tfidf(chars, self.char_idf_), word_block], format="csr")

    def word_of_feature(self, j: int) -> str | None:
        """The word behind feature column ``j``, or None for a character n-gram column."""
        k = j - len(self.char_keys_)
        return self.words_[k].item() if 0 <= k < len(self.words_) else None
