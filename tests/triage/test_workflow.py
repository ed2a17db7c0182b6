"""The case state machine: legal steps, illegal ones refused in Chinese, audit in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.triage.factories import NOW, make_case, make_deputy, make_station
from triage import db
from triage.cases import audit, workflow
from triage.cases.models import Assignment, AuditEvent, Case, Correction, Reply, Status
from triage.errors import Conflict, IllegalTransition, InvalidInput


@pytest.fixture
def world(session):
    station = make_station(session)
    deputy = make_deputy(session, station, name="王淑琴")
    return station, deputy


def test_full_life_of_a_case_is_audited_step_by_step(session, world):
    station, deputy = world
    case = make_case(session, station)
    t = NOW
    workflow.claim(session=session, case=case, deputy_id=deputy.id, now=t)
    workflow.progress(session=session, case=case, actor="王淑琴", now=t, note="已电话联系住户")
    workflow.transfer(session=session, case=case, actor="站长", now=t, department="市住房和城乡建设局")
    assert case.status == Status.TRANSFERRED
    workflow.department_reply(session=session, case=case, actor="市住建局", now=t, reply="已列入维修计划")
    assert case.status == Status.CLAIMED  # back with the deputy who holds it
    workflow.resolve(session=session, case=case, actor="王淑琴", now=t, reply="窗户已更换")
    workflow.visit(session=session, case=case, actor="站长", now=t, satisfaction=5)
    workflow.close(session=session, case=case, actor="站长", now=t)
    session.commit()
    actions = [e.action for e in audit.timeline(session=session, case_id=case.id)]
    assert actions == ["claim", "progress", "transfer", "department_reply", "resolve", "visit", "close"]
    kinds = [r.kind for r in session.exec(select(Reply).where(Reply.case_id == case.id).order_by(Reply.id))]
    assert kinds == ["progress", "department", "constituent"]
    claim_event = audit.timeline(session=session, case_id=case.id)[0]
    assert claim_event.before["status"] == "待办" and claim_event.after["status"] == "处理中"
    assert case.satisfaction == 5 and case.closed_at == t


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.QUEUED, lambda s, c: workflow.resolve(session=s, case=c, actor="x", now=NOW, reply="好了")),
        (Status.CLOSED, lambda s, c: workflow.claim(session=s, case=c, deputy_id=1, now=NOW)),
        (Status.CLAIMED, lambda s, c: workflow.close(session=s, case=c, actor="x", now=NOW, reason="r")),
        (Status.REVIEW, lambda s, c: workflow.transfer(session=s, case=c, actor="x", now=NOW, department="市水务局")),
        (Status.QUEUED, lambda s, c: workflow.visit(session=s, case=c, actor="x", now=NOW, satisfaction=3)),
        (Status.MERGED, lambda s, c: workflow.reopen(session=s, case=c, actor="x", now=NOW, reason="r")),
    ],
)
def test_illegal_transitions_are_refused_with_a_chinese_message(session, world, status, step):
    case = make_case(session, world[0], status=status)
    with pytest.raises(IllegalTransition) as exc:
        step(session, case)
    assert exc.value.code == "illegal_transition"
    assert case.number in exc.value.message and f"「{status}」" in exc.value.message
    assert case.status == status
    assert session.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).first() is None


def test_a_failed_step_leaves_neither_change_nor_audit_event(engine):
    with db.transaction(engine) as session:
        station = make_station(session)
        deputy = make_deputy(session, station)
        case = make_case(session, station, status=Status.CLAIMED, claimed_by_id=deputy.id)
        case_id = case.id
    with pytest.raises(InvalidInput), db.transaction(engine) as session:
        case = workflow.get_case(session=session, case_id=case_id, lock=True)
        workflow.progress(session=session, case=case, actor="x", now=NOW, note="记一笔")  # fine …
        workflow.resolve(session=session, case=case, actor="x", now=NOW, reply="   ")  # … then a blank reply
    with db.transaction(engine) as session:
        case = workflow.get_case(session=session, case_id=case_id)
        assert case.status == Status.CLAIMED and case.last_progress_at is None
        assert audit.timeline(session=session, case_id=case_id) == []
        assert session.exec(select(Reply)).all() == []


def test_claim_needs_membership_and_spare_capacity(session, world):
    station, deputy = world
    outsider = make_deputy(session, make_station(session))
    case = make_case(session, station)
    with pytest.raises(Conflict) as exc:
        workflow.claim(session=session, case=case, deputy_id=outsider.id, now=NOW)
    assert exc.value.code == "not_station_member"
    full = make_deputy(session, station, capacity=1)
    make_case(session, station, deputy=full)
    with pytest.raises(Conflict) as exc:
        workflow.claim(session=session, case=case, deputy_id=full.id, now=NOW)
    assert exc.value.code == "deputy_full" and "满额" in exc.value.message
    workflow.claim(session=session, case=case, deputy_id=deputy.id, now=NOW)
    primary = session.exec(select(Assignment).where(Assignment.case_id == case.id, Assignment.role == "primary")).one()
    assert primary.deputy_id == deputy.id


def test_confirm_records_the_confirmed_label_and_queues_the_case(session, world):
    case = make_case(session, world[0], status=Status.REVIEW, review_reasons=["主题置信度低（40%）"])
    workflow.confirm(session=session, case=case, actor="接待员小李", now=NOW, topic="民政", department="市民政局")
    assert (case.status, case.topic, case.department, case.review_reasons) == ("待办", "民政", "市民政局", [])
    correction = session.exec(select(Correction)).one()
    assert (correction.topic, correction.previous_topic, correction.actor) == ("民政", "城乡建设", "接待员小李")


def test_reassign_releases_the_claim_to_the_new_deputy(session, world):
    station, deputy = world
    other = make_deputy(session, station)
    case = make_case(session, station)
    workflow.claim(session=session, case=case, deputy_id=deputy.id, now=NOW)
    workflow.reassign(session=session, case=case, actor="站长", now=NOW, deputy_id=other.id, reason="对口")
    assert case.status == Status.QUEUED and case.claimed_by_id is None
    roles = dict(session.exec(select(Assignment.deputy_id, Assignment.role).where(Assignment.case_id == case.id)).all())
    assert roles == {other.id: "primary", deputy.id: "team"}


def test_merge_moves_cosigners_and_refuses_closed_or_foreign_targets(session, world):
    station, deputy = world
    a = make_case(session, station, deputy=deputy, cosigners=2)
    b = make_case(session, station)
    workflow.merge(session=session, case=a, into=b, actor="站长", now=NOW, reason="同一楼道")
    assert a.status == Status.MERGED and a.merged_into_id == b.id and b.cosigners == 3
    assert not session.exec(select(Assignment).where(Assignment.case_id == a.id, Assignment.active)).all()
    closed = make_case(session, station, status=Status.CLOSED)
    with pytest.raises(IllegalTransition):
        workflow.merge(session=session, case=make_case(session, station), into=closed, actor="站长", now=NOW)
    with pytest.raises(Conflict):
        workflow.merge(session=session, case=make_case(session, make_station(session)), into=b, actor="站长", now=NOW)


def test_visit_requires_a_satisfaction_between_1_and_5(session, world):
    case = make_case(session, world[0], status=Status.RESOLVED)
    for bad in (0, 6):
        with pytest.raises(InvalidInput):
            workflow.visit(session=session, case=case, actor="站长", now=NOW, satisfaction=bad)
    workflow.visit(session=session, case=case, actor="站长", now=NOW + timedelta(days=1), satisfaction=1)
    workflow.reopen(session=session, case=case, actor="站长", now=NOW, reason="回访不满意")
    assert case.status == Status.QUEUED


def test_send_back_returns_a_transferred_case_to_the_station(session, world):
    case = make_case(session, world[0])
    workflow.transfer(session=session, case=case, actor="站长", now=NOW, department="市水务局")
    with pytest.raises(InvalidInput):
        workflow.return_case(session=session, case=case, actor="市水务局", now=NOW, reason="")
    workflow.return_case(session=session, case=case, actor="市水务局", now=NOW, reason="不属于本部门职责")
    assert case.status == Status.QUEUED and case.transferred_to is None
    assert session.get(Case, case.id).status == Status.QUEUED


def test_a_correction_is_a_confirmed_label_and_queues_a_case_under_review(session, world):
    queued = make_case(session, world[0])
    workflow.correct(session=session, case=queued, actor="站长", now=NOW, department="市城市管理局")
    assert (queued.status, queued.topic, queued.department) == ("待办", "城乡建设", "市城市管理局")
    review = make_case(session, world[0], status=Status.REVIEW)
    workflow.correct(session=session, case=review, actor="接待员", now=NOW, topic="民政")
    assert review.status == Status.QUEUED
    assert len(session.exec(select(Correction)).all()) == 2
    with pytest.raises(InvalidInput):
        workflow.correct(session=session, case=queued, actor="站长", now=NOW)
