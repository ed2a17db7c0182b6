"""Model folders: ``model.json`` + ``model.npz`` (plain data: loads without executing code) and ``metadata.json``.

A model is stored as its constructor parameters and fitted numbers: JSON for values, an ``.npz`` of
non-object arrays read with ``allow_pickle=False``. Loading checks the checksums and rebuilds only the
kinds this module knows (``TriageClassifier`` with its ``TextVectorizer`` and ``CalibratedLinearHead``s);
anything else is refused with a clear error. (skops would do the same job, but importing it costs about
a second of start-up because it enumerates every scikit-learn estimator.)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np

from classifier.features import TextVectorizer
from classifier.heads import CalibratedLinearHead
from classifier.model import TriageClassifier

STATE_FILE = "model.json"
ARRAYS_FILE = "model.npz"
METADATA_FILE = "metadata.json"
FORMAT = "liaison-triage/json-npz-1"
KIND = "TriageClassifier"
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "rjieba", "opencc")
_VECTORIZER_ARRAYS = ("char_keys_", "char_idf_", "words_", "word_idf_")
_HEAD_ARRAYS = ("classes_", "coef_", "intercept_", "sig_a_", "sig_b_")
_COUPLING = "coupling.topic_given_department_"
# Parameters added after the format was fixed, with the values that files written before them were trained with.
_LEGACY_PARAMS = {"word_weight": 1.0, "drop_places": False}


class ModelFileError(Exception):
    """A model folder that is missing, damaged, tampered with or of an unknown kind."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _jsonable(value):  # noqa: ANN001, ANN202 - params are tuples, lists, dicts and scalars
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def build_metadata(model: TriageClassifier, *, version: str, training_sha256: str, n_train: int) -> dict:
    """What metadata.json says about a fitted model (the files' checksums are added by ``save``)."""
    heads = {
        head: {
            "labels": model.classes(head),
            "review_threshold": model.thresholds_[head],
            "validation": model.validation_[head],
            "dropped_labels": model.dropped_labels_.get(head, []),
        }
        for head in model.head_names
    }
    params = {k: _jsonable(v) for k, v in model.get_params().items() if k not in ("user_dict", "stopwords", "rules")}
    return {
        "format": FORMAT,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data_sha256": training_sha256,
        "n_train": n_train,
        "heads": heads,
        "params": params,
        "libraries": library_versions(),
    }


# -- model ↔ plain data -------------------------------------------------------------------------
def to_state(model: TriageClassifier) -> tuple[dict, dict[str, np.ndarray]]:
    """The fitted model as JSON-able values and named arrays."""
    vec = model.vectorizer_
    arrays = {f"vectorizer.{name}": getattr(vec, name) for name in _VECTORIZER_ARRAYS}
    for head, h in model.heads_.items():
        arrays.update({f"head.{head}.{name}": getattr(h, name) for name in _HEAD_ARRAYS})
    coupled = model.topic_given_department_ is not None
    if coupled:
        arrays[_COUPLING] = model.topic_given_department_
    state = {
        "kind": KIND,
        "params": {k: _jsonable(v) for k, v in model.get_params().items()},
        "vectorizer_params": {k: _jsonable(v) for k, v in vec.get_params().items()},
        "heads": list(model.heads_),
        "coupled": coupled,
        "thresholds": model.thresholds_,
        "validation": model.validation_,
        "dropped_labels": model.dropped_labels_,
    }
    return state, arrays


def from_state(state: dict, arrays: dict[str, np.ndarray]) -> TriageClassifier:
    """Rebuild a fitted model from ``to_state`` output; refuses anything it does not know."""
    if state.get("kind") != KIND:
        raise ModelFileError("model_unknown_types", f"模型文件的类型未知，拒绝加载：{state.get('kind')!r}")
    heads = state.get("heads", [])
    expected = {f"vectorizer.{n}" for n in _VECTORIZER_ARRAYS} | {f"head.{h}.{n}" for h in heads for n in _HEAD_ARRAYS}
    if state.get("coupled"):
        expected.add(_COUPLING)
    if set(arrays) != expected:
        unknown = sorted(set(arrays) ^ expected)
        raise ModelFileError("model_unknown_types", f"模型文件的数组与声明不符，拒绝加载：{', '.join(unknown)}")
    try:
        model = TriageClassifier(**{**_LEGACY_PARAMS, **state["params"]})
        model.char_ngram_range = tuple(model.char_ngram_range)
        vec = TextVectorizer(**{**_LEGACY_PARAMS, **state["vectorizer_params"]})
        vec.char_ngram_range = tuple(vec.char_ngram_range)
        for name in _VECTORIZER_ARRAYS:
            setattr(vec, name, arrays[f"vectorizer.{name}"])
        model.vectorizer_ = vec
        model.heads_ = {h: CalibratedLinearHead(*(arrays[f"head.{h}.{n}"] for n in _HEAD_ARRAYS)) for h in heads}
        model.topic_given_department_ = arrays[_COUPLING] if state.get("coupled") else None
        model.thresholds_ = {h: float(state["thresholds"][h]) for h in heads}
        model.validation_ = state.get("validation", {})
        model.dropped_labels_ = state.get("dropped_labels", {})
    except (TypeError, KeyError, ValueError) as exc:
        raise ModelFileError("model_file_invalid", f"模型文件内容不完整或不一致：{exc}") from exc
    return model


# -- folders ------------------------------------------------------------------------------------
def save(model: TriageClassifier, folder: str | Path, metadata: dict) -> Path:
    """Write the model folder atomically: a complete folder replaces ``folder``, or nothing changes."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    state, arrays = to_state(model)
    state_bytes = (json.dumps(state, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    array_bytes = buffer.getvalue()
    meta = dict(
        metadata,
        format=FORMAT,
        files={STATE_FILE: _sha256(state_bytes), ARRAYS_FILE: _sha256(array_bytes)},
    )
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (staging / STATE_FILE).write_bytes(state_bytes)
        (staging / ARRAYS_FILE).write_bytes(array_bytes)
        (staging / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            backup = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(folder, backup)
            os.replace(staging, folder)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def read_metadata(folder: str | Path) -> dict:
    path = Path(folder) / METADATA_FILE
    if not path.is_file():
        raise ModelFileError("model_not_found", f"找不到模型：{folder}（缺少 {METADATA_FILE}）")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError("model_metadata_invalid", f"模型元数据无法读取：{path}（{exc}）") from exc
    if meta.get("format") != FORMAT:
        raise ModelFileError("model_format_unknown", f"不认识的模型格式：{meta.get('format')!r}（需要 {FORMAT}）")
    return meta


def _checked_bytes(folder: Path, name: str, meta: dict) -> bytes:
    path = folder / name
    if not path.is_file():
        raise ModelFileError("model_not_found", f"找不到模型文件：{path}")
    data = path.read_bytes()
    if _sha256(data) != meta.get("files", {}).get(name):
        raise ModelFileError("model_checksum_mismatch", f"模型文件校验和不符，可能已损坏或被改动：{path}")
    return data


def load(folder: str | Path) -> tuple[TriageClassifier, dict]:
    """The model and its metadata, after checking checksums; only plain data is read, no code runs."""
    folder = Path(folder)
    meta = read_metadata(folder)
    state_bytes = _checked_bytes(folder, STATE_FILE, meta)
    array_bytes = _checked_bytes(folder, ARRAYS_FILE, meta)
    try:
        state = json.loads(state_bytes.decode("utf-8"))
        with np.load(io.BytesIO(array_bytes), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as exc:  # object arrays need pickle: refused
        raise ModelFileError("model_unknown_types", f"模型文件含有不受支持的数据类型，拒绝加载：{exc}") from exc
    except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError("model_file_invalid", f"模型文件无法解析：{folder}（{exc}）") from exc
    return from_state(state, arrays), meta
