"""Choosing a head's review threshold from out-of-fold predictions."""

from __future__ import annotations

import numpy as np


def review_threshold(confidence: np.ndarray, correct: np.ndarray, *, target_precision: float) -> float:
    """The lowest confidence t such that predictions with confidence ≥ t are right ≥ ``target_precision``.

    Below t a prediction goes to review. If no t reaches the target, every prediction is reviewed (t = 1.0,
    i.e. only a certain prediction passes).
    """
    if len(confidence) == 0:
        return 1.0
    order = np.argsort(-confidence, kind="stable")
    conf, ok = confidence[order], correct[order].astype(np.float64)
    precision = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    # Only cut between distinct confidences: a threshold keeps every prediction at or above it.
    last_of_value = np.r_[conf[1:] != conf[:-1], True]
    passing = np.flatnonzero(last_of_value & (precision >= target_precision))
    if len(passing) == 0:
        return 1.0
    return float(conf[passing[-1]])


def coverage(confidence: np.ndarray, threshold: float) -> float:
    """Share of predictions that do not go to review."""
    return float(np.mean(confidence >= threshold)) if len(confidence) else 0.0
