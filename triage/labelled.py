"""Labelled data for training and evaluation: our corpus folder or external exports with chosen columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier import corpus
from triage import datafiles
from triage.errors import InvalidInput

TEXT_COLUMNS = ("text", "content", "message", "留言详情", "留言内容", "内容", "文本")
TOPIC_COLUMNS = ("topic", "label", "主题", "一级分类", "类别", "分类")
DEPARTMENT_COLUMNS = ("department", "dept", "部门", "责任部门", "承办单位")


@dataclass
class LabelledData:
    texts: list[str]
    topics: list[str | None]
    departments: list[str | None]
    files: list[Path]
    skipped_empty: int = 0

    @property
    def heads(self) -> list[str]:
        heads = []
        if any(self.topics):
            heads.append("topic")
        if any(self.departments):
            heads.append("department")
        return heads


def _pick(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str, path: Path) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise InvalidInput(
                f"{path.name} 中没有{what}列「{wanted}」；已有的列：{'、'.join(columns) or '（无）'}",
                code="column_not_found",
            )
        return wanted
    return next((c for c in candidates if c in columns), None)


def read_labelled(
    paths: Sequence[str | Path],
    *,
    text_column: str | None = None,
    topic_column: str | None = None,
    department_column: str | None = None,
) -> LabelledData:
    """Texts and labels from files (CSV/XLSX/JSONL) or corpus folders; rows with blank text are skipped and counted."""
    texts: list[str] = []
    topics: list[str | None] = []
    departments: list[str | None] = []
    skipped = 0
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            examples = corpus.load_corpus(path)
            if not examples:
                raise InvalidInput(f"文件夹里没有语料（需要 {path}/corpus/*.jsonl）", code="empty_data")
            files.extend(corpus.corpus_files(path))
            for e in examples:
                texts.append(e.text)
                topics.append(e.topic or None)
                departments.append(e.department or None)
            continue
        columns, rows = datafiles.read_records(path)
        files.append(path)
        if not rows:
            raise InvalidInput(f"文件没有数据行：{path}", code="empty_data")
        tcol = _pick(columns, text_column, TEXT_COLUMNS, "文本", path)
        if tcol is None:
            raise InvalidInput(
                f"{path.name} 中找不到文本列；请用 --text-column 指定。已有的列：{'、'.join(columns)}",
                code="column_not_found",
            )
        pcol = _pick(columns, topic_column, TOPIC_COLUMNS, "主题", path)
        dcol = _pick(columns, department_column, DEPARTMENT_COLUMNS, "部门", path)
        for row in rows:
            text = row.get(tcol, "")
            if not text.strip():
                skipped += 1
                continue
            texts.append(text)
            topics.append((row.get(pcol) or "").strip() or None if pcol else None)
            departments.append((row.get(dcol) or "").strip() or None if dcol else None)
    if not texts:
        raise InvalidInput("没有可用的数据：所有行的文本都为空", code="empty_data")
    data = LabelledData(texts, topics, departments, files, skipped)
    if not data.heads:
        raise InvalidInput(
            "数据中没有标签列（主题或部门）；请用 --topic-column / --department-column 指定", code="no_label_column"
        )
    return data
