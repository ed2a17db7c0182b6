"""TriageClassifier: one scikit-learn-style estimator predicting topic and department with calibrated top-3.

``fit(X, y)`` takes raw texts and a two-column label array (topic, department; ``None`` where a row has
no label for a head, e.g. an external export with topics only) and returns ``self``. Each head is a
LinearSVC calibrated with sigmoid scaling over cross-validation folds, kept as a
``CalibratedLinearHead``; out-of-fold probabilities choose
each head's review threshold (``thresholds_``) for the target precision and give the validation report
(``validation_``). When both heads are trained, the topic is decided jointly: the topic head's probabilities
times the topic the department head implies (``topic_given_department_``, learned from the labels). The
department head also sees the 权责清单 rules the text triggers, and names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from classifier import text, thresholds
from classifier.features import Rows, TextVectorizer, hstack_rows
from classifier.heads import CalibratedLinearHead
from classifier.lazy import LazyCaches
from classifier.rules import RuleMatcher

HEADS = ("topic", "department")
HEAD_NAMES = {"topic": "主题", "department": "责任部门"}
MIN_PER_CLASS = 3  # fewer examples than this cannot be cross-validated and calibrated; such labels are dropped
COUPLING_SMOOTHING = 0.1  # pseudo-count per (department, topic) pair in P(topic | department)


@dataclass
class HeadResult:
    """One head's answer: best label, its probability, the top 3, whether it needs review, and why."""

    label: str
    confidence: float
    top: list[tuple[str, float]]
    needs_review: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Prediction:
    """The classifier's answer for one message."""

    masked_text: str
    pii: list[str]
    heads: dict[str, HeadResult]

    @property
    def needs_review(self) -> bool:
        return any(h.needs_review for h in self.heads.values())

    def to_dict(self) -> dict:
        out: dict = {"needs_review": self.needs_review, "pii": self.pii}
        for name, h in self.heads.items():
            out[name] = {
                "label": h.label,
                "confidence": round(h.confidence, 4),
                "top": [{"label": lbl, "probability": round(p, 4)} for lbl, p in h.top],
                "needs_review": h.needs_review,
                "reasons": h.reasons,
            }
        return out


class TriageClassifier(LazyCaches, BaseEstimator):
    """Topic and department classifier for constituents' messages (see module docstring)."""

    def __init__(
        self,
        *,
        user_dict: Sequence[str] = (),
        stopwords: Sequence[str] = (),
        rules: Sequence[dict] = (),
        engine: str = "fast",
        char_ngram_range: tuple[int, int] = (1, 3),
        char_min_df: int = 3,
        word_min_df: int = 2,
        word_weight: float = 0.7,
        drop_places: bool = True,
        C: float = 1.0,
        rule_weight: float = 0.1,
        cv: int = 5,
        target_precision: float = 0.90,
        random_state: int = 0,
    ) -> None:
        self.user_dict = user_dict
        self.stopwords = stopwords
        self.rules = rules
        self.engine = engine
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.word_min_df = word_min_df
        self.word_weight = word_weight
        self.drop_places = drop_places
        self.C = C
        self.rule_weight = rule_weight
        self.cv = cv
        self.target_precision = target_precision
        self.random_state = random_state

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y, progress=None):  # noqa: ANN001 - y is array-like (n, 2)
        """Learn from raw texts ``X`` and labels ``y[:, 0]`` (topic) and ``y[:, 1]`` (department)."""
        step = progress or (lambda _msg: None)
        labels = np.asarray(y, dtype=object).reshape(len(X), -1)
        if labels.shape[1] != len(HEADS):
            raise ValueError("y 需要两列：主题、责任部门（缺少的标签用 None）")
        step("规范化与脱敏")
        masked = [text.prepare(t).masked for t in X]
        step("分词与特征")
        self.vectorizer_ = TextVectorizer(
            user_dict=tuple(self.user_dict),
            stopwords=tuple(self.stopwords),
            engine=self.engine,
            char_ngram_range=tuple(self.char_ngram_range),
            char_min_df=self.char_min_df,
            word_min_df=self.word_min_df,
            word_weight=self.word_weight,
            drop_places=self.drop_places,
        )
        features = self.vectorizer_.fit_transform(masked)
        rule_features = self._rule_matcher().matrix(masked)

        self.heads_, self.thresholds_, self.validation_, self.dropped_labels_ = {}, {}, {}, {}
        out_of_fold: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for col, head in enumerate(HEADS):
            has = np.array([bool(v) for v in labels[:, col]])
            if not has.any():
                continue
            yh = labels[has, col].astype(str)
            names, counts = np.unique(yh, return_counts=True)
            rare = set(names[counts < MIN_PER_CLASS].tolist())
            if rare:
                self.dropped_labels_[head] = sorted(rare)
            keep = np.array([v not in rare for v in yh])
            if len(set(yh[keep].tolist())) < 2:
                raise ValueError(f"{HEAD_NAMES[head]}至少需要两个类别、每类至少 {MIN_PER_CLASS} 条样本")
            Xh = self._head_input(head, features[has][keep], rule_features[has][keep])
            proba = self._fit_head(head, Xh, yh[keep], step)
            out_of_fold[head] = (np.flatnonzero(has)[keep], yh[keep], proba)
        self.topic_given_department_ = None
        if set(out_of_fold) == set(HEADS):
            (t_rows, t_y, t_proba), (d_rows, d_y, d_proba) = out_of_fold["topic"], out_of_fold["department"]
            _, t_at, d_at = np.intersect1d(t_rows, d_rows, return_indices=True)  # rows labelled with both
            self.topic_given_department_ = self._learn_coupling(t_y[t_at], d_y[d_at])
            t_proba = t_proba.copy()
            t_proba[t_at] = self._couple_topic(t_proba[t_at], d_proba[d_at])
            out_of_fold["topic"] = (t_rows, t_y, t_proba)
        for head, (_rows, yh, proba) in out_of_fold.items():
            self._validate(head, yh, proba)
        return self

    def _learn_coupling(self, topics: np.ndarray, departments: np.ndarray) -> np.ndarray:
        """P(topic | department) from paired labels, lightly smoothed: (departments, topics)."""
        counts = np.full((len(self.classes("department")), len(self.classes("topic"))), COUPLING_SMOOTHING)
        rows = np.searchsorted(self.classes("department"), departments)
        np.add.at(counts, (rows, np.searchsorted(self.classes("topic"), topics)), 1.0)
        return counts / counts.sum(axis=1, keepdims=True)

    def _couple_topic(self, p_topic: np.ndarray, p_department: np.ndarray) -> np.ndarray:
        """The topic head's probabilities times the topic the department head implies, renormalized."""
        joint = p_topic * (p_department @ self.topic_given_department_)
        total = joint.sum(axis=1, keepdims=True)
        return np.divide(joint, total, out=p_topic.copy(), where=total > 0)

    def _fit_head(self, head: str, Xh: sp.csr_matrix, yh: np.ndarray, step) -> np.ndarray:  # noqa: ANN001
        """Fit one head on all rows; return its out-of-fold probabilities (for threshold and report)."""
        from sklearn.model_selection import cross_val_predict  # training-only imports keep start-up light

        step(f"训练{HEAD_NAMES[head]}（交叉验证）")
        estimator, folds = self._head_estimator(yh)
        oof = cross_val_predict(estimator, Xh, yh, cv=folds, method="predict_proba")
        step(f"训练{HEAD_NAMES[head]}（全部数据）")
        self.heads_[head] = CalibratedLinearHead.from_calibrated(estimator.fit(Xh, yh))
        return oof

    def _validate(self, head: str, yh: np.ndarray, oof: np.ndarray) -> None:
        """Review threshold and validation report of one head from its out-of-fold probabilities."""
        from classifier import evaluate

        predicted = np.asarray(self.classes(head))[oof.argmax(axis=1)]
        confidence = oof.max(axis=1)
        threshold = thresholds.review_threshold(confidence, predicted == yh, target_precision=self.target_precision)
        auto = confidence >= threshold
        report = evaluate.report(yh.tolist(), predicted.tolist())
        report["review_threshold"] = threshold
        report["auto_coverage"] = thresholds.coverage(confidence, threshold)
        report["auto_precision"] = float(np.mean(predicted[auto] == yh[auto])) if auto.any() else None
        self.thresholds_[head], self.validation_[head] = threshold, report

    def _head_estimator(self, y: np.ndarray):
        from sklearn.base import clone
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        smallest = int(np.unique(y, return_counts=True)[1].min())
        k_outer = max(2, min(self.cv, smallest))
        # The calibration folds run inside each validation fold's training part: fit them to its smallest class.
        k_inner = max(2, min(self.cv, smallest - -(-smallest // k_outer)))
        svc = LinearSVC(C=self.C, random_state=self.random_state)
        calibrated = CalibratedClassifierCV(svc, method="sigmoid", cv=k_inner, ensemble=False)
        folds = StratifiedKFold(n_splits=k_outer, shuffle=True, random_state=self.random_state)
        return clone(calibrated), folds

    def _rule_matcher(self) -> RuleMatcher:
        return self._cached("matcher", lambda: RuleMatcher(self.rules))

    def _head_input(self, head: str, features: sp.csr_matrix | Rows,
                    rule_features: sp.csr_matrix | Rows | None) -> sp.csr_matrix | Rows:
        """What ``head`` is scored on: the features, for the department with the 权责清单 rule columns appended
        (a matrix for matrices, arrays for arrays)."""
        if head == "department" and rule_features is not None and rule_features.shape[1]:
            joined = hstack_rows([features, rule_features], [1.0, self.rule_weight])
            return joined if isinstance(features, Rows) else joined.tocsr()
        return features

    # -- predicting ---------------------------------------------------------------------------
    @property
    def head_names(self) -> list[str]:
        check_is_fitted(self, "heads_")
        return list(self.heads_)

    def classes(self, head: str) -> list[str]:
        return self.heads_[head].classes_.tolist()

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Best label per head: an array (n, 2) of topic and department (None for a head not trained)."""
        preds = self.classify(X, explain=False)
        return np.array(
            [[p.heads[h].label if h in p.heads else None for h in HEADS] for p in preds], dtype=object
        ).reshape(len(preds), len(HEADS))

    def classify(self, X: Sequence[str], *, names: Sequence[str] = (), explain: bool = True) -> list[Prediction]:
        """Full answers for raw texts: masked text, PII types, and per head the top 3 with probabilities."""
        prepared = [text.prepare(t, names=names) for t in X]
        return self.classify_masked([p.masked for p in prepared], pii=[p.pii_types for p in prepared], explain=explain)

    def classify_masked(
        self, masked: Sequence[str], *, pii: Sequence[list[str]] | None = None, explain: bool = True
    ) -> list[Prediction]:
        """Like ``classify`` for texts already normalized and masked (the intake pipeline does that once)."""
        check_is_fitted(self, "heads_")
        masked = list(masked)
        if not masked:
            return []
        features = self.vectorizer_.transform_rows(masked)  # arrays: the heads score a few rows without scipy
        rule_features = self._rule_matcher().rows(masked) if "department" in self.heads_ else None
        inputs = {head: self._head_input(head, features, rule_features) for head in self.heads_}
        probas = {head: est.predict_proba(inputs[head]) for head, est in self.heads_.items()}
        if self.topic_given_department_ is not None:
            probas["topic"] = self._couple_topic(probas["topic"], probas["department"])
        results: list[dict[str, HeadResult]] = [{} for _ in masked]
        for head, proba in probas.items():
            classes = self.heads_[head].classes_
            top_idx = np.argsort(-proba, axis=1, kind="stable")[:, :3]
            threshold = self.thresholds_[head]
            for i in range(len(masked)):
                top = [(str(classes[j]), float(proba[i, j])) for j in top_idx[i]]
                best = top[0]
                reasons = self._reasons(head, inputs[head], i, top_idx[i, 0], masked[i]) if explain else []
                results[i][head] = HeadResult(best[0], best[1], top, best[1] < threshold, reasons)
        pii = pii if pii is not None else [[] for _ in masked]
        return [Prediction(m, list(p), r) for m, p, r in zip(masked, pii, results, strict=True)]

    def _reasons(self, head: str, Xh: sp.csr_matrix, row: int, cls: int, masked: str) -> list[str]:
        coef = self.heads_[head].class_weights(cls)
        at = slice(Xh.indptr[row], Xh.indptr[row + 1])
        indices = Xh.indices[at]
        contrib = Xh.data[at] * coef[indices]
        words = []
        for j in np.argsort(-contrib):
            if contrib[j] <= 0 or len(words) == 3:
                break
            w = self.vectorizer_.word_of_feature(int(indices[j]))
            if w:
                words.append(w)
        reasons = [f"关键词：{'、'.join(words)}"] if words else []
        if head == "department":
            label = str(self.heads_[head].classes_[cls])
            for i, kws in self._rule_matcher().matches(masked).items():
                rule = self.rules[i]
                if rule["department"] == label:
                    reasons.append(f"权责清单「{rule['id']}」：{'、'.join(kws)} → {label}")
        return reasons
