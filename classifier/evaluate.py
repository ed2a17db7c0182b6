"""Scoring predictions against gold labels: accuracy, macro-F1 over the gold labels, per-class P/R/F1, confusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support


def report(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Scores over the labels present in ``gold``.

    A prediction outside the gold label set is simply wrong: it lowers its row's recall and, because
    the confusion matrix keeps an "其他" column for such labels, it stays visible.
    """
    gold = [str(g) for g in gold]
    predicted = [str(p) for p in predicted]
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    outside = sorted(set(predicted) - set(labels))
    columns = labels + (["其他"] if outside else [])
    mapped = [x if x in labels else "其他" for x in predicted]
    cm = confusion_matrix(gold, mapped, labels=columns)[: len(labels)] if gold else np.zeros((0, 0), int)
    return {
        "n": len(gold),
        "accuracy": float(np.mean(np.array(gold) == np.array(predicted))) if gold else 0.0,
        "macro_f1": float(np.mean(f)) if labels else 0.0,
        "per_class": {
            lbl: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lbl in enumerate(labels)
        },
        "confusion": {"labels": labels, "columns": columns, "matrix": cm.tolist()},
        "predicted_outside_gold": outside,
    }
