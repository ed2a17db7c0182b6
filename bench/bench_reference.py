"""The reference pipeline named in the classifier-core issue (char 1–3 ∪ jieba words → LinearSVC)."""

from __future__ import annotations

import logging

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

jieba.setLogLevel(logging.WARNING)


def reference_pipeline():
    return make_pipeline(
        FeatureUnion(
            [
                ("char", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)),
                ("word", TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, sublinear_tf=True)),
            ]
        ),
        LinearSVC(C=0.5),
    )
