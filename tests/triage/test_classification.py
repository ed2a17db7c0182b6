import shutil

import pytest

from triage import classification
from triage.errors import InvalidInput, ModelUnavailable


def test_model_is_loaded_once_and_reloaded_when_replaced(tiny_model_dir, tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(classification, "_clock", lambda: now[0])
    folder = shutil.copytree(tiny_model_dir, tmp_path / "m")
    first = classification.load(folder)
    assert classification.load(folder) is first
    meta = folder / "metadata.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"test-tiny"', '"test-tiny-2"'), encoding="utf-8")
    assert classification.load(folder) is first  # the folder is looked at again after RECHECK_EVERY seconds
    now[0] += classification.RECHECK_EVERY
    second = classification.load(folder)
    assert second is not first and second.version == "test-tiny-2"


def test_missing_model_is_a_domain_error(tmp_path):
    with pytest.raises(ModelUnavailable) as exc:
        classification.load(tmp_path / "none")
    assert exc.value.code == "model_not_found"


@pytest.mark.parametrize(("text", "code"), [("", "empty_text"), (" \n", "empty_text"), ("暖" * 11, "text_too_long")])
def test_text_is_checked_before_classifying(text, code):
    with pytest.raises(InvalidInput) as exc:
        classification.check_text(text, max_chars=10)
    assert exc.value.code == code


def test_while_a_changed_model_is_read_other_callers_get_the_loaded_one(tiny_model_dir, tmp_path, monkeypatch):
    import threading

    now = [2000.0]
    monkeypatch.setattr(classification, "_clock", lambda: now[0])
    folder = shutil.copytree(tiny_model_dir, tmp_path / "m")
    first = classification.load(folder)
    meta = folder / "metadata.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"test-tiny"', '"test-tiny-2"'), encoding="utf-8")
    now[0] += classification.RECHECK_EVERY
    got = []
    with classification._lock:  # as if another thread were reading the changed model
        reader = threading.Thread(target=lambda: got.append(classification.load(folder)))
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive() and got == [first]  # not blocked: the loaded model, at once
    assert classification.load(folder).version == "test-tiny-2"
