"""Reception days: the station register and each deputy's 履职档案 counts come from stored rows."""

from __future__ import annotations

from datetime import date

import pytest

from tests.triage.factories import NOW, make_case, make_deputy, make_station
from triage import receptions
from triage.cases import workflow
from triage.cases.models import Status, Submission
from triage.errors import InvalidInput
from triage.registry.models import Topic


def test_register_and_deputy_record_count_receptions_hours_and_solved_cases(session):
    session.add(Topic(name="城乡建设"))
    station = make_station(session)
    a, b = make_deputy(session, station, name="甲"), make_deputy(session, station, name="乙")
    first = receptions.record_session(session=session, station=station, day=date(2026, 11, 18), deputy_ids=[a.id, b.id],
                                      actor="站长", now=NOW, theme_topic="城乡建设", hours=3)
    receptions.record_session(session=session, station=station, day=date(2026, 11, 25), deputy_ids=[a.id],
                              actor="站长", now=NOW)
    case = make_case(session, station, deputy=a)
    session.add(Submission(case_id=case.id, text="t", masked_text="t", topic="城乡建设", topic_confidence=1,
                           department="d", department_confidence=1, model_version="m", created_at=NOW,
                           reception_session_id=first.id))
    workflow.claim(session=session, case=case, deputy_id=a.id, now=NOW)
    workflow.resolve(session=session, case=case, actor="甲", now=NOW, reply="已修好")
    workflow.visit(session=session, case=case, actor="站长", now=NOW, satisfaction=4)
    register = receptions.station_register(session=session, station=station)
    assert [r["day"] for r in register] == ["2026-11-25", "2026-11-18"]
    assert register[1]["deputies"] == ["甲", "乙"] and register[1]["submissions"] == 1
    record = receptions.deputy_record(session=session, deputy=a)
    assert (record["receptions"], record["hours"], record["submissions_taken"]) == (2, 5.0, 1)
    assert (record["cases_handled"], record["cases_solved"], record["satisfaction"]) == (1, 1, 4.0)
    assert receptions.deputy_record(session=session, deputy=b)["cases_solved"] == 0
    assert case.status == Status.VISITED


def test_a_reception_needs_deputies_and_a_known_theme(session):
    station = make_station(session)
    with pytest.raises(InvalidInput):
        receptions.record_session(session=session, station=station, day=date(2026, 11, 18), deputy_ids=[],
                                  actor="站长", now=NOW)
    with pytest.raises(InvalidInput):
        receptions.record_session(session=session, station=station, day=date(2026, 11, 18),
                                  deputy_ids=[make_deputy(session, station).id], actor="站长", now=NOW,
                                  theme_topic="不存在的主题")
