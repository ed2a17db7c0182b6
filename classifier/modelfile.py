"""Model folders: ``model.skops`` (loads without executing code) and ``metadata.json``; checked on load."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

import skops.io as sio

from classifier.model import TriageClassifier

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
FORMAT = "liaison-triage/skops-1"
# The only non-default types a model file may contain; anything else is refused, never instantiated.
TRUSTED_TYPES = (
    "classifier.features.TextVectorizer",
    "classifier.model.TriageClassifier",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "skops", "jieba", "rjieba", "opencc")


class ModelFileError(Exception):
    """A model folder that is missing, damaged, tampered with or of an unknown kind."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def build_metadata(model: TriageClassifier, *, version: str, training_sha256: str, n_train: int) -> dict:
    """What metadata.json says about a fitted model (the model file's own checksum is added by ``save``)."""
    heads = {}
    for head in model.head_names:
        heads[head] = {
            "labels": model.classes(head),
            "review_threshold": model.thresholds_[head],
            "validation": model.validation_[head],
            "dropped_labels": model.dropped_labels_.get(head, []),
        }
    params = {k: v for k, v in model.get_params().items() if k not in ("user_dict", "stopwords", "rules")}
    params["char_ngram_range"] = list(params["char_ngram_range"])
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


def save(model: TriageClassifier, folder: str | Path, metadata: dict) -> Path:
    """Write the model folder atomically: a complete folder replaces ``folder``, or nothing changes."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        sio.dump(model, staging / MODEL_FILE, compression=zipfile.ZIP_DEFLATED)
        untrusted = set(sio.get_untrusted_types(file=staging / MODEL_FILE))
        unknown = sorted(untrusted - set(TRUSTED_TYPES))
        if unknown:
            raise ModelFileError("model_unknown_types", f"模型包含未登记的类型，未保存：{', '.join(unknown)}")
        meta = dict(metadata, model_file=MODEL_FILE, model_sha256=_sha256(staging / MODEL_FILE))
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


def load(folder: str | Path) -> tuple[TriageClassifier, dict]:
    """The model and its metadata, after checking the checksum and that every type in the file is trusted."""
    folder = Path(folder)
    meta = read_metadata(folder)
    path = folder / meta.get("model_file", MODEL_FILE)
    if not path.is_file():
        raise ModelFileError("model_not_found", f"找不到模型文件：{path}")
    if _sha256(path) != meta.get("model_sha256"):
        raise ModelFileError("model_checksum_mismatch", f"模型文件校验和不符，可能已损坏或被改动：{path}")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # a damaged zip or schema: say so, never guess
        raise ModelFileError("model_file_invalid", f"模型文件无法解析：{path}（{exc}）") from exc
    unknown = sorted(untrusted - set(TRUSTED_TYPES))
    if unknown:
        raise ModelFileError("model_unknown_types", f"模型文件包含不受信任的类型，拒绝加载：{', '.join(unknown)}")
    model = sio.load(path, trusted=sorted(untrusted))
    if not isinstance(model, TriageClassifier):
        raise ModelFileError("model_file_invalid", f"模型文件内容不是分类器：{type(model).__name__}")
    return model, meta
