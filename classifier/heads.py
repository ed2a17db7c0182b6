"""The fitted form of one classifier head: linear one-vs-rest scores with per-class sigmoid calibration.

Training uses scikit-learn's ``CalibratedClassifierCV(LinearSVC, method="sigmoid", ensemble=False)``;
``CalibratedLinearHead.from_calibrated`` keeps just its numbers, so predicting needs only NumPy and a
model file holds only arrays.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from classifier.features import Rows

FEW_ROWS = 32  # up to this many rows, scores are summed in NumPy (cheaper than scipy's sparse product)


def _expit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class CalibratedLinearHead:
    """Scores ``X @ coef_.T + intercept_``; class probability ``expit(-(a_·score + b_))``, then normalized."""

    def __init__(
        self, classes: np.ndarray, coef: np.ndarray, intercept: np.ndarray, sig_a: np.ndarray, sig_b: np.ndarray
    ) -> None:
        self.classes_ = np.asarray(classes, dtype=str)
        # Kept transposed, (features, k), so sparse @ dense needs no copy per call; float32 halves the file.
        self._weights = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.sig_a_ = np.asarray(sig_a, dtype=np.float64)
        self.sig_b_ = np.asarray(sig_b, dtype=np.float64)
        binary = len(self.classes_) == 2
        expected = 1 if binary else len(self.classes_)
        if self.coef_.ndim != 2 or self.coef_.shape[0] != expected or len(self.sig_a_) != expected:
            raise ValueError("分类头的参数形状不一致")

    @property
    def coef_(self) -> np.ndarray:
        """(k, features) weights, a view of the stored transpose."""
        return self._weights.T

    @classmethod
    def from_calibrated(cls, calibrated) -> CalibratedLinearHead:  # noqa: ANN001 - a fitted CalibratedClassifierCV
        (inner,) = calibrated.calibrated_classifiers_
        svc = inner.estimator
        if list(svc.classes_) != list(calibrated.classes_):
            raise ValueError("calibrated estimator must see every class")
        return cls(
            calibrated.classes_,
            svc.coef_,
            svc.intercept_,
            [c.a_ for c in inner.calibrators],
            [c.b_ for c in inner.calibrators],
        )

    def decision_function(self, X: sp.spmatrix | Rows) -> np.ndarray:
        """(n, k) scores, one column per calibrator (one column for a binary head)."""
        if not isinstance(X, Rows) or X.shape[0] > FEW_ROWS:
            X = X.tocsr()
        if X.shape[0] > FEW_ROWS:
            return np.asarray(X.astype(np.float32) @ self._weights, dtype=np.float64) + self.intercept_
        # A few messages (the intake path): a dot product per row over its non-zero features, no scipy call.
        scores = np.empty((X.shape[0], self._weights.shape[1]))
        for i, (start, end) in enumerate(zip(X.indptr[:-1], X.indptr[1:], strict=True)):
            scores[i] = X.data[start:end] @ self._weights[X.indices[start:end]].astype(np.float64)
        return scores + self.intercept_

    def predict_proba(self, X: sp.spmatrix | Rows) -> np.ndarray:
        scores = self.decision_function(X)
        p = _expit(-(scores * self.sig_a_ + self.sig_b_))
        if len(self.classes_) == 2:
            return np.hstack([1.0 - p, p])
        total = p.sum(axis=1, keepdims=True)
        uniform = np.full_like(p, 1.0 / len(self.classes_))
        return np.divide(p, total, out=uniform, where=total != 0)

    def class_weights(self, index: int) -> np.ndarray:
        """The feature weights that argue for class ``index`` (a binary head has one row, signed)."""
        if len(self.classes_) == 2:
            return self.coef_[0] if index == 1 else -self.coef_[0]
        return self.coef_[index]
