"""The classifier dependency never reads model files on the event loop."""

import asyncio
import shutil
import threading

from api import deps
from triage import classification
from triage.settings import Settings


def test_a_changed_model_is_read_in_the_thread_pool_and_a_recent_one_without_files(tiny_model_dir, tmp_path,
                                                                                  monkeypatch):
    now = [5000.0]
    monkeypatch.setattr(classification, "_clock", lambda: now[0])
    folder = shutil.copytree(tiny_model_dir, tmp_path / "m")
    cfg = Settings(model_dir=folder, var_dir=tmp_path / "var")
    readers: list[threading.Thread] = []
    real_load = classification.modelfile.load

    def recording_load(path):  # noqa: ANN001, ANN202
        readers.append(threading.current_thread())
        return real_load(path)

    monkeypatch.setattr(classification.modelfile, "load", recording_load)

    async def ask() -> tuple[classification.LoadedModel, threading.Thread]:
        return await deps.classifier(cfg), threading.current_thread()

    first, loop_thread = asyncio.run(ask())
    assert len(readers) == 1 and readers[0] is not loop_thread
    assert asyncio.run(ask())[0] is first and len(readers) == 1  # within the second: no file is looked at

    meta = folder / "metadata.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"test-tiny"', '"test-tiny-2"'), encoding="utf-8")
    now[0] += classification.RECHECK_EVERY
    second, loop_thread = asyncio.run(ask())
    assert second.version == "test-tiny-2"
    assert len(readers) == 2 and readers[1] is not loop_thread
