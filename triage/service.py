"""The orchestrator: normalize → classify → locate → dedupe → match → queue, in one transaction.

A submission always leaves with a case number: of the new case, or of the open case it joined. The same
idempotency key returns the same submission instead of a second one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from classifier.model import Prediction
from classifier.text import PreparedText, prepare
from triage import affinity, classification, db, dedupe, matching, open_cases, routing, urgency
from triage.cases import audit, numbering, queue, workflow
from triage.cases.models import (
    OPEN_VALUES,
    Assignment,
    Case,
    Priority,
    ReceptionSession,
    Status,
    Submission,
)
from triage.clock import local, local_date
from triage.errors import Conflict, InvalidInput, NotFound
from triage.registry import service as registry
from triage.registry.models import Station
from triage.views import describe_submission
from triage.workdays import sla_due


@dataclass(frozen=True)
class Intake:
    """What intake staff (or a chat, the API, the CLI) hand in."""

    text: str
    channel: str = "窗口"
    submitter_name: str | None = None
    contact: str | None = None
    intake_station: str | None = None
    idempotency_key: str | None = None
    proposed_topic: str | None = None
    reception_session_id: int | None = None
    actor: str = "接待员"


def _digits_last4(contact: str | None) -> str | None:
    """The last four digits of a phone contact (not of an e-mail address)."""
    if not contact or "@" in contact:
        return None
    digits = "".join(ch for ch in contact if ch.isdigit())
    return digits[-4:] if len(digits) >= 7 else None


def _lock_station(session: Session, station_id: int) -> None:
    """PostgreSQL: one intake at a time per station, so dedupe sees every case opened before it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql_text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_000_000 + station_id})


ASSIGNMENT_INSERT = Assignment.__table__.insert()
_s = Submission.__table__.c
BY_IDEMPOTENCY_KEY = sa.select(_s.id).where(_s.idempotency_key == bindparam("key"))  # Core: almost never found


def most_specific_place(location: routing.Location) -> str | None:
    """The place that decided the station (a road with a number over its district), for dedupe and display."""
    hits = [m for m in location.evidence if m.station_code == location.station_code] or list(location.evidence)
    return max(hits, key=lambda m: (m.rank, -m.start)).name if hits else None


def contact_from_text(prepared: PreparedText) -> str | None:
    """The first phone number in the text, as the contact when none was given (for search by last 4 digits)."""
    return next((s.text for s in prepared.spans if s.type in ("mobile", "landline")), None)


def _facts(session: Session, *, case: Case, station: Station, now: datetime) -> matching.CaseFacts:
    today = local_date(now)
    return matching.CaseFacts(topic=case.topic, text=case.summary, priority=case.priority,
                              cosigners=case.cosigners, today=today,
                              theme_topic=registry.theme_topic(session=session, station_id=station.id, today=today))


def _assign(session: Session, case: Case, station: Station, facts: matching.CaseFacts, now: datetime,
            *, keep: frozenset[int] = frozenset()) -> matching.Selection:
    """Assign the selected deputies; with ``keep`` (the deputies already on the case) only fill the team up to
    its size, never beyond."""
    selection = registry.select_deputies(session=session, station=station, facts=facts)
    chosen = [r for r in ([selection.primary] if selection.primary else []) + list(selection.team)
              if r.candidate.deputy_id not in keep]
    chosen = chosen[:max(0, matching.team_size(facts) - len(keep))]
    if chosen:
        session.connection().execute(ASSIGNMENT_INSERT, [
            {"case_id": case.id, "deputy_id": ranked.candidate.deputy_id,
             "role": "primary" if rank == 0 and not keep else "team", "score": ranked.score,
             "reasons": list(ranked.reasons), "active": True, "created_at": now}
            for rank, ranked in enumerate(chosen)])
    return selection


def _join(session: Session, *, case_id: int, station: Station, submission: Submission, decision, now: datetime,
          actor: str) -> Case | None:  # noqa: ANN001 - dedupe.DuplicateDecision
    """Attach the submission to the open case it repeats (co-signer + 1); None if the case closed meanwhile."""
    case = workflow.get_case(session=session, case_id=case_id, lock=True)
    if case.status not in OPEN_VALUES:
        return None
    before = audit.snapshot(case, ("cosigners",))
    case.cosigners += 1
    case.updated_at = now
    submission.case_id = case.id
    submission.similarity = decision.similarity
    session.add(case)
    audit.record(session=session, case=case, action="join", actor=actor, at=now, before=before,
                 after=audit.snapshot(case, ("cosigners",)), reason=decision.reason)
    team = frozenset(session.exec(select(Assignment.deputy_id)
                                  .where(Assignment.case_id == case.id, Assignment.active)).all())
    facts = _facts(session, case=case, station=station, now=now)
    if len(team) < matching.team_size(facts):  # ≥ 5 co-signers: 组团接
        _assign(session, case, station, facts, now, keep=team)
    return case


@dataclass(frozen=True)
class Analysis:
    """The CPU-bound part of the pipeline (normalize, mask, classify, urgency), done outside any transaction."""

    prepared: PreparedText
    prediction: Prediction
    urgency: urgency.Urgency
    location: tuple[str | None, routing.Location] | None = None  # (intake station, where the text points)


def analyse(*, model: classification.LoadedModel, intake: Intake, now: datetime, max_chars: int) -> Analysis:
    classification.check_text(intake.text, max_chars=max_chars)
    prepared = prepare(intake.text, names=[intake.submitter_name] if intake.submitter_name else [])
    pred = model.model.classify_masked([prepared.masked], pii=[prepared.pii_types])[0]
    return Analysis(prepared, pred, urgency.assess(prepared.masked, now_month=local(now).month))


def submit(*, session: Session, model: classification.LoadedModel, intake: Intake, now: datetime,
           max_chars: int, sla_days: dict[str, int] | None = None,
           analysis: Analysis | None = None) -> tuple[Submission, Case, bool]:
    """Run the pipeline for one submission; returns it, its case and whether it was a replay of an earlier one.
    ``analysis`` (from :func:`analyse`) lets callers do the CPU work before taking the database's write lock."""
    if intake.idempotency_key:
        earlier_id = session.connection().execute(BY_IDEMPOTENCY_KEY, {"key": intake.idempotency_key}).scalar()
        if earlier_id is not None:
            earlier = session.get(Submission, earlier_id)
            return earlier, session.get(Case, earlier.case_id), True
    analysis = analysis or analyse(model=model, intake=intake, now=now, max_chars=max_chars)
    if intake.reception_session_id is not None and session.get(ReceptionSession, intake.reception_session_id) is None:
        raise NotFound(f"没有找到接待日 #{intake.reception_session_id}", code="reception_not_found")
    prepared, pred, level = analysis.prepared, analysis.prediction, analysis.urgency
    topic, dept = pred.heads["topic"], pred.heads["department"]
    intake_station = registry.station_snapshot(session=session, code=intake.intake_station) \
        if intake.intake_station else None
    intake_code = intake_station.code if intake_station else None
    if analysis.location is not None and analysis.location[0] == intake_code:
        location = analysis.location[1]
    else:
        location = registry.place_index(session=session).locate(prepared.masked, intake_station=intake_code)
    code = _station_code(location, intake_code)
    if code is None:
        raise InvalidInput("文中没有可识别的地名，也未指定受理站点：请指定站点", code="station_unknown",
                           detail={"location": location.to_dict()})
    station = registry.station_snapshot(session=session, code=code)
    _lock_station(session, station.id)

    heads = (("主题", topic), ("部门", dept))
    review = [f"{name}置信度低（{h.confidence:.0%}）" for name, h in heads if h.needs_review]
    if intake.proposed_topic and intake.proposed_topic != topic.label:
        review.append(f"提交方建议主题「{intake.proposed_topic}」与模型判断「{topic.label}」不一致")
    if location.needs_review and location.station_code is None:
        review.append(location.reason)
    place = most_specific_place(location)
    spans = tuple((m.start, m.end) for m in location.evidence)
    duplicate = dedupe.decide(
        dedupe.Incoming(prepared.masked, station.code, topic.label, dept.label, place, spans),
        open_cases.window(session=session, station=station),
    )
    contact = intake.contact or contact_from_text(prepared)
    submission = Submission(
        idempotency_key=intake.idempotency_key, text=intake.text, masked_text=prepared.masked,
        channel=intake.channel, submitter_name=intake.submitter_name, contact=contact,
        contact_last4=_digits_last4(contact), intake_station_id=intake_station.id if intake_station else None,
        reception_session_id=intake.reception_session_id, proposed_topic=intake.proposed_topic,
        topic=topic.label, topic_confidence=topic.confidence, department=dept.label,
        department_confidence=dept.confidence, pii_types=prepared.pii_types, model_version=model.version,
        places=[m.__dict__ | {"rank": m.rank} for m in location.evidence],
        prediction=pred.to_dict() | {"location": location.to_dict(), "urgency": {
            "priority": level.priority, "reasons": list(level.reasons)}, "duplicate": duplicate.to_dict()},
        case_id=0, created_at=now,
    )
    if duplicate.kind == "join":
        joined = _join(session, case_id=duplicate.case_id, station=station, submission=submission,
                       decision=duplicate, now=now, actor=intake.actor)
        if joined is not None:
            db.insert_new(session, submission)
            return submission, joined, False

    if duplicate.kind == "suggest":
        review.append(f"疑似与 {duplicate.number} 重复（相似度 {duplicate.similarity:.2f}）")
    case = open_case(session=session, station=station, submission=submission, urgency_level=level, place=place,
                     review=review, suggestion=duplicate if duplicate.kind == "suggest" else None, now=now,
                     actor=intake.actor, sla_days=sla_days)
    return submission, case, False


def open_case(*, session: Session, station: Station, submission: Submission, urgency_level: urgency.Urgency,
              place: str | None, review: list[str], suggestion: dedupe.DuplicateDecision | None, now: datetime,
              actor: str, sla_days: dict[str, int] | None = None, note: str | None = None) -> Case:
    """A new case for ``submission`` at ``station``: numbered, timed, matched with deputies, queued, audited."""
    priority = Priority(urgency_level.priority)
    calendar = registry.work_calendar(session=session)
    case = Case(
        number=numbering.next_number(session=session, station_code=station.code, year=local(now).year),
        station_id=station.id, topic=submission.topic, department=submission.department, place=place,
        summary=submission.masked_text, priority=priority, priority_reasons=list(urgency_level.reasons),
        status=Status.REVIEW if review else Status.QUEUED, review_reasons=review,
        duplicate_candidate_id=suggestion.case_id if suggestion else None,
        duplicate_similarity=suggestion.similarity if suggestion else None,
        sla_due=sla_due(calendar=calendar, priority=priority, created_at=now, sla_days=sla_days),
        created_at=now, updated_at=now,
    )
    db.insert_new(session, case)
    submission.case_id = case.id
    submission.similarity = None
    if sa_inspect(submission).transient:  # a new submission (else one split off an existing case)
        db.insert_new(session, submission)
    else:
        session.add(submission)
    selection = _assign(session, case, station, _facts(session, case=case, station=station, now=now), now)
    notes = list(review) or [note or "自动分办入队"]
    if selection.primary is None:
        notes.append("所有符合条件的代表均已满额，待站长处理")
    audit.record(session=session, case=case, action="create", actor=actor, at=now,
                 after=audit.snapshot(case, ("status", "topic", "department", "priority", "station_id")),
                 reason="；".join(notes))
    session.flush()  # a split-off submission's new case_id
    return case


def rematch_waiting(*, session: Session, now: datetime, actor: str = "系统") -> list[Case]:
    """Give a primary deputy to the open cases that found everyone full, where capacity has freed up since."""
    matched = []
    for case in queue.unassigned(session=session):
        station = session.get(Station, case.station_id)
        selection = _assign(session, case, station, _facts(session, case=case, station=station, now=now), now)
        if selection.primary is not None:
            audit.record(session=session, case=case, action="rematch", actor=actor, at=now,
                         reason=f"已有代表可接：{selection.primary.candidate.name}")
            matched.append(case)
    session.flush()
    return matched


def split(*, session: Session, submission_id: int, actor: str, now: datetime, reason: str,
          sla_days: dict[str, int] | None = None) -> Case:
    """Undo a join: the submission leaves the case it joined and opens a case of its own (co-signers − 1)."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"没有找到诉求 #{submission_id}", code="submission_not_found")
    case = workflow.get_case(session=session, case_id=submission.case_id, lock=True)
    first = session.exec(select(Submission.id).where(Submission.case_id == case.id).order_by(Submission.id)).first()
    if first == submission.id:
        raise InvalidInput(f"诉求 #{submission_id} 是案件 {case.number} 的首条诉求，不能拆出", code="split_first")
    if not reason or not reason.strip():
        raise InvalidInput("请填写理由", code="missing_reason")
    station = session.get(Station, case.station_id)
    workflow.apply(session=session, case=case, action="split_out", actor=actor, now=now, reason=reason.strip(),
                   cosigners=max(0, case.cosigners - 1))
    level = urgency.assess(submission.masked_text, now_month=local(now).month)
    place = max(submission.places, key=lambda p: p.get("rank", 0))["name"] if submission.places else None
    return open_case(session=session, station=station, submission=submission, urgency_level=level,
                     place=place, review=[], suggestion=None, now=now, actor=actor, sla_days=sla_days,
                     note=f"拆出自 {case.number}：{reason.strip()}")


def _station_code(location: routing.Location, intake_code: str | None) -> str | None:
    """The station a submission goes to: where the text points, else the intake station, else (an ambiguous
    name and no intake station) the first reading, which goes to review."""
    return location.station_code or intake_code or (location.candidates[0] if location.candidates else None)


def _prefetch(*, engine: Engine, intake: Intake, analysis: Analysis) -> Analysis:
    """What depends only on slowly changing data (gazetteer, registry), worked out in a read-only transaction
    before the write lock is taken: where the text points, the text's dedupe signature and its affinity with
    the profiles of the deputies who might take it (cached where :func:`submit` will look)."""
    masked = analysis.prepared.masked
    with db.transaction(db.read_only(engine)) as session:
        d = registry.directory(session=session)
        given = d.stations.get((intake.intake_station or "").strip().upper())
        intake_code = given.code if given else None
        location = registry.place_index(session=session).locate(masked, intake_station=intake_code)
        station = d.stations.get(_station_code(location, intake_code) or "")
        if station is not None:
            profiles, idf = registry.likely_profiles(session=session, station=station,
                                                     topic=analysis.prediction.heads["topic"].label)
            affinity.warm(masked, profiles, idf)
    dedupe.signature(masked, [(m.start, m.end) for m in location.evidence])
    return Analysis(analysis.prepared, analysis.prediction, analysis.urgency, (intake_code, location))


def intake(*, engine: Engine, model: classification.LoadedModel, intake: Intake, now: datetime,
           max_chars: int, sla_days: dict[str, int] | None = None,
           annotate: Callable[[Session, Submission, Case, dict], dict] | None = None) -> dict:
    """:func:`submit` in its own transaction, retried once when a concurrent retry with the same idempotency
    key won the race (the second attempt then finds and returns the first one's result). The work that needs no
    write lock happens before it (:func:`analyse`, :func:`_prefetch`) and after it: the decision is described
    in a read-only transaction, where ``annotate`` may add to it (e.g. the original text, for a caller allowed
    to see it)."""
    analysis = analyse(model=model, intake=intake, now=now, max_chars=max_chars)
    analysis = _prefetch(engine=engine, intake=intake, analysis=analysis)
    for attempt in range(2):
        try:
            with db.transaction(engine) as session:
                submission, case, replayed = submit(session=session, model=model, intake=intake, now=now,
                                                    max_chars=max_chars, sla_days=sla_days, analysis=analysis)
            break
        except IntegrityError as exc:
            if not intake.idempotency_key:
                raise
            if attempt == 1:
                raise Conflict("同一幂等键的提交正在处理中，请稍后重试", code="idempotency_conflict") from exc
    with db.transaction(db.read_only(engine)) as session:  # committed: objects keep their values
        station = registry.directory(session=session).station(case.station_id)
        decision = describe_submission(session=session, submission=submission, case=case, replayed=replayed,
                                       station=station)
        return annotate(session, submission, case, decision) if annotate else decision
