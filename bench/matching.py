"""Deputy matching on the demo registry: 1,000 corpus cases over simulated time, expertise share, load spread.

Each case goes to a station (the message's district → one of its stations, else any station, seeded), is matched
against that station's deputies (widened to the district's when no eligible member lists the topic), adds one
open case to its primary and team, and stays open a random 5–25 simulated days. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SEED  # noqa: E402

from classifier.corpus import load_corpus  # noqa: E402
from classifier.text import prepare  # noqa: E402
from triage.affinity import profile_idf  # noqa: E402
from triage.matching import (  # noqa: E402
    Candidate,
    CaseFacts,
    needs_district_fallback,
    select,
)

CASES = 1000
LOAD = 0.56  # the default rate keeps about this share of the registry's total capacity open at steady state
ASSIGNMENTS_PER_CASE = 1.1  # primary plus the occasional team member (measured in this simulation)
OPEN_DAYS = (5, 25)  # a case stays open this many simulated days (uniform)
WARM_UP = OPEN_DAYS[1]  # days before the open load reaches its steady state; excluded from the time mean
START = date(2026, 3, 2)  # a Monday
THEME_DAYS = 30  # each station announces a theme topic per reception period of this many days
COSIGNED_SHARE, COSIGNERS_MAX = 0.1, 12  # a tenth of the cases have 1–12 co-signers
TARGET_EXPERTISE, TARGET_GINI = 0.80, 0.30
REGISTRY = REPO / "training_data" / "registry"


@dataclass
class Deputy:
    n: int
    row: dict
    load: int = 0
    resolved: Counter = field(default_factory=Counter)

    def candidate(self, station: str) -> Candidate:
        r = self.row
        return Candidate(
            deputy_id=self.n,
            code=r["id"],
            name=r["name"],
            level=r["level"],
            expertise=tuple(r["expertise"]),
            profile=r["profile"],
            capacity=r["capacity"],
            open_load=self.load,
            reception_days=tuple(r["reception_days"]),
            affiliations=tuple(r["affiliations"]),
            resolved_by_topic=dict(self.resolved),
            at_station=station in r["stations"],
            sector=r.get("sector", ""),
        )


def gini(values: list[float]) -> float:
    xs = sorted(values)
    total = sum(xs)
    if not xs or total == 0:
        return 0.0
    n = len(xs)
    return 2 * sum((i + 1) * x for i, x in enumerate(xs)) / (n * total) - (n + 1) / n


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass
class Result:
    rate: int
    cases: int
    seed: int
    days: int = 0
    assigned: int = 0
    expert: int = 0
    violations: int = 0
    waiting: int = 0
    no_candidate: int = 0
    fallback: int = 0
    from_district: int = 0
    team_cases: int = 0
    team_members: int = 0
    station_has_expert: int = 0
    pool_has_expert: int = 0
    experts_busy: int = 0  # went to a non-expert although the pool had an expert (full or conflicted)
    end_raw: float = 0.0
    end_ratio: float = 0.0
    gini_raw_days: list[float] = field(default_factory=list)
    gini_ratio_days: list[float] = field(default_factory=list)
    util_days: list[float] = field(default_factory=list)
    no_expert: Counter = field(default_factory=Counter)  # (district, topic) → cases with no expert in the pool

    @property
    def share(self) -> float:
        return self.expert / self.assigned if self.assigned else 0.0

    @property
    def mean_raw(self) -> float:
        return sum(self.gini_raw_days) / len(self.gini_raw_days) if self.gini_raw_days else self.end_raw

    @property
    def mean_ratio(self) -> float:
        return sum(self.gini_ratio_days) / len(self.gini_ratio_days) if self.gini_ratio_days else self.end_ratio

    @property
    def utilisation(self) -> float:
        return sum(self.util_days) / len(self.util_days) if self.util_days else 0.0


def default_rate() -> int:
    """New cases per simulated day that keep LOAD of the registry's capacity busy: stressed, not swamped."""
    rows = json.loads((REGISTRY / "deputies.json").read_text(encoding="utf-8"))
    mean_open = sum(OPEN_DAYS) / 2
    return max(1, round(LOAD * sum(r["capacity"] for r in rows) / (mean_open * ASSIGNMENTS_PER_CASE)))


def simulate(rate: int | None = None, cases: int = CASES, seed: int = SEED) -> Result:
    rate = rate or default_rate()
    rng = random.Random(seed)
    rows = json.loads((REGISTRY / "deputies.json").read_text(encoding="utf-8"))
    stations = json.loads((REGISTRY / "stations.json").read_text(encoding="utf-8"))
    deputies = [Deputy(n, r) for n, r in enumerate(rows, 1)]
    by_id = {d.n: d for d in deputies}
    idf = profile_idf(r["profile"] for r in rows)
    district_of = {s["code"]: s["district"] for s in stations}
    by_district: dict[str, list[str]] = defaultdict(list)
    for s in stations:
        by_district[s["district"]].append(s["code"])
    members = {s["code"]: [d for d in deputies if s["code"] in d.row["stations"]] for s in stations}
    in_district = {
        name: [d for d in deputies if any(district_of.get(c) == name for c in d.row["stations"])]
        for name in by_district
    }
    corpus = [e for e in load_corpus() if e.topic]
    topics = sorted({e.topic for e in corpus})
    examples = rng.sample(corpus, cases)
    total_capacity = sum(r["capacity"] for r in rows)
    res = Result(rate, cases, seed)
    closing: dict[int, list[tuple[Deputy, str, bool]]] = defaultdict(list)
    themes: dict[tuple[str, int], str] = {}
    day = -1
    for i, ex in enumerate(examples):
        while day < i // rate:  # a new simulated day: close what is due, then sample the spread
            day += 1
            for dep, topic, primary in closing.pop(day, []):
                dep.load -= 1
                if primary:
                    dep.resolved[topic] += 1
            if day >= WARM_UP:
                res.gini_raw_days.append(gini([d.load for d in deputies]))
                res.gini_ratio_days.append(gini([d.load / d.row["capacity"] for d in deputies]))
                res.util_days.append(sum(d.load for d in deputies) / total_capacity)
        district_stations = by_district.get(ex.district or "") or [s["code"] for s in stations]
        station = rng.choice(district_stations)
        district = district_of[station]
        theme = themes.setdefault((station, day // THEME_DAYS), rng.choice(topics))
        cosigners = rng.randint(1, COSIGNERS_MAX) if rng.random() < COSIGNED_SHARE else 0
        case = CaseFacts(
            topic=ex.topic,
            text=prepare(ex.text).masked,
            priority=ex.urgency or "一般",
            cosigners=cosigners,
            theme_topic=theme,
            today=START + timedelta(days=day),
        )
        own = [d.candidate(station) for d in members[station]]
        others = [d.candidate(station) for d in in_district[district] if d not in members[station]]
        res.station_has_expert += any(ex.topic in c.expertise for c in own)
        pool_has_expert = any(ex.topic in c.expertise for c in own + others)
        res.pool_has_expert += pool_has_expert
        candidates = own
        if needs_district_fallback(case, own):
            candidates = own + others
            res.fallback += 1
        sel = select(case, candidates, idf=idf)
        if sel.primary is None:
            res.waiting += sel.all_full
            res.no_candidate += not sel.all_full
            continue
        res.assigned += 1
        if ex.topic in sel.primary.candidate.expertise:
            res.expert += 1
        elif pool_has_expert:
            res.experts_busy += 1
        else:
            res.no_expert[(district, ex.topic)] += 1
        res.from_district += not sel.primary.candidate.at_station
        if sel.team:
            res.team_cases += 1
            res.team_members += len(sel.team)
        close = day + rng.randint(*OPEN_DAYS)
        for k, r in enumerate((sel.primary, *sel.team)):
            dep = by_id[r.candidate.deputy_id]
            if dep.load + 1 > dep.row["capacity"]:
                res.violations += 1
            dep.load += 1
            closing[close].append((dep, ex.topic, k == 0))
    res.days = day + 1
    res.end_raw = gini([d.load for d in deputies])
    res.end_ratio = gini([d.load / d.row["capacity"] for d in deputies])
    return res


def report(r: Result) -> None:
    print(f"matching bench: {r.cases} corpus cases (seed {r.seed}), demo registry")
    print(
        f"  rate {r.rate} cases/simulated day over {r.days} days; each case open {OPEN_DAYS[0]}–{OPEN_DAYS[1]} "
        f"days; open load after warm-up (day ≥ {WARM_UP}) {r.utilisation:.0%} of total capacity on average"
    )
    print(
        f"  assigned {r.assigned}; teams (组团接) {r.team_cases} with {r.team_members} extra members; "
        f"district fallback used {r.fallback}, primary from the district {r.from_district}"
    )
    print(
        f"expertise share (primary lists the topic): {r.share:.1%}  target ≥ {TARGET_EXPERTISE:.0%}  "
        f"{verdict(r.share >= TARGET_EXPERTISE)}"
    )
    print(
        f"  an expert exists at the station for {r.station_has_expert / r.cases:.1%} of cases, in station + "
        f"district for {r.pool_has_expert / r.cases:.1%}; to a non-expert: {sum(r.no_expert.values())} "
        f"with no expert in the district, {r.experts_busy} with every expert full or conflicted"
    )
    print(f"capacity violations: {r.violations}  target 0  {verdict(r.violations == 0)}")
    print(
        f"Gini of raw open load across all deputies (the stricter): end {r.end_raw:.3f}, mean over days "
        f"≥ {WARM_UP} {r.mean_raw:.3f}  target ≤ {TARGET_GINI}  "
        f"{verdict(max(r.end_raw, r.mean_raw) <= TARGET_GINI)}"
    )
    print(
        f"Gini of open_load/capacity: end {r.end_ratio:.3f}, mean {r.mean_ratio:.3f}  target ≤ {TARGET_GINI}  "
        f"{verdict(max(r.end_ratio, r.mean_ratio) <= TARGET_GINI)}"
    )
    print(f"cases that found every eligible deputy full (wait unassigned, not violations): {r.waiting}")
    print(f"cases with no candidate at all: {r.no_candidate}")
    thin: Counter = Counter()
    for (_, topic), n in r.no_expert.items():
        thin[topic] += n
    print("thin topics (no expert in the district): " + ", ".join(f"{t} {n}" for t, n in thin.most_common(8)))
    print("thin district/topic pairs: " + ", ".join(f"{d}/{t} {n}" for (d, t), n in r.no_expert.most_common(8)))


def sweep(rates: tuple[int, ...], seed: int) -> None:
    print("rate sweep (cases/day → utilisation, expertise share, raw Gini mean, ratio Gini mean, waited):")
    for rate in rates:
        r = simulate(rate, seed=seed)
        print(f"  {rate:>3}: {r.utilisation:4.0%}  {r.share:6.1%}  {r.mean_raw:.3f}  {r.mean_ratio:.3f}  {r.waiting}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=None,
                        help=f"new cases per simulated day (default: {LOAD:.0%} of total capacity busy)")
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sweep", action="store_true", help="also print the figures for rates 10–30")
    args = parser.parse_args()
    report(simulate(args.rate, args.cases, args.seed))
    if args.sweep:
        sweep((10, 15, 20, 22, 25, 30), args.seed)
