"""Several processes on one database (``triage serve --workers N``, a CLI beside the server): writers take turns
across processes, and claims stay exclusive."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlmodel import select

from tests.triage.factories import claim_until_empty, make_case, make_deputy, make_station
from triage import db
from triage.cases.models import Case

PROCESSES, THREADS, CASES = 3, 3, 240


def _hold_then_release(path: str, held, release) -> None:  # noqa: ANN001 - multiprocessing events
    lock = db.WriterLock(Path(path))
    assert lock.acquire(timeout=5)
    held.set()
    release.wait(10)
    lock.release()


def test_the_writer_lock_excludes_another_process(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    path = str(tmp_path / "x.db-writer.lock")
    held, release = ctx.Event(), ctx.Event()
    other = ctx.Process(target=_hold_then_release, args=(path, held, release))
    other.start()
    try:
        assert held.wait(30)
        mine = db.WriterLock(Path(path))
        assert mine.acquire(timeout=0.3) is False  # the other process has it
        release.set()
        assert mine.acquire(timeout=10) is True  # and hands it on when it is done
        mine.release()
    finally:
        release.set()
        other.join(10)
    assert other.exitcode == 0


def _claim_all(url: str, station_id: int, deputy_ids: list[int], out) -> None:  # noqa: ANN001 - a queue
    import threading

    engine = db.make_engine(url)
    claimed, errors = [], []

    def work(deputy_id: int) -> None:
        try:
            claimed.extend((deputy_id, case_id) for case_id in claim_until_empty(engine, station_id, deputy_id))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(d,)) for d in deputy_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((claimed, errors))


def test_claims_stay_exclusive_across_processes(engine, engine_url):
    with db.transaction(engine) as session:
        station = make_station(session)
        deputies = [make_deputy(session, station, capacity=CASES).id for _ in range(PROCESSES * THREADS)]
        for _ in range(CASES):
            make_case(session, station)
        station_id = station.id
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(engine_url, station_id, deputies[i::PROCESSES], out))
             for i in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert [errors for _, errors in results] == [[]] * PROCESSES
    claims = [c for claimed, _ in results for c in claimed]
    assert len(claims) == CASES and len({case_id for _, case_id in claims}) == CASES
    assert all(claimed for claimed, _ in results)  # every process took a share
    with db.transaction(engine) as session:
        owners = dict(session.exec(select(Case.id, Case.claimed_by_id)).all())
    assert all(owners[case_id] == deputy_id for deputy_id, case_id in claims)
