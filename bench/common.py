"""Shared by the benchmarks: pin to one core, find the measuring data, split it reproducibly."""

from __future__ import annotations

import csv
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Real public messages for measuring only (DESIGN.md): never copied into the repository.
SHARED_DATA = Path(os.environ.get("TRIAGE_BENCH_DATA", REPO.parent / "shared" / "data" / "wenzheng_dev_segmented.csv"))
SEED = 20261127


def single_core() -> None:
    """One core, one thread: the figures compare algorithms, not parallelism."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[var] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def read_shared() -> tuple[list[str], list[str]] | None:
    if not SHARED_DATA.is_file():
        return None
    with SHARED_DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def halves(texts: list[str], labels: list[str], *, test_size: float = 0.5):
    """A stratified split with the fixed seed: (train_texts, train_labels, test_texts, test_labels)."""
    from sklearn.model_selection import train_test_split

    a, b, ya, yb = train_test_split(texts, labels, test_size=test_size, random_state=SEED, stratify=labels)
    return list(a), list(ya), list(b), list(yb)


PG_URL = os.environ.get("TRIAGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_schema(label: str):  # noqa: ANN201 - yields a database URL, or None when no server answers
    """A private schema on the local PostgreSQL for one benchmark run, dropped afterwards; None (and a line
    saying so) when PostgreSQL is not reachable."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - a missing server is reported, not fatal
        print(f"{label:<11} not measured ({type(exc).__name__}: {exc})")
        yield None
        return
    try:
        yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
