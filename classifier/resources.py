"""The data files under training_data/: taxonomy, 权责清单 rules, user dictionary and stopwords."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "training_data"


@dataclass(frozen=True)
class Taxonomy:
    """Topics and departments, each with a short description."""

    topics: dict[str, str]
    departments: dict[str, str]


def load_taxonomy(data_dir: Path = DEFAULT_DATA_DIR) -> Taxonomy:
    raw = json.loads((data_dir / "taxonomy.json").read_text(encoding="utf-8"))
    return Taxonomy(
        topics={t["name"]: t["description"] for t in raw["topics"]},
        departments={d["name"]: d["description"] for d in raw["departments"]},
    )


def load_rules(data_dir: Path = DEFAULT_DATA_DIR) -> list[dict]:
    """The default 权责清单: ``{"id", "keywords", "topic", "department"}`` per rule."""
    raw = json.loads((data_dir / "duty_rules.json").read_text(encoding="utf-8"))
    return [
        {"id": r["id"], "keywords": list(r["keywords"]), "topic": r.get("topic"), "department": r["department"]}
        for r in raw["rules"]
    ]


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_user_dict(data_dir: Path = DEFAULT_DATA_DIR) -> list[str]:
    """Lines of the jieba user dictionary (``word [freq] [tag]``)."""
    return _lines(data_dir / "userdict.txt")


def load_stopwords(data_dir: Path = DEFAULT_DATA_DIR) -> list[str]:
    return _lines(data_dir / "stopwords.txt")
