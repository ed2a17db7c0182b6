"""Classifying a whole file of messages: read, classify in chunks with a progress bar, write atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from triage import classification, datafiles
from triage.errors import InvalidInput

ADDED_COLUMNS = ("topic", "topic_confidence", "department", "department_confidence", "needs_review")
CHUNK = 256


@dataclass
class BatchSummary:
    classified: int
    empty: int
    needs_review: int


def classify_file(
    *, model: classification.LoadedModel, source: Path, target: Path, text_column: str, console: Console
) -> BatchSummary:
    """Add the predictions to every row of ``source`` and write ``target``; blank texts are counted, not fatal.

    An input column that has the name of an added column (e.g. a gold ``topic``) is kept, renamed ``原topic``.
    """
    columns, rows = datafiles.read_records(source)
    if text_column not in columns:
        raise InvalidInput(
            f"{source.name} 中没有文本列「{text_column}」；已有的列：{'、'.join(columns) or '（无）'}",
            code="column_not_found",
        )
    if not rows:
        raise InvalidInput(f"文件没有数据行：{source}", code="empty_data")
    renamed = {c: f"原{c}" for c in columns if c in ADDED_COLUMNS}
    if renamed:
        console.print(f"[yellow]输入中已有同名列，原列改名保留：{'、'.join(f'{a}→{b}' for a, b in renamed.items())}[/]")
        rows = [{renamed.get(k, k): v for k, v in r.items()} for r in rows]
    out_columns = [renamed.get(c, c) for c in columns] + list(ADDED_COLUMNS)
    text_key = renamed.get(text_column, text_column)

    todo = [i for i, r in enumerate(rows) if r.get(text_key, "").strip()]
    preds = predict_all(model=model, texts=[rows[i][text_key] for i in todo], console=console)
    for i, pred in zip(todo, preds, strict=True):
        for head in ("topic", "department"):
            h = pred.heads.get(head)
            rows[i][head] = h.label if h else ""
            rows[i][f"{head}_confidence"] = round(h.confidence, 4) if h else ""
        rows[i]["needs_review"] = "true" if pred.needs_review else "false"
    datafiles.write_records(target, out_columns, rows)
    review = sum(p.needs_review for p in preds)
    return BatchSummary(classified=len(todo), empty=len(rows) - len(todo), needs_review=review)


def predict_all(
    *, model: classification.LoadedModel, texts: list[str], console: Console
) -> list[classification.Prediction]:
    """Predictions for ``texts`` in chunks, with a progress bar on ``console``."""
    preds: list[classification.Prediction] = []
    with Progress(
        TextColumn("分类中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as progress:
        task = progress.add_task("classify", total=len(texts))
        for start in range(0, len(texts), CHUNK):
            preds.extend(classification.classify_batch(model=model, texts=texts[start : start + CHUNK]))
            progress.advance(task, min(CHUNK, len(texts) - start))
    return preds
