"""Rank a station's deputies for one case (expertise, text vs profile, history, load, reception day, conflicts)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from triage.affinity import affinity, profile_idf

# Score weights. Expertise outweighs every other term put together (0.5+0.2+0.6+0.15+0.3 = 1.75 < 2.0), so a
# deputy listing the topic always outranks one who does not; the rest orders deputies of equal expertise.
W_EXPERTISE = 2.0
W_PROFILE = 0.5  # × min(1, cosine(text, profile) / PROFILE_SATURATION)
PROFILE_SATURATION = 0.25
W_HISTORY = 0.2  # × min(1, log(1 + resolved) / log(1 + HISTORY_SATURATION))
HISTORY_SATURATION = 20
W_SPARE = 0.6  # × (1 − open_load / capacity): the lighter deputy wins, which spreads the work
W_RECEPTION = 0.15  # × (1 − days until the next reception day / 7)
W_HOME = 0.3  # a member of the case's station over a same-district fallback
# Team (组团接) building: breadth bonuses added to a member's score when choosing who joins the primary.
W_TEAM_SECTOR = 0.3  # a sector (界别) not yet on the team
W_TEAM_TOPIC = 0.1  # brings expertise the team lacks
TEAM_MAX = 3
TEAM_COSIGNERS = 5
SCORE_DIGITS = 4  # ties: score rounded to this many decimals, then deputy code

PRIORITY_URGENT = "紧急"
EXCLUDED_FULL = "已满额"
EXCLUDED_CONFLICT = "利益冲突"
WEEKDAYS = "一二三四五六日"

# Legal-form suffixes of a declared affiliation and the shorter forms the text may use instead.
_LEGAL_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("股份有限公司", ("", "公司")),
    ("有限责任公司", ("", "公司")),
    ("有限公司", ("", "公司")),
    ("集团公司", ("", "集团")),
    ("专业合作社", ("", "合作社")),
    ("律师事务所", ("律所", "律师所")),
    ("集团", ("",)),
    ("公司", ("",)),
    ("合作社", ("",)),
    ("事务所", ("",)),
    ("厂", ("",)),
)
# fmt: off
_GENERIC_NAMES = frozenset({
    "公司", "集团", "热力", "供热", "物业", "公交", "地铁", "医院", "卫生院", "学校", "小学", "中学", "幼儿园",
    "超市", "市场", "饭店", "宾馆", "酒店", "律所", "合作社", "工厂", "银行", "社区", "街道", "政府", "中心",
    "供电所", "派出所",
})
# fmt: on
_MIN_VARIANT = 3  # a shortened affiliation shorter than this is too generic to name anyone


@dataclass(frozen=True)
class Candidate:
    deputy_id: int
    code: str
    name: str
    level: str
    expertise: tuple[str, ...]
    profile: str
    capacity: int
    open_load: int
    reception_days: tuple[int, ...]
    affiliations: tuple[str, ...]
    resolved_by_topic: Mapping[str, int]
    at_station: bool
    sector: str = ""  # 界别 (Deputy.sector); used only to give a team breadth


@dataclass(frozen=True)
class CaseFacts:
    topic: str
    text: str
    priority: str
    cosigners: int = 0
    theme_topic: str | None = None
    today: date | None = None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]
    excluded: str | None = None

    def to_dict(self) -> dict:
        c = self.candidate
        return {
            "deputy_id": c.deputy_id,
            "code": c.code,
            "name": c.name,
            "score": round(self.score, SCORE_DIGITS),
            "reasons": list(self.reasons),
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class Selection:
    primary: Ranked | None
    team: tuple[Ranked, ...]
    ranked: tuple[Ranked, ...]
    excluded: tuple[Ranked, ...]
    all_full: bool
    team_size: int = field(default=1)

    def to_dict(self) -> dict:
        return {
            "primary": self.primary.to_dict() if self.primary else None,
            "team": [r.to_dict() for r in self.team],
            "team_size": self.team_size,
            "ranked": [r.to_dict() for r in self.ranked],
            "excluded": [r.to_dict() for r in self.excluded],
            "all_full": self.all_full,
        }


# --- hard constraints --------------------------------------------------------------------------------------


def affiliation_variants(name: str) -> tuple[str, ...]:
    """How a declared affiliation may appear in a message: the full name and its distinctive core."""
    name = "".join(name.split())
    if len(name) < 2 or name in _GENERIC_NAMES:
        return ()
    out = [name]
    for suffix, alternatives in _LEGAL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            for alt in alternatives:
                variant = base + alt
                if len(variant) >= _MIN_VARIANT and variant not in _GENERIC_NAMES and len(base) >= 2:
                    out.append(variant)
            break
    return tuple(dict.fromkeys(out))


@functools.lru_cache(maxsize=4096)
def _searched_variants(affiliations: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(variant, its lower case) of each affiliation in turn, longest variant first."""
    return tuple((v, v.lower()) for a in affiliations for v in sorted(affiliation_variants(a), key=len, reverse=True))


def conflict_in(text: str, affiliations: Iterable[str]) -> str | None:
    """The first declared affiliation named in ``text`` (as the text spells it), or None."""
    variants = _searched_variants(tuple(affiliations))
    if not variants:
        return None
    flat = "".join(text.split()).lower()
    return next((variant for variant, lower in variants if lower in flat), None)


# --- soft terms --------------------------------------------------------------------------------------------


def days_to_reception(days: Iterable[int], today: date) -> tuple[int, int] | None:
    """(ISO weekday, days from today) of the next reception day, today counting as 0; None without days."""
    options = sorted(((d - today.isoweekday()) % 7, d) for d in set(days) if 1 <= d <= 7)
    return (options[0][1], options[0][0]) if options else None


def team_size(case: CaseFacts) -> int:
    """1, or 2–3 for 组团接: one more per trigger (紧急, ≥ 5 co-signers, the station's theme topic)."""
    triggers = sum(
        (
            case.priority == PRIORITY_URGENT,
            case.cosigners >= TEAM_COSIGNERS,
            case.theme_topic is not None and case.topic == case.theme_topic,
        )
    )
    return min(TEAM_MAX, 1 + triggers)


def _score(case: CaseFacts, c: Candidate, idf: Mapping[str, float]) -> Ranked:
    score, reasons = 0.0, []
    if case.topic in c.expertise:
        score += W_EXPERTISE
        reasons.append(f"擅长{case.topic}")
    else:
        reasons.append(f"未列{case.topic}专长")
    cosine, terms = affinity(case.text, c.profile, idf)
    if cosine > 0:
        score += W_PROFILE * min(1.0, cosine / PROFILE_SATURATION)
        if terms:
            reasons.append("简介相关：" + "、".join(terms))
    resolved = max(0, int(c.resolved_by_topic.get(case.topic, 0)))
    if resolved:
        score += W_HISTORY * min(1.0, math.log1p(resolved) / math.log1p(HISTORY_SATURATION))
        reasons.append(f"已办结同类 {resolved} 件")
    if c.capacity > 0:
        score += W_SPARE * max(0.0, 1.0 - c.open_load / c.capacity)
    reasons.append(f"在办 {c.open_load}/{c.capacity} 件")
    if case.today is not None:
        nxt = days_to_reception(c.reception_days, case.today)
        if nxt is not None:
            weekday, wait = nxt
            score += W_RECEPTION * (1.0 - wait / 7)
            when = {0: "今天", 1: "明天"}.get(wait, f"{wait} 天后")
            reasons.append(f"周{WEEKDAYS[weekday - 1]}接待（{when}）")
    elif c.reception_days:
        reasons.append("接待日：" + "、".join(f"周{WEEKDAYS[d - 1]}" for d in sorted(set(c.reception_days))))
    if c.at_station:
        score += W_HOME
        reasons.append("本站代表")
    else:
        reasons.append("同区代表")
    excluded = None
    hit = conflict_in(case.text, c.affiliations)
    if hit is not None:
        excluded = f"{EXCLUDED_CONFLICT}：文中提到{hit}"
    elif c.open_load >= c.capacity:
        excluded = EXCLUDED_FULL
    return Ranked(c, score, tuple(reasons), excluded)


def _key(r: Ranked) -> tuple[float, str]:
    return (-round(r.score, SCORE_DIGITS), r.candidate.code)


def _unique(candidates: Sequence[Candidate]) -> list[Candidate]:
    """One entry per deputy; a station member wins over the same deputy passed as district fallback."""
    seen: dict[int, Candidate] = {}
    for c in candidates:
        if c.deputy_id not in seen or (c.at_station and not seen[c.deputy_id].at_station):
            seen[c.deputy_id] = c
    return list(seen.values())


def rank(
    case: CaseFacts, candidates: Sequence[Candidate], *, idf: Mapping[str, float] | None = None
) -> tuple[list[Ranked], list[Ranked]]:
    """(eligible best first, excluded by code); ``idf`` defaults to one built from these candidates' profiles."""
    pool = _unique(candidates)
    if idf is None:
        idf = profile_idf(c.profile for c in pool)
    scored = [_score(case, c, idf) for c in pool]
    eligible = sorted((r for r in scored if r.excluded is None), key=_key)
    excluded = sorted((r for r in scored if r.excluded is not None), key=lambda r: r.candidate.code)
    return eligible, excluded


def needs_district_fallback(case: CaseFacts, station_candidates: Sequence[Candidate]) -> bool:
    """True when no eligible member of the station lists the topic: widen the pool to the district."""
    return not any(
        case.topic in c.expertise and c.open_load < c.capacity and conflict_in(case.text, c.affiliations) is None
        for c in station_candidates
    )


def _team(primary: Ranked, rest: Sequence[Ranked], size: int) -> list[Ranked]:
    team: list[Ranked] = []
    pool = list(rest)
    while pool and len(team) < size - 1:
        members = [primary, *team]
        sectors = {m.candidate.sector for m in members if m.candidate.sector}
        topics = {t for m in members for t in m.candidate.expertise}

        def bonus(r: Ranked, sectors: set[str] = sectors, topics: set[str] = topics) -> float:
            new_sector = bool(r.candidate.sector) and r.candidate.sector not in sectors
            return W_TEAM_SECTOR * new_sector + W_TEAM_TOPIC * bool(set(r.candidate.expertise) - topics)

        best = min(pool, key=lambda r: (-round(r.score + bonus(r), SCORE_DIGITS), r.candidate.code))
        pool.remove(best)
        extra = []
        if best.candidate.sector and best.candidate.sector not in sectors:
            extra.append(f"组团：不同界别（{best.candidate.sector}）")
        new_topics = [t for t in best.candidate.expertise if t not in topics]
        if new_topics:
            extra.append("组团：补充专长（" + "、".join(new_topics) + "）")
        team.append(replace(best, reasons=best.reasons + tuple(extra)))
    return team


def select(case: CaseFacts, candidates: Sequence[Candidate], *, idf: Mapping[str, float] | None = None) -> Selection:
    """The primary deputy, a team when the case calls for 组团接, and every candidate with reasons."""
    eligible, excluded = rank(case, candidates, idf=idf)
    size = team_size(case)
    not_conflicted = [r for r in excluded if r.excluded == EXCLUDED_FULL]
    all_full = not eligible and bool(not_conflicted)
    primary = eligible[0] if eligible else None
    team = tuple(_team(primary, eligible[1:], size)) if primary else ()
    return Selection(primary, team, tuple(eligible), tuple(excluded), all_full, size)
