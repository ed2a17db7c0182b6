"""The active classifier for callers (API, CLI, chat): loading it once, and classifying checked input."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier import modelfile, tokenize
from classifier.model import Prediction, TriageClassifier
from triage.errors import InvalidInput, ModelUnavailable


@dataclass(frozen=True)
class LoadedModel:
    model: TriageClassifier
    metadata: dict
    path: Path

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))


_lock = threading.Lock()
_loaded: dict[Path, tuple[float, LoadedModel]] = {}
_recent: dict[tuple[str, float], LoadedModel] = {}  # (model_dir as given, second) → model
_clock = time.monotonic
RECHECK_EVERY = 1.0  # seconds between looks at a model folder's metadata (a retrained model is picked up)


def _recent_key(model_dir: str | Path) -> tuple[str, float]:
    return (str(model_dir), _clock() // RECHECK_EVERY)  # the files are looked at once a second at most


def loaded_recently(model_dir: str | Path) -> LoadedModel | None:
    """The model of ``model_dir`` if its folder was looked at within the last second (no file access), else None:
    then ``load`` must look, and may have to read a changed model, which takes about a second."""
    return _recent.get(_recent_key(model_dir))


def load(model_dir: str | Path, *, cache_dir: str | Path | None = None) -> LoadedModel:
    """The model in ``model_dir``, loaded once per process (reloaded if its metadata changes).

    ``cache_dir`` is where jieba keeps its dictionary cache (for models that segment with jieba itself).
    """
    if cache_dir is not None:
        tokenize.configure(cache_dir=cache_dir)
    recent = loaded_recently(model_dir)
    if recent is not None:
        return recent
    key = _recent_key(model_dir)
    path = Path(model_dir).resolve()
    meta_file = path / modelfile.METADATA_FILE
    mtime = meta_file.stat().st_mtime if meta_file.exists() else 0.0
    earlier = _loaded.get(path)
    # While one thread reads a changed model (about a second), the others go on with the one loaded before.
    if not _lock.acquire(blocking=earlier is None):
        return earlier[1]
    try:
        cached = _loaded.get(path)
        if cached is None or cached[0] != mtime:
            try:
                model, meta = modelfile.load(path)
            except modelfile.ModelFileError as exc:
                raise ModelUnavailable(exc.message, code=exc.code) from exc
            cached = _loaded[path] = (mtime, LoadedModel(model, meta, path))
        _recent.clear()
        _recent[key] = cached[1]
    finally:
        _lock.release()
    return cached[1]


def check_text(text: str, *, max_chars: int) -> str:
    """``text`` if it is classifiable: not blank and not over ``max_chars`` characters."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("文本为空，请粘贴群众反映的内容", code="empty_text")
    if len(text) > max_chars:
        raise InvalidInput(
            f"文本过长：{len(text)} 字，上限 {max_chars} 字", code="text_too_long", detail={"max_chars": max_chars}
        )
    return text


def classify(*, model: LoadedModel, text: str, names: Sequence[str] = (), max_chars: int) -> Prediction:
    """Classify one message after checking it."""
    check_text(text, max_chars=max_chars)
    return model.model.classify([text], names=names)[0]


def classify_batch(*, model: LoadedModel, texts: Sequence[str], explain: bool = False) -> list[Prediction]:
    """Classify many non-blank messages at once (the caller has filtered out blank ones)."""
    return model.model.classify(list(texts), explain=explain)
