"""The orchestrator end to end on the demo registry and the shipped model: one transaction per submission."""

from __future__ import annotations

from datetime import UTC, datetime

import opencc
import pytest
from sqlmodel import SQLModel, func, select

from triage import classification, db, open_cases, service
from triage.cases import queue
from triage.cases.models import AuditEvent, Case, Submission
from triage.errors import InvalidInput, NotFound
from triage.registry import demo
from triage.registry.models import Station
from triage.settings import get_settings

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 10:30 in Harbin
ARTICLE = ("我们是道里区抚顺街281号—388号的居民，楼道里的窗户年久失修，刮风漏风、下雨漏雨，"
           "冬天楼道冷得像冰窖，希望尽快给换上塑钢窗。")
to_traditional = opencc.OpenCC("s2t").convert


@pytest.fixture(scope="module")
def model():
    return classification.load(get_settings().model_dir)


@pytest.fixture
def world(engine):
    with db.transaction(engine) as session:
        demo.load_demo(session=session)
    return engine


def submit(engine, model, text, **kw):
    return service.intake(engine=engine, model=model, intake=service.Intake(text=text, **kw), now=kw.pop("now", NOW),
                          max_chars=20_000)


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_article_example_routes_to_fushun_community_with_a_matching_deputy(world, model, script):
    text = ARTICLE if script == "simplified" else to_traditional(ARTICLE)
    d = submit(world, model, text)
    assert d["station"]["code"] == "DL-FSSQ" and d["station"]["district"] == "道里区"
    assert d["topic"] == "城乡建设"
    assert d["case_number"].startswith("DL-FSSQ-2026-")
    assert "抚顺街" in d["location"]["reason"]
    primary = d["deputies"][0]
    assert primary["role"] == "primary" and any("城乡建设" in r for r in primary["reasons"])
    assert d["status"] in ("待办", "待确认") and d["duplicate_of"] is None and d["model_version"]


def test_same_idempotency_key_returns_the_same_case(world, model):
    first = submit(world, model, ARTICLE, idempotency_key="k-1")
    again = submit(world, model, ARTICLE, idempotency_key="k-1")
    assert again["replayed"] and not first["replayed"]
    assert (again["case_number"], again["submission_id"]) == (first["case_number"], first["submission_id"])
    with db.transaction(world) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 1


def test_same_problem_in_other_words_joins_but_another_problem_at_the_address_does_not(world, model):
    first = submit(world, model, "抚顺街281号3单元楼道的窗户坏了好几年，刮风下雨都往里灌，住户出门一身水。")
    again = submit(world, model, "撫順街281號樓梯間的窗子漏風漏雨，三單元的老住戶都受不了了，請幫忙修一修。")
    other = submit(world, model, "抚顺街281号3单元今年暖气一直不热，屋里才十四五度，老人孩子都冻感冒了。")
    assert again["case_number"] == first["case_number"] and again["duplicate_of"] == first["case_number"]
    assert again["cosigners"] == 1 and again["similarity"] > 0
    assert other["case_number"] != first["case_number"] and other["duplicate_of"] is None


def test_personal_data_is_masked_in_the_decision_and_kept_only_in_the_original(world, model):
    d = submit(world, model, "我叫张三丰，电话13912345678，南岗区学府路小区的路灯坏了一个月了，晚上黑漆漆的。",
               submitter_name="张三丰", contact="13912345678")
    flat = str(d)
    assert "13912345678" not in flat and "张三丰" not in flat
    assert d["pii"] == ["name", "mobile"]
    with db.transaction(world) as session:
        sub = session.get(Submission, d["submission_id"])
        assert "13912345678" in sub.text and sub.contact_last4 == "5678"
        assert "13912345678" not in sub.masked_text


def test_no_place_falls_back_to_the_intake_station_and_says_so(world, model):
    d = submit(world, model, "我家楼上天天半夜装修，电钻声吵得孩子睡不着，找了物业也不管。", intake_station="NG-XFL")
    assert d["station"]["code"] == "NG-XFL"
    assert "受理站点" in d["location"]["reason"]
    with pytest.raises(InvalidInput) as exc:
        submit(world, model, "我家楼上天天半夜装修，电钻声吵得孩子睡不着。")
    assert exc.value.code == "station_unknown"


def test_a_proposed_topic_that_disagrees_sends_the_case_to_review(world, model):
    d = submit(world, model, "道里区抚顺街的路灯坏了半个月，晚上走路看不见。", proposed_topic="纪检监察")
    assert d["status"] == "待确认"
    assert any("纪检监察" in r for r in d["review_reasons"])


def test_a_gas_leak_is_urgent_with_a_team_and_a_one_working_day_deadline(world, model):
    d = submit(world, model, "道里区抚顺街281号楼道里一股煤气味，好像燃气管道泄漏了，楼里还有独居老人，太危险了！")
    assert d["priority"] == "紧急"
    assert len(d["deputies"]) >= 2 and d["deputies"][0]["role"] == "primary"
    assert d["sla_due"].startswith("2026-11-26T00:00:00+08:00")  # the end of Wednesday


def test_a_failed_submission_writes_nothing(world, model):
    with pytest.raises(NotFound):
        submit(world, model, "楼道灯坏了", intake_station="NO-SUCH")
    with pytest.raises(InvalidInput):
        submit(world, model, "   ", intake_station="DL-FSSQ")
    with db.transaction(world) as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == 0
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_a_joined_submission_can_be_split_off_into_its_own_case(world, model):
    first = submit(world, model, "抚顺街281号3单元楼道的窗户坏了好几年，刮风下雨都往里灌，住户出门一身水。")
    joined = submit(world, model, "抚顺街281号楼梯间的窗子漏风漏雨，三单元的老住户都受不了了，请帮忙修一修。")
    assert joined["duplicate_of"] == first["case_number"]
    with db.transaction(world) as session:
        with pytest.raises(InvalidInput):
            service.split(session=session, submission_id=first["submission_id"], actor="站长", now=NOW, reason="误")
        new = service.split(session=session, submission_id=joined["submission_id"], actor="站长", now=NOW,
                            reason="是另一栋楼的窗户")
        new_number = new.number
    with db.transaction(world) as session:
        old = session.exec(select(Case).where(Case.number == first["case_number"])).one()
        assert old.cosigners == 0 and new_number != old.number
        moved = session.get(Submission, joined["submission_id"])
        assert moved.case_id == new.id and moved.similarity is None


def test_an_ambiguous_road_goes_to_review_unless_the_text_settles_it(world, model):
    unsure = submit(world, model, "中山路上的井盖丢了好几天了，晚上骑车很危险。")
    assert unsure["status"] == "待确认" and unsure["location"]["method"] == "ambiguous"
    assert any("中山路" in r for r in unsure["review_reasons"])
    settled = submit(world, model, "南岗区中山路上的路灯坏了一排，晚上黑漆漆的。")
    assert settled["station"]["district"] == "南岗区" and settled["location"]["method"] != "ambiguous"


def test_an_unknown_reception_session_is_a_clear_error(world, model):
    with pytest.raises(NotFound) as exc:
        submit(world, model, "抚顺街的路灯坏了", reception_session_id=999)
    assert exc.value.code == "reception_not_found"


def test_a_capacity_edit_takes_effect_at_once(world, model):
    with db.transaction(world) as session:
        from triage.registry.models import Deputy

        for d in session.exec(select(Deputy)).all():
            d.capacity = 0  # everyone full: edited in place, no row added
            session.add(d)
    d = submit(world, model, "道里区抚顺街281号楼道的灯坏了，晚上上下楼看不见。")
    assert d["deputies"] == []  # waits, unassigned, for the station head
    with db.transaction(world) as session:
        case = session.exec(select(Case).where(Case.number == d["case_number"])).one()
        events = session.exec(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
        assert any("满额" in e.reason for e in events)
        assert [c.id for c in queue.unassigned(session=session)] == [case.id]
        for deputy in session.exec(select(Deputy)).all():
            deputy.capacity = 5
            session.add(deputy)
    with db.transaction(world) as session:
        assert [c.number for c in service.rematch_waiting(session=session, now=NOW)] == [d["case_number"]]
        assert queue.unassigned(session=session) == []


def test_a_failure_after_the_case_is_written_rolls_everything_back(world, model, monkeypatch):
    def broken(**_kw):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(service.audit, "record", broken)  # the last step of opening a case
    with pytest.raises(RuntimeError):
        submit(world, model, "道里区抚顺街281号楼道窗户漏风漏雨。")
    with db.transaction(world) as session:
        for table in (Case, Submission, AuditEvent):
            assert session.exec(select(func.count()).select_from(table)).one() == 0


def test_a_paraphrase_that_omits_the_district_still_joins(world, model):
    first = submit(world, model, "道里区抚顺街281号楼道的窗户坏了，刮风下雨都往里灌，住户出门一身水。")
    again = submit(world, model, "抚顺街281号楼梯间窗子漏风漏雨，住户都受不了了。")
    assert first["place"] == "抚顺街" and again["duplicate_of"] == first["case_number"]


def test_concurrent_retries_with_one_idempotency_key_store_one_submission(world, model):
    import threading

    answers, errors = [], []

    def send() -> None:
        try:
            answers.append(submit(world, model, "道里区抚顺街281号楼道窗户漏风漏雨。", idempotency_key="same"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len({a["case_number"] for a in answers}) == 1
    assert sum(not a["replayed"] for a in answers) == 1
    with db.transaction(world) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 1


def test_cached_dedupe_signatures_never_cross_databases_that_reuse_submission_ids(world, model, tmp_path):
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    SQLModel.metadata.create_all(other)
    with db.transaction(other) as session:
        demo.load_demo(session=session)
    try:
        window = "抚顺街281号3单元楼道的窗户坏了好几年，刮风下雨都往里灌，住户出门一身水。"
        paraphrase = "撫順街281號樓梯間的窗子漏風漏雨，三單元的老住戶都受不了了，請幫忙修一修。"
        first = submit(world, model, window)
        assert submit(world, model, paraphrase)["case_number"] == first["case_number"]  # caches submission 1
        heating = submit(other, model, "抚顺街281号3单元今年暖气一直不热，屋里才十四五度，老人孩子都冻感冒了。")
        assert heating["submission_id"] == first["submission_id"]  # the same id, another text
        again = submit(other, model, paraphrase)
        assert again["duplicate_of"] is None and again["case_number"] != heating["case_number"]
    finally:
        other.dispose()


def test_the_dedupe_window_holds_every_submission_of_each_open_case_newest_case_first(world, model, monkeypatch):
    first = submit(world, model, "抚顺街281号3单元楼道的窗户坏了好几年，刮风下雨都往里灌，住户出门一身水。")
    submit(world, model, "撫順街281號樓梯間的窗子漏風漏雨，三單元的老住戶都受不了了，請幫忙修一修。")
    heating = submit(world, model, "抚顺街281号3单元今年暖气一直不热，屋里才十四五度，老人孩子都冻感冒了。")
    with db.transaction(db.read_only(world)) as session:
        station = session.exec(select(Station).where(Station.code == "DL-FSSQ")).one()
        cases = open_cases.window(session=session, station=station)
        dialect = session.connection().dialect
        monkeypatch.setitem(open_cases._window_sqls, (dialect.name, dialect.driver), None)  # an unknown driver
        assert open_cases.window(session=session, station=station) == cases  # the same through SQLAlchemy
    assert [c.number for c in cases] == [heating["case_number"], first["case_number"]]
    assert [len(c.signatures) for c in cases] == [1, 2]
    assert "heating" in cases[0].signatures[0].concepts
    assert all("window" in s.concepts for s in cases[1].signatures)


def test_the_case_and_submission_submit_returns_are_held_by_its_session(world, model):
    with db.transaction(world) as session:
        submission, case, _ = service.submit(session=session, model=model, now=NOW, max_chars=20_000,
                                             intake=service.Intake(text=ARTICLE))
        assert session.get(Case, case.id) is case and session.get(Submission, submission.id) is submission
        case.summary = "已由站长核实"  # a change in the same session is saved, not inserted again
    with db.transaction(world) as session:
        assert session.get(Case, case.id).summary == "已由站长核实"
        assert session.exec(select(func.count()).select_from(Case)).one() == 1


def test_cached_dedupe_signatures_are_dropped_when_a_backup_is_restored_under_a_running_process(
        model, tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setattr(open_cases._Signatures, "CHECK_EVERY", 0.0)  # look at every intake
    live = tmp_path / "live.db"
    engine = db.make_engine(f"sqlite:///{live}")
    SQLModel.metadata.create_all(engine)
    with db.transaction(engine) as session:
        demo.load_demo(session=session)
    with sqlite3.connect(live) as src, sqlite3.connect(tmp_path / "backup.db") as copy:
        src.backup(copy)  # the backup: registry only, no submissions yet
    try:
        window = "抚顺街281号3单元楼道的窗户坏了好几年，刮风下雨都往里灌，住户出门一身水。"
        paraphrase = "撫順街281號樓梯間的窗子漏風漏雨，三單元的老住戶都受不了了，請幫忙修一修。"
        first = submit(engine, model, window)
        assert submit(engine, model, paraphrase)["duplicate_of"] == first["case_number"]  # caches submission 1
        with sqlite3.connect(tmp_path / "backup.db") as copy, sqlite3.connect(live) as dst:
            copy.backup(dst)  # restored while the engine (the server) keeps running
        heating = submit(engine, model, "抚顺街281号3单元今年暖气一直不热，屋里才十四五度，老人孩子都冻感冒了。")
        assert heating["submission_id"] == first["submission_id"]  # the same id, another text
        assert submit(engine, model, paraphrase)["duplicate_of"] is None
    finally:
        engine.dispose()
