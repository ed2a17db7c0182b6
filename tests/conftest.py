"""Shared fixtures: a tiny model trained once per session from a slice of the corpus, saved as a model folder."""

from __future__ import annotations

import os

os.environ.setdefault("COLUMNS", "200")  # rich: wide enough that test output is not wrapped mid-sentence

from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from classifier import corpus, modelfile, training  # noqa: E402

PER_TOPIC = 14


def corpus_slice(per_topic: int = PER_TOPIC) -> list[corpus.Example]:
    """The first ``per_topic`` examples of every topic, in corpus order (deterministic)."""
    taken: dict[str, list[corpus.Example]] = defaultdict(list)
    for e in corpus.load_corpus():
        if len(taken[e.topic]) < per_topic:
            taken[e.topic].append(e)
    return [e for group in taken.values() for e in group]


@pytest.fixture(scope="session")
def tiny_examples() -> list[corpus.Example]:
    return corpus_slice()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_examples) -> Path:
    """A model folder trained on a slice of the corpus (both heads), cross-validated in 3 folds."""
    model, meta = training.fit_examples(tiny_examples, data_files=corpus.corpus_files(), version="test-tiny", cv=3)
    return modelfile.save(model, tmp_path_factory.mktemp("models") / "tiny", meta)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    model, _meta = modelfile.load(tiny_model_dir)
    return model
