import json
import random
import re
from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.normalize import normalize
from triage.affinity import shared_terms
from triage.matching import (
    EXCLUDED_FULL,
    Candidate,
    CaseFacts,
    affiliation_variants,
    needs_district_fallback,
    rank,
    select,
    team_size,
)

MONDAY = date(2026, 11, 23)
HEATING = "我们小区今年供热以后暖气一直不热，室温只有十二度，供热公司说管网老化，请代表帮忙反映。"
HEATING_PROFILE = "长期从事城市集中供热和管网改造工作，能解答冬季室温不达标、管网跑冒滴漏和供热价格问题。"
SCHOOL_PROFILE = "从教二十年，分管学校德育和招生工作，关注学区划分和课后服务。"


def deputy(code: str = "D001", **kw) -> Candidate:
    fields = {
        "deputy_id": int(code[1:]),
        "code": code,
        "name": "测试代表" + code,
        "level": "区",
        "expertise": ("城乡建设",),
        "profile": HEATING_PROFILE,
        "capacity": 8,
        "open_load": 0,
        "reception_days": (),
        "affiliations": (),
        "resolved_by_topic": {},
        "at_station": True,
        "sector": "社区工作者",
    }
    fields.update(kw)
    return Candidate(**fields)


def case(text: str = HEATING, **kw) -> CaseFacts:
    fields = {"topic": "城乡建设", "text": text, "priority": "一般"}
    fields.update(kw)
    return CaseFacts(**fields)


def codes(ranked) -> list[str]:
    return [r.candidate.code for r in ranked]


def test_expertise_outweighs_every_other_term_together():
    expert = deputy("D001", profile=SCHOOL_PROFILE, open_load=7, at_station=False, reception_days=(7,))
    other = deputy(
        "D002",
        expertise=("教育文体",),
        profile=HEATING,
        resolved_by_topic={"城乡建设": 50},
        reception_days=(1,),
    )
    sel = select(case(today=MONDAY), [other, expert])
    assert sel.primary is not None and sel.primary.candidate.code == "D001"
    assert "未列城乡建设专长" in sel.ranked[1].reasons


def test_full_deputy_is_excluded_and_never_ranked():
    full = deputy("D001", open_load=8, capacity=8)
    free = deputy("D002", expertise=("民政",))
    eligible, excluded = rank(case(), [full, free])
    assert codes(eligible) == ["D002"]
    assert codes(excluded) == ["D001"] and excluded[0].excluded == EXCLUDED_FULL
    assert "在办 8/8 件" in excluded[0].reasons


def test_deputy_with_zero_capacity_counts_as_full():
    _, excluded = rank(case(), [deputy("D001", capacity=0)])
    assert excluded[0].excluded == EXCLUDED_FULL


def test_affiliation_named_by_its_core_excludes_the_deputy():
    text = "安泰热力把我们楼的暖气停了，说是欠费，可我们早就交过了。"
    sel = select(case(text), [deputy("D001", affiliations=("安泰热力公司",)), deputy("D002")])
    assert codes(sel.ranked) == ["D002"]
    assert sel.excluded[0].excluded == "利益冲突：文中提到安泰热力"


def test_affiliation_in_traditional_script_is_recognised_after_normalization():
    text = normalize("安泰熱力公司的暖氣一直不熱")
    _, excluded = rank(case(text), [deputy("D001", affiliations=("安泰热力公司",))])
    assert excluded and excluded[0].excluded.startswith("利益冲突")


def test_generic_words_of_an_affiliation_do_not_exclude():
    text = "热力公司说管网老化没办法，物业公司也不管。"
    eligible, excluded = rank(case(text), [deputy("D001", affiliations=("安泰热力公司", "瑞丰物业公司"))])
    assert codes(eligible) == ["D001"] and excluded == []


def test_affiliation_variants_keep_the_distinctive_core_only():
    assert affiliation_variants("安泰热力公司") == ("安泰热力公司", "安泰热力")
    assert "正衡律所" in affiliation_variants("正衡律师事务所")
    assert affiliation_variants("利民小学") == ("利民小学",)  # 利民 alone is a common word
    assert affiliation_variants("正律师事务所") == ("正律师事务所",)  # a one-character brand is not a core
    assert affiliation_variants("公司") == () and affiliation_variants("热力") == ()


def test_lighter_load_wins_between_otherwise_equal_deputies():
    heavy = deputy("D001", open_load=5)
    light = deputy("D002", open_load=1)
    sel = select(case(), [heavy, light])
    assert sel.primary is not None and sel.primary.candidate.code == "D002"


def test_more_resolved_cases_of_the_topic_win_between_otherwise_equal_deputies():
    novice = deputy("D001", resolved_by_topic={"城乡建设": 1, "民政": 30})
    veteran = deputy("D002", resolved_by_topic={"城乡建设": 12})
    assert codes(select(case(), [novice, veteran]).ranked) == ["D002", "D001"]


def test_equal_scores_are_ordered_by_code_whatever_the_input_order():
    pool = [deputy(f"D00{i}", name=f"代表{9 - i}") for i in (3, 1, 2)]  # names sort the other way
    first = select(case(), pool)
    random.Random(7).shuffle(pool)
    second = select(case(), pool)
    assert codes(first.ranked) == ["D001", "D002", "D003"]
    assert first.to_dict() == second.to_dict()


def test_profile_close_to_the_text_breaks_a_tie_between_experts():
    pool = [deputy("D001", profile=SCHOOL_PROFILE), deputy("D002", profile=HEATING_PROFILE)]
    sel = select(case(), pool)
    assert sel.primary is not None and sel.primary.candidate.code == "D002"
    profile_reason = next(r for r in sel.primary.reasons if r.startswith("简介相关："))
    assert "供热" in profile_reason and "管网" in profile_reason


def test_shared_terms_merge_adjacent_characters_into_one_term():
    assert shared_terms("管网改造拖了三年", "负责老旧管网改造", {}) == ["管网改造"]


def test_team_size_grows_with_each_trigger_up_to_three():
    assert team_size(case()) == 1
    assert team_size(case(priority="紧急")) == 2
    assert team_size(case(cosigners=4)) == 1
    assert team_size(case(cosigners=5)) == 2
    assert team_size(case(theme_topic="城乡建设")) == 2
    assert team_size(case(theme_topic="民政")) == 1
    assert team_size(case(priority="紧急", cosigners=9)) == 3
    assert team_size(case(priority="紧急", cosigners=9, theme_topic="城乡建设")) == 3


def test_team_excludes_primary_and_prefers_another_sector():
    pool = [
        deputy("D001", open_load=0),
        deputy("D002", open_load=1),  # same sector as D001, a shade better than D003
        deputy("D003", open_load=1, sector="律师", capacity=7),
    ]
    sel = select(case(priority="紧急"), pool)
    assert sel.primary is not None and sel.primary.candidate.code == "D001"
    assert codes(sel.team) == ["D003"]
    assert "组团：不同界别（律师）" in sel.team[0].reasons


def test_no_team_for_an_ordinary_case_and_a_short_team_when_few_are_eligible():
    assert select(case(), [deputy("D001"), deputy("D002")]).team == ()
    sel = select(case(priority="紧急", cosigners=6), [deputy("D001"), deputy("D002")])
    assert codes(sel.team) == ["D002"]


def test_all_full_only_when_someone_free_of_conflict_exists_and_everyone_is_full():
    full = [deputy("D001", open_load=8), deputy("D002", open_load=9)]
    sel = select(case(), full)
    assert sel.primary is None and sel.all_full
    conflicted = deputy("D003", affiliations=("安泰热力公司",))
    assert select(case("安泰热力公司不给供暖"), [conflicted, *full]).all_full
    only_conflicted = select(case("安泰热力公司不给供暖"), [conflicted])
    assert only_conflicted.primary is None and not only_conflicted.all_full
    assert not select(case(), []).all_full
    assert not select(case(), [*full, deputy("D004")]).all_full


def test_reasons_are_short_chinese_phrases():
    d = deputy("D001", open_load=3, resolved_by_topic={"城乡建设": 4}, reception_days=(3, 5))
    sel = select(case(today=MONDAY), [d, deputy("D002", at_station=False, expertise=("民政",))])
    assert sel.primary is not None
    reasons = sel.primary.reasons
    for expected in ("擅长城乡建设", "已办结同类 4 件", "在办 3/8 件", "周三接待（2 天后）", "本站代表"):
        assert expected in reasons
    assert "同区代表" in sel.ranked[1].reasons
    for r in (*sel.ranked, *sel.excluded):
        assert all(re.search(r"[\u4e00-\u9fff]", reason) and len(reason) <= 40 for reason in r.reasons)


def test_sooner_reception_day_wins_between_otherwise_equal_deputies():
    later = deputy("D001", reception_days=(6,))
    sooner = deputy("D002", reception_days=(2,))
    sel = select(case(today=MONDAY), [later, sooner])
    assert codes(sel.ranked) == ["D002", "D001"]
    assert "周六接待（5 天后）" in sel.ranked[1].reasons


def test_reception_today_is_said_so():
    sel = select(case(today=MONDAY), [deputy("D001", reception_days=(1,))])
    assert sel.primary is not None and "周一接待（今天）" in sel.primary.reasons


def test_district_fallback_needed_only_without_an_eligible_station_expert():
    assert not needs_district_fallback(case(), [deputy("D001")])
    assert needs_district_fallback(case(), [deputy("D001", open_load=8)])
    assert needs_district_fallback(case(), [deputy("D001", expertise=("民政",))])
    assert needs_district_fallback(case(), [])


def test_station_member_beats_same_district_fallback_and_duplicates_collapse():
    member = deputy("D002")
    sel = select(case(), [deputy("D001", at_station=False), replace(member, at_station=False), member])
    assert codes(sel.ranked) == ["D002", "D001"]
    assert sel.ranked[0].candidate.at_station


def test_selection_serialises_to_json():
    sel = select(case(priority="紧急"), [deputy("D001"), deputy("D002", open_load=8)])
    data = json.loads(json.dumps(sel.to_dict(), ensure_ascii=False))
    assert data["primary"]["code"] == "D001" and data["excluded"][0]["excluded"] == "已满额"
    assert data["all_full"] is False


TEXTS = (HEATING, "安泰热力又停暖了", "正衡律所的律师收费太高", "楼道里堆满杂物没人管", "热力公司不作为")
AFFILIATIONS = ("安泰热力公司", "正衡律师事务所", "瑞丰物业公司")
TOPICS = ("城乡建设", "民政", "政法")


@st.composite
def pools(draw) -> list[Candidate]:
    n = draw(st.integers(min_value=0, max_value=6))
    out = []
    for i in range(1, n + 1):
        capacity = draw(st.integers(min_value=0, max_value=5))
        out.append(
            deputy(
                f"D{i:03d}",
                capacity=capacity,
                open_load=draw(st.integers(min_value=0, max_value=capacity + 2)),
                expertise=tuple(draw(st.lists(st.sampled_from(TOPICS), max_size=2, unique=True))),
                affiliations=tuple(draw(st.lists(st.sampled_from(AFFILIATIONS), max_size=1))),
                at_station=draw(st.booleans()),
                sector=draw(st.sampled_from(("律师", "教师", "农民"))),
                reception_days=tuple(draw(st.lists(st.integers(min_value=1, max_value=7), max_size=3))),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(
    pools(),
    st.sampled_from(TEXTS),
    st.sampled_from(TOPICS),
    st.sampled_from(("紧急", "较急", "一般")),
    st.integers(min_value=0, max_value=8),
)
def test_never_selects_an_excluded_or_full_deputy(pool, text, topic, priority, cosigners):
    c = case(text, topic=topic, priority=priority, cosigners=cosigners, today=MONDAY)
    sel = select(c, pool)
    chosen = [r for r in (sel.primary, *sel.team) if r is not None]
    for r in chosen:
        assert r.excluded is None
        assert r.candidate.open_load < r.candidate.capacity
        assert not any(v in text for a in r.candidate.affiliations for v in affiliation_variants(a))
    assert len({r.candidate.code for r in chosen}) == len(chosen) <= team_size(c)
    assert sel.primary is None or sel.primary == sel.ranked[0]
    assert sorted(codes(sel.ranked) + codes(sel.excluded)) == sorted(d.code for d in pool)
    assert sel.all_full == (not sel.ranked and any(r.excluded == EXCLUDED_FULL for r in sel.excluded))
