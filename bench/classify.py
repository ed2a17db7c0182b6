"""Throughput, latency and macro-F1 of our classifier against the reference pipeline, in one run.

Both train on the first half of the shared file (split with a fixed seed) and are scored and timed on
the second; without the file, an 80/20 split of our corpus. Single core. Also reports the share of
corpus messages the fast segmenter (jieba-rs with our dictionary) cuts exactly as jieba does.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import halves, read_shared, single_core  # noqa: E402

single_core()

import jieba  # noqa: E402
import numpy as np  # noqa: E402
from bench_reference import reference_pipeline  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from classifier import corpus, normalize, resources, tokenize, training  # noqa: E402

LATENCY_SAMPLES = 1000


def timed(predict, texts: list[str]) -> tuple[float, float, float]:
    """(msgs/s in one batch, p50 ms, p99 ms one message at a time)."""
    predict(texts[:50])  # warm-up: lazy segmenter, caches
    t0 = time.perf_counter()
    predict(texts)
    rate = len(texts) / (time.perf_counter() - t0)
    lat = []
    for t in texts[:LATENCY_SAMPLES]:
        s = time.perf_counter()
        predict([t])
        lat.append((time.perf_counter() - s) * 1000)
    return rate, float(np.percentile(lat, 50)), float(np.percentile(lat, 99))


def segmentation_agreement() -> tuple[float, int]:
    user_dict = tuple(resources.load_user_dict())
    fast = tokenize.FastSegmenter(user_dict)
    record = tokenize.JiebaSegmenter(user_dict)
    texts = [normalize.normalize(e.text) for e in corpus.load_corpus()]
    same = sum(fast.cut(t) == record.cut(t) for t in texts)
    return same / len(texts), len(texts)


def main() -> None:
    shared = read_shared()
    if shared:
        source = "shared file, halves (seed fixed)"
        train_x, train_y, test_x, test_y = halves(*shared)
    else:
        source = "corpus 80/20 (shared file absent)"
        examples = corpus.load_corpus()
        train_x, train_y, test_x, test_y = halves(
            [e.text for e in examples], [e.topic for e in examples], test_size=0.2
        )
    print(f"data: {source}; train {len(train_x)}, test {len(test_x)}; single core")
    jieba.setLogLevel(60)
    jieba.initialize()

    t0 = time.perf_counter()
    ref = reference_pipeline().fit(train_x, train_y)
    ref_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = training.default_estimator().fit(train_x, [(y, None) for y in train_y])
    our_fit = time.perf_counter() - t0

    ref_f1 = f1_score(test_y, ref.predict(test_x), average="macro")
    our_f1 = f1_score(test_y, ours.predict(test_x)[:, 0].tolist(), average="macro")
    ref_rate, ref_p50, ref_p99 = timed(ref.predict, test_x)
    our_rate, our_p50, our_p99 = timed(lambda xs: ours.classify(xs, explain=False), test_x)
    _, exp_p50, exp_p99 = timed(lambda xs: ours.classify(xs, explain=True), test_x[:200])
    share, n_seg = segmentation_agreement()

    print(f"{'pipeline':<34}{'macro-F1':>9}{'msgs/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'fit s':>8}")
    for name, f1, rate, p50, p99, fit in (
        ("reference (char1-3 ∪ jieba → SVC)", ref_f1, ref_rate, ref_p50, ref_p99, ref_fit),
        ("liaison-triage (top-3, calibrated)", our_f1, our_rate, our_p50, our_p99, our_fit),
    ):
        print(f"{name:<34}{f1:>9.4f}{rate:>10.0f}{p50:>9.2f}{p99:>9.2f}{fit:>8.1f}")
    print(
        f"ratio ours/reference: throughput ×{our_rate / ref_rate:.2f} (target ≥ 3), "
        f"macro-F1 {our_f1 - ref_f1:+.4f} (target ≥ 0)"
    )
    print(f"single message with reasons (API path): p50 {exp_p50:.2f} ms, p99 {exp_p99:.2f} ms")
    print(f"fast segmenter = jieba on {share:.1%} of {n_seg} corpus messages (same dictionary)")


if __name__ == "__main__":
    main()
