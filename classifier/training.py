"""Training runs: the default estimator with the project's lexicon, fitted and described for its model folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from classifier import corpus, modelfile, resources
from classifier.model import TriageClassifier


def default_estimator(data_dir: Path = resources.DEFAULT_DATA_DIR, **params) -> TriageClassifier:
    """The estimator with our user dictionary, stopwords and 权责清单 rules."""
    return TriageClassifier(
        user_dict=tuple(resources.load_user_dict(data_dir)),
        stopwords=tuple(resources.load_stopwords(data_dir)),
        rules=resources.load_rules(data_dir),
        **params,
    )


def new_version(training_sha256: str, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{training_sha256[:8]}"


def fit(
    texts: Sequence[str],
    topics: Sequence[str | None],
    departments: Sequence[str | None],
    *,
    data_files: Sequence[Path],
    version: str | None = None,
    data_dir: Path = resources.DEFAULT_DATA_DIR,
    progress: Callable[[str], None] | None = None,
    **params,
) -> tuple[TriageClassifier, dict]:
    """Fit the default estimator and build its metadata (with validation figures from cross-validation).

    ``data_files`` are the files the texts came from; with the lexicon files they make the training checksum.
    """
    training_sha256 = corpus.training_fingerprint(data_files, data_dir)
    model = default_estimator(data_dir, **params)
    model.fit(list(texts), list(zip(topics, departments, strict=True)), progress=progress)
    meta = modelfile.build_metadata(
        model, version=version or new_version(training_sha256), training_sha256=training_sha256, n_train=len(texts)
    )
    return model, meta


def fit_examples(
    examples: Sequence[corpus.Example], *, data_files: Sequence[Path], **kwargs
) -> tuple[TriageClassifier, dict]:
    """``fit`` on corpus examples (texts with their topic and department)."""
    return fit(
        [e.text for e in examples],
        [e.topic for e in examples],
        [e.department for e in examples],
        data_files=data_files,
        **kwargs,
    )


def fit_corpus(
    data_dir: Path = resources.DEFAULT_DATA_DIR,
    *,
    version: str | None = None,
    progress: Callable[[str], None] | None = None,
    **params,
) -> tuple[TriageClassifier, dict]:
    """Fit on the labelled corpus under ``data_dir`` (the shipped model is this, with version ``default``)."""
    examples = corpus.load_corpus(data_dir)
    if not examples:
        raise ValueError(f"训练语料为空：{data_dir / 'corpus'}")
    return fit_examples(
        examples,
        data_files=corpus.corpus_files(data_dir),
        version=version,
        data_dir=data_dir,
        progress=progress,
        **params,
    )
