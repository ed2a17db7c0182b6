"""Submissions per second through the whole orchestrator (normalize → classify → locate → dedupe → match →
queue, one transaction each) on SQLite and, when reachable, PostgreSQL. Target: ≥ 200/s on SQLite, one core.

Run: .venv/bin/python bench/intake.py [N]     (PostgreSQL: TRIAGE_BENCH_POSTGRES_URL, default the local `test`)"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import SEED, postgres_schema, single_core  # noqa: E402

TARGET = 200.0


def messages(n: int) -> list[str]:
    from classifier.corpus import load_corpus

    texts = [e.text for e in load_corpus()]
    random.Random(SEED).shuffle(texts)
    return (texts * (n // len(texts) + 1))[:n]


def run(url: str, texts: list[str], label: str) -> float:
    from triage import classification, db, migrate, service
    from triage.registry import demo
    from triage.settings import get_settings

    migrate.upgrade(url)
    engine = db.make_engine(url)
    with db.transaction(engine) as session:
        demo.load_demo(session=session)
        stations = [s.code for s in demo.read_demo().stations]
    model = classification.load(get_settings().model_dir)
    rng = random.Random(SEED)
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    for text in texts[:20]:  # warm caches (place index, calendar, jieba) outside the timing
        service.intake(engine=engine, model=model, max_chars=20_000, now=now,
                       intake=service.Intake(text=text, intake_station=rng.choice(stations)))
    latencies = []
    start = time.perf_counter()
    for i, text in enumerate(texts):
        t0 = time.perf_counter()
        service.intake(engine=engine, model=model, max_chars=20_000, now=now + timedelta(seconds=i),
                       intake=service.Intake(text=text, intake_station=rng.choice(stations),
                                             idempotency_key=f"bench-{i}"))
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    rate = len(texts) / wall
    lat = sorted(latencies)
    print(f"{label:<11} {len(texts)} submissions in {wall:.2f} s: {rate:,.0f}/s; "
          f"p50 {statistics.median(lat) * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99) - 1] * 1000:.1f} ms")
    engine.dispose()
    return rate


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    single_core()
    texts = messages(n)
    with tempfile.TemporaryDirectory() as tmp:
        rate = run(f"sqlite:///{tmp}/bench.db", texts, "SQLite")
    print(f"SQLite target ≥ {TARGET:.0f}/s on one core: ×{rate / TARGET:.2f} of target — "
          f"{'PASS' if rate >= TARGET else 'MISS'}")
    with postgres_schema("PostgreSQL") as url:
        if url is not None:
            run(url, texts, "PostgreSQL")


if __name__ == "__main__":
    main()
