"""Wall time of ``triage classify "…"`` as a fresh process, model load included.

The first run uses an empty cache folder (TRIAGE_CACHE_DIR) and an empty bytecode cache
(PYTHONPYCACHEPREFIX), i.e. a cold start; the next runs use the installed bytecode and the now filled
cache folder (warm). The fast segmenter needs no dictionary cache; jieba's own (used by models trained
with ``engine="jieba"`` and by the benchmarks) is what TRIAGE_CACHE_DIR holds. Target: warm < 2 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEXT = "道里区抚顺街281号楼道窗户漏风漏雨，冬天楼道里特别冷，希望给换上塑钢窗"
WARM_RUNS = 5


def run(env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "triage"), "classify", TEXT, "--json"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TRIAGE_CACHE_DIR=f"{tmp}/cache")
        cold = run(dict(env, PYTHONPYCACHEPREFIX=f"{tmp}/pycache"))
        warm = [run(env) for _ in range(WARM_RUNS)]
    print(
        f"triage classify, fresh process: cold (empty caches) {cold:.2f} s; "
        f"warm median {statistics.median(warm):.2f} s, max {max(warm):.2f} s over {WARM_RUNS} runs (target < 2 s)"
    )


if __name__ == "__main__":
    main()
