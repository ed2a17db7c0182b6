"""Claims are exclusive under concurrency: 8 workers, 500 cases, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

from sqlmodel import func, select

from tests.triage.factories import claim_until_empty, make_case, make_deputy, make_station
from triage import db
from triage.cases.models import AuditEvent, Case, Status

WORKERS, CASES = 8, 500


def test_claim_is_exclusive_under_8_workers(engine):
    with db.transaction(engine) as session:
        station = make_station(session)
        deputies = [make_deputy(session, station, capacity=CASES).id for _ in range(WORKERS)]
        for _ in range(CASES):
            make_case(session, station)
        station_id = station.id
    claimed: dict[int, list[int]] = {d: [] for d in deputies}
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(deputy_id: int) -> None:
        try:
            start.wait()
            claimed[deputy_id] = claim_until_empty(engine, station_id, deputy_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in deputies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    every = [c for ids in claimed.values() for c in ids]
    assert len(every) == CASES and len(set(every)) == CASES
    assert sum(1 for ids in claimed.values() if ids) > 1  # the work really was shared
    with db.transaction(engine) as session:
        statuses = Counter(session.exec(select(Case.status)).all())
        assert statuses == {Status.CLAIMED: CASES}
        claims = session.exec(select(AuditEvent.case_id, func.count()).where(AuditEvent.action == "claim")
                              .group_by(AuditEvent.case_id)).all()
        assert len(claims) == CASES and {n for _, n in claims} == {1}
        owners = dict(session.exec(select(Case.id, Case.claimed_by_id)).all())
        assert all(owners[c] == d for d, ids in claimed.items() for c in ids)
