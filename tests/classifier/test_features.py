import numpy as np

from classifier.features import KeyIndex, TextVectorizer, char_ngram_keys


def test_char_ngrams_do_not_cross_documents():
    rows, keys = char_ngram_keys(["ab", "c"], (1, 2))
    # "ab" → a, b, ab; "c" → c; no "bc" across the boundary
    assert len(keys) == 4
    assert sorted(np.bincount(rows).tolist()) == [1, 3]
    _, same = char_ngram_keys(["ab"], (2, 2))
    _, other = char_ngram_keys(["ba"], (2, 2))
    assert same[0] != other[0]


def test_empty_documents_give_empty_rows():
    v = TextVectorizer(char_min_df=1).fit(["暖气不热", "学校收费"])
    X = v.transform(["", "暖气", "", "！！", ""])
    assert X.shape[0] == 5 and [X[i].nnz > 0 for i in range(5)] == [False, True, False, False, False]
    assert np.isfinite(X.data).all()


def test_vectorizer_is_deterministic_and_rows_are_normalized():
    texts = ["冬季供热不达标，暖气不热", "小区物业不作为，暖气片漏水", "学校乱收费"]
    a = TextVectorizer(char_min_df=1).fit_transform(texts)
    b = TextVectorizer(char_min_df=1).fit_transform(texts)
    assert (a != b).nnz == 0
    # two blocks (chars, words), each L2-normalized: squared row norm 2
    assert np.allclose(a.multiply(a).sum(axis=1).A.ravel(), 2.0)


def test_min_df_drops_rare_char_ngrams_and_word_of_feature_maps_back():
    v = TextVectorizer(char_min_df=2).fit(["暖气不热", "暖气漏水"])
    assert len(v.char_keys_) == 3  # only 暖, 气 and 暖气 occur in both documents
    words = [v.word_of_feature(len(v.char_keys_) + i) for i in range(len(v.words_))]
    assert "暖气" in words
    assert v.word_of_feature(0) is None


def test_pii_placeholders_are_not_features():
    v = TextVectorizer(char_min_df=1)
    assert v.tokens(["暖气不热，电话〔手机号〕，身份证〔身份证号〕"]) == v.tokens(["暖气不热，电话，身份证"])
    assert "手机号" in v.tokens(["我的手机号被标记成骚扰电话"])[0]


def test_key_index_finds_every_vocabulary_key_and_nothing_else():
    rng = np.random.default_rng(0)
    vocab = np.unique(rng.integers(0, 2**63, 50_000, dtype=np.uint64))
    # small tables force collisions, so the second table and the overflow list are exercised too
    index = KeyIndex(vocab, bits=14)
    assert np.array_equal(index.lookup(vocab), np.arange(len(vocab)))
    strangers = rng.integers(0, 2**63, 10_000, dtype=np.uint64)
    strangers = strangers[~np.isin(strangers, vocab)]
    assert (index.lookup(strangers) == -1).all()
    assert len(KeyIndex(vocab[:0]).lookup(vocab[:5])) == 5
