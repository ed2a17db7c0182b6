"""Duplicate detection through the whole intake pipeline, on pairs of messages written for this purpose
(`bench/dedupe_pairs/*.jsonl`: `dev` for tuning, `held_out` written apart and not used to tune).

For each pair the first message is submitted, then the second, on the demo registry (SQLite file, shipped model):
the second either joins the first's case, or opens its own case marked "same as case N?" (suggest), or opens an
unrelated new case. Afterwards both cases are closed directly in the database, so that no pair meets another's.

Prints per set and kind: joined / suggested / new. Wanted: paraphrases joined or suggested, different problems
never joined (a wrong join merges two people's problems; a missed one only costs a second case).

Run: .venv/bin/python bench/dedupe.py [--show-errors]"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAIRS = Path(__file__).resolve().parent / "dedupe_pairs"
KINDS = ("paraphrase", "same_place_other_problem", "same_problem_other_place")


def outcome(first: dict, second: dict) -> str:
    if second["case_number"] == first["case_number"]:
        return "join"
    duplicate = second.get("duplicate") or {}
    return "suggest" if duplicate.get("kind") == "suggest" and duplicate.get("number") == first["case_number"] \
        else "new"


def run_set(path: Path, *, show_errors: bool) -> None:
    import sqlalchemy as sa

    from triage import classification, db, migrate, service
    from triage.cases.models import Case
    from triage.registry import demo
    from triage.settings import get_settings

    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/dedupe.db"
        migrate.upgrade(url)
        engine = db.make_engine(url)
        with db.transaction(engine) as session:
            demo.load_demo(session=session)
        model = classification.load(get_settings().model_dir)
        now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
        counts: dict[str, Counter] = {k: Counter() for k in KINDS}
        errors = []
        for i, pair in enumerate(pairs):
            decisions = []
            for j, text in enumerate((pair["a"], pair["b"])):
                decisions.append(service.intake(
                    engine=engine, model=model, max_chars=20_000, now=now + timedelta(minutes=2 * i + j),
                    intake=service.Intake(text=text, intake_station="DL-FSSQ")))
            result = outcome(*decisions)
            counts[pair["kind"]][result] += 1
            wanted = result in ("join", "suggest") if pair["same"] else result != "join"
            if not wanted:
                errors.append((pair["id"], pair["kind"], result, decisions[1].get("duplicate", {}).get("similarity")))
            with db.transaction(engine) as session:  # out of every later pair's window
                session.connection().execute(sa.update(Case.__table__).values(status="closed"))
        engine.dispose()
    print(f"{path.stem} ({len(pairs)} pairs)")
    for kind in KINDS:
        c = counts[kind]
        n = sum(c.values())
        if n:
            print(f"  {kind:<25} n={n:3d}  joined {c['join'] / n:6.1%}  suggested {c['suggest'] / n:6.1%}  "
                  f"new case {c['new'] / n:6.1%}")
    same = counts["paraphrase"]
    other = counts["same_place_other_problem"] + counts["same_problem_other_place"]
    if sum(same.values()) and sum(other.values()):
        print(f"  paraphrases found (joined or suggested) {(same['join'] + same['suggest']) / sum(same.values()):.1%}; "
              f"different problems wrongly joined {other['join'] / sum(other.values()):.1%}")
    if show_errors:
        for e in errors:
            print("   ", *e)


def main() -> None:
    show = "--show-errors" in sys.argv
    files = sorted(PAIRS.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no pair files in {PAIRS}")
    for path in files:
        run_set(path, show_errors=show)


if __name__ == "__main__":
    main()
