"""Accuracy targets of the classifier-core issue, in one run.

1. Held-out 20 % of training_data/ (stratified by topic, fixed seed): topic and department macro-F1.
2. The shipped model (models/default, trained on training_data/ only) scored with ``triage eval`` on the shared
   file of real messages (measuring only; it is never copied into the repository).
3. ``triage train --data`` on one half of the shared file and ``triage eval`` on the other, against the
   reference pipeline trained and scored on the same halves.
4. For comparison with 2.: the same training on only the corpus messages of the file's 7 topics, scored on the file.
   Not a model the product could ship (it must know all 15 topics); it shows how much of the gap to 2.'s target
   comes from predictions outside the file's topics, and how much from the 7 topics' own boundaries.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SEED, SHARED_DATA, halves, read_shared  # noqa: E402

from classifier import corpus, evaluate, training  # noqa: E402

TRIAGE = [str(Path(sys.executable).parent / "triage")]


def triage(*args: str) -> str:
    env = dict(os.environ, COLUMNS="200")
    done = subprocess.run([*TRIAGE, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"triage {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def held_out() -> None:
    from sklearn.model_selection import train_test_split

    examples = corpus.load_corpus()
    train, test = train_test_split(examples, test_size=0.2, random_state=SEED, stratify=[e.topic for e in examples])
    model, _ = training.fit_examples(train, data_files=corpus.corpus_files(), version="bench")
    pred = model.predict([e.text for e in test])
    topic = evaluate.report([e.topic for e in test], pred[:, 0].tolist())
    dept = evaluate.report([e.department for e in test], pred[:, 1].tolist())
    print(
        f"1. corpus held-out 20 % ({len(test)} of {len(examples)}): "
        f"topic macro-F1 {topic['macro_f1']:.4f} (target ≥ 0.90), "
        f"department macro-F1 {dept['macro_f1']:.4f} (target ≥ 0.85); "
        f"accuracy {topic['accuracy']:.4f} / {dept['accuracy']:.4f}"
    )


def shipped_cross_validated() -> None:
    from classifier import modelfile

    meta = modelfile.read_metadata(REPO / "models" / "default")
    topic, dept = (meta["heads"][h]["validation"] for h in ("topic", "department"))
    print(
        f"   shipped model {meta['version']}, 5-fold cross-validation on all {meta['n_train']} corpus messages: "
        f"topic macro-F1 {topic['macro_f1']:.4f}, department macro-F1 {dept['macro_f1']:.4f}"
    )


def shipped_on_real() -> None:
    report = json.loads(triage("eval", "--data", str(SHARED_DATA), "--json"))
    topic = report["heads"]["topic"]
    print(
        f"2. shipped model {report['model_version']} on the shared file ({topic['n']} real messages, 7 topics): "
        f"topic macro-F1 {topic['macro_f1']:.4f} (target ≥ 0.80), accuracy {topic['accuracy']:.4f}"
    )
    print("   per class F1: " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in topic["per_class"].items()))


def halves_cli() -> None:
    from bench_reference import reference_pipeline

    texts, labels = read_shared()
    a_x, a_y, b_x, b_y = halves(texts, labels)
    with tempfile.TemporaryDirectory() as tmp:
        for name, xs, ys in (("a.csv", a_x, a_y), ("b.csv", b_x, b_y)):
            with open(Path(tmp) / name, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["text", "label"])
                w.writerows(zip(xs, ys, strict=True))
        triage("train", "--data", f"{tmp}/a.csv", "--output", f"{tmp}/model")
        ours = json.loads(triage("eval", "--data", f"{tmp}/b.csv", "--model", f"{tmp}/model", "--json"))
    ref = reference_pipeline().fit(a_x, a_y)
    ref_f1 = evaluate.report(b_y, ref.predict(b_x).tolist())["macro_f1"]
    our_f1 = ours["heads"]["topic"]["macro_f1"]
    print(
        f"3. shared file halves (seed {SEED}): triage train/eval macro-F1 {our_f1:.4f}, "
        f"reference pipeline {ref_f1:.4f}, difference {our_f1 - ref_f1:+.4f} (target ≥ 0)"
    )


def seven_topic_bound() -> None:
    texts, labels = read_shared()
    present = set(labels)
    examples = [e for e in corpus.load_corpus() if e.topic in present]
    model, _ = training.fit_examples(examples, data_files=corpus.corpus_files(), version="bench")
    topic = evaluate.report(labels, model.predict(texts)[:, 0].tolist())
    print(
        f"4. trained on the corpus messages of the file's {len(present)} topics only ({len(examples)}), on the "
        f"shared file: topic macro-F1 {topic['macro_f1']:.4f}, accuracy {topic['accuracy']:.4f} (not shippable)"
    )
    print("   per class F1: " + ", ".join(f"{k} {v['f1']:.3f}" for k, v in topic["per_class"].items()))


def main() -> None:
    held_out()
    shipped_cross_validated()
    if read_shared() is None:
        print(f"2./3. skipped: {SHARED_DATA} is absent")
        return
    shipped_on_real()
    halves_cli()
    seven_topic_bound()


if __name__ == "__main__":
    main()
