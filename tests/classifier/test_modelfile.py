import hashlib
import io
import json
import shutil

import numpy as np
import pytest

from classifier import modelfile


def _copy(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_round_trip_keeps_predictions_and_metadata(tiny_model_dir, tiny_model):
    model, meta = modelfile.load(tiny_model_dir)
    probe = ["孩子入学划片不合理", "工厂半夜排放黑烟"]
    assert [p.heads["topic"].top for p in model.classify(probe)] == [
        p.heads["topic"].top for p in tiny_model.classify(probe)
    ]
    assert meta["version"] == "test-tiny"
    assert len(meta["training_data_sha256"]) == 64
    for key in ("created", "libraries", "params", "n_train", "files"):
        assert key in meta
    topic = meta["heads"]["topic"]
    assert topic["labels"] == model.classes("topic")
    assert {"macro_f1", "per_class", "confusion"} <= set(topic["validation"])
    assert 0.0 < topic["review_threshold"] <= 1.0
    assert {"scikit-learn", "jieba", "rjieba", "opencc", "python"} <= set(meta["libraries"])


def test_a_changed_model_file_is_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "m")
    with (folder / modelfile.ARRAYS_FILE).open("ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(folder)
    assert exc.value.code == "model_checksum_mismatch" and "校验和" in exc.value.message


def _rewrite(folder, name, data: bytes):
    """Replace one model file and fix its checksum, as an attacker with write access could."""
    (folder / name).write_bytes(data)
    meta = json.loads((folder / modelfile.METADATA_FILE).read_text(encoding="utf-8"))
    meta["files"][name] = hashlib.sha256(data).hexdigest()
    (folder / modelfile.METADATA_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _rewrite_arrays(folder, **changes):
    with np.load(folder / modelfile.ARRAYS_FILE) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _rewrite(folder, modelfile.ARRAYS_FILE, buf.getvalue())


class Intruder:
    """Stands for arbitrary code a pickled array would run on load."""


def test_arrays_that_need_pickle_are_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "m")
    _rewrite_arrays(folder, **{"vectorizer.words_": np.array([Intruder()], dtype=object)})
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(folder)
    assert exc.value.code == "model_unknown_types" and "拒绝加载" in exc.value.message


def test_unknown_kinds_and_extra_arrays_are_refused(tiny_model_dir, tmp_path):
    folder = _copy(tiny_model_dir, tmp_path / "kind")
    state = json.loads((folder / modelfile.STATE_FILE).read_text(encoding="utf-8"))
    state["kind"] = "sklearn.pipeline.Pipeline"
    _rewrite(folder, modelfile.STATE_FILE, json.dumps(state).encode())
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(folder)
    assert exc.value.code == "model_unknown_types" and "Pipeline" in exc.value.message

    folder = _copy(tiny_model_dir, tmp_path / "extra")
    _rewrite_arrays(folder, payload=np.zeros(3))
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(folder)
    assert exc.value.code == "model_unknown_types" and "payload" in exc.value.message


def test_missing_folder_and_foreign_metadata_are_clear_errors(tiny_model_dir, tmp_path):
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(tmp_path / "nowhere")
    assert exc.value.code == "model_not_found"
    folder = _copy(tiny_model_dir, tmp_path / "m")
    (folder / modelfile.METADATA_FILE).write_text('{"format": "pickle"}', encoding="utf-8")
    with pytest.raises(modelfile.ModelFileError) as exc:
        modelfile.load(folder)
    assert exc.value.code == "model_format_unknown"


def test_saving_over_an_existing_folder_replaces_it_whole(tiny_model, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "stale.txt").write_text("old", encoding="utf-8")
    meta = {"format": modelfile.FORMAT, "version": "v2"}
    modelfile.save(tiny_model, target, meta)
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [modelfile.METADATA_FILE, modelfile.STATE_FILE, modelfile.ARRAYS_FILE]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind
    assert modelfile.load(target)[1]["version"] == "v2"
