"""CLI commands for models: ``triage train`` and ``triage eval``, with their reports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.table import Table

from classifier import evaluate as scoring
from classifier import modelfile, resources, tokenize, training
from classifier.model import HEAD_NAMES
from triage import batch, labelled
from triage.cli_common import err, fail, load_model, out
from triage.errors import InvalidInput, TriageError
from triage.settings import get_settings

DataOpt = Annotated[list[Path] | None, typer.Option("--data", help="标注数据文件或语料文件夹（可多次给出）")]
TextCol = Annotated[str | None, typer.Option(help="文本列名（默认自动识别 text/content/留言详情…）")]
TopicCol = Annotated[str | None, typer.Option(help="主题标签列名（默认自动识别 topic/label/主题…）")]
DeptCol = Annotated[str | None, typer.Option(help="部门标签列名（默认自动识别 department/部门…）")]


def _read(paths, text_column, topic_column, department_column) -> labelled.LabelledData:  # noqa: ANN001
    try:
        data = labelled.read_labelled(
            paths, text_column=text_column, topic_column=topic_column, department_column=department_column
        )
    except TriageError as exc:
        raise fail(exc) from exc
    if data.skipped_empty:
        err.print(f"[yellow]跳过 {data.skipped_empty} 条空文本[/]")
    return data


def print_report(head: str, report: dict, *, whole_matrix_in: str) -> None:
    """Accuracy, macro-F1, per-class P/R/F1 and the confusion matrix of one head (``whole_matrix_in`` says where
    the whole matrix is when the terminal is too narrow for it)."""
    name = HEAD_NAMES.get(head, head)
    out.print(
        f"\n[bold]{name}[/]：样本 {report['n']}，准确率 {report['accuracy']:.4f}，"
        f"宏平均 F1（金标类别）{report['macro_f1']:.4f}"
    )
    if report.get("review_threshold") is not None:
        out.print(
            f"  人工确认阈值 {report['review_threshold']:.3f}：自动通过 {report['auto_coverage']:.1%}，"
            f"其中准确率 {report['auto_precision'] or 0:.1%}"
        )
    if report["predicted_outside_gold"]:
        out.print(f"  预测到金标之外的类别（计为错误）：{'、'.join(report['predicted_outside_gold'])}")
    table = Table("类别", "精确率", "召回率", "F1", "样本数", title=f"{name}：各类别")
    for label, m in report["per_class"].items():
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    out.print(table)
    print_confusion(name, report["confusion"], whole_matrix_in=whole_matrix_in)


TOP_CONFUSIONS = 15


def print_confusion(name: str, conf: dict, *, whole_matrix_in: str) -> None:
    """The confusion matrix as a compact table when it fits the terminal, else its largest off-diagonal cells."""
    columns = [str(i + 1) for i in range(len(conf["columns"]))]
    row_labels = [f"{i + 1}. {label}" for i, label in enumerate(conf["labels"])]
    widths = [max(cell_len(c), *(len(str(r[j])) for r in conf["matrix"])) for j, c in enumerate(columns)]
    needed = 1 + max(map(cell_len, [*row_labels, "金标 \\ 预测"])) + sum(w + 1 for w in widths)  # 1: left padding
    if needed <= out.width or not out.is_terminal:  # output to a file or a pipe has no width to keep to
        matrix = Table("金标 \\ 预测", *columns, title=f"{name}：混淆矩阵", box=None, padding=(0, 0, 0, 1))
        for column in matrix.columns[1:]:
            column.justify = "right"
        for label, row in zip(row_labels, conf["matrix"], strict=True):
            matrix.add_row(label, *[str(v) for v in row])
        width = out.width
        out.width = max(needed, width)  # rich would otherwise squeeze the table into the console's 80 columns
        try:
            out.print(matrix)
        finally:
            out.width = width
        if len(conf["columns"]) > len(conf["labels"]):
            out.print(f"  第 {len(conf['columns'])} 列：预测为金标之外的类别")
        return
    cells = [
        (n, gold, predicted)
        for gold, row in zip(conf["labels"], conf["matrix"], strict=True)
        for predicted, n in zip(conf["columns"], row, strict=True)
        if n and predicted != gold
    ]
    cells.sort(key=lambda c: -c[0])
    out.print(f"{name}：混淆矩阵需要 {needed} 列宽，终端只有 {out.width} 列。")
    if not cells:
        out.print("没有混淆：每条都预测正确。")
        return
    out.print(f"最常见的 {min(TOP_CONFUSIONS, len(cells))} 种混淆（完整矩阵见{whole_matrix_in}）：")
    for n, gold, predicted in cells[:TOP_CONFUSIONS]:
        shown = "金标之外的类别" if predicted == "其他" and predicted not in conf["labels"] else predicted
        out.print(f"  {gold} → {shown}：{n}")


def train(
    data: DataOpt = None,
    text_column: TextCol = None,
    topic_column: TopicCol = None,
    department_column: DeptCol = None,
    output: Annotated[Path | None, typer.Option(help="模型输出文件夹（默认 var/models/<版本>/）")] = None,
    version: Annotated[str | None, typer.Option(help="模型版本号（默认：时间-数据校验和）")] = None,
    engine: Annotated[str, typer.Option(help="分词引擎：fast（jieba-rs，默认）或 jieba（jieba 本身）")] = "fast",
) -> None:
    """训练新模型：默认使用 training_data/ 的语料；也可用外部标注数据（只训练有标签的部分）。"""
    if engine not in tokenize.ENGINES:
        raise fail(
            InvalidInput(f"未知的分词引擎：{engine}（可选：{'、'.join(tokenize.ENGINES)}）", code="invalid_engine")
        )
    data_set = _read(data or [resources.DEFAULT_DATA_DIR], text_column, topic_column, department_column)
    heads = "、".join(HEAD_NAMES[h] for h in data_set.heads)
    err.print(f"训练数据：{len(data_set.texts)} 条，来自 {len(data_set.files)} 个文件；训练：{heads}")
    started = time.monotonic()
    with err.status("准备中…") as status:

        def progress(step: str) -> None:
            err.print(f"  [{time.monotonic() - started:6.1f}s] {step}")
            status.update(f"{step}…")

        try:
            model, meta = training.fit(
                data_set.texts,
                data_set.topics,
                data_set.departments,
                data_files=data_set.files,
                version=version,
                progress=progress,
                engine=engine,
            )
        except ValueError as exc:
            raise fail(InvalidInput(str(exc), code="training_failed")) from exc
    target = output or get_settings().models_dir / meta["version"]
    try:
        modelfile.save(model, target, meta)
    except modelfile.ModelFileError as exc:
        raise fail(TriageError(exc.message, code=exc.code)) from exc
    err.print(f"  [{time.monotonic() - started:6.1f}s] 完成")
    out.print(f"\n模型 [bold]{meta['version']}[/] 已写入 {target}（以下为交叉验证结果）")
    for head, info in meta["heads"].items():
        if info["dropped_labels"]:
            out.print(f"[yellow]{HEAD_NAMES[head]}：样本过少未训练的类别：{'、'.join(info['dropped_labels'])}[/]")
        print_report(head, info["validation"], whole_matrix_in=f" {target / modelfile.METADATA_FILE}")


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="标注数据文件（CSV/XLSX/JSONL）或语料文件夹")],
    text_column: TextCol = None,
    topic_column: TopicCol = None,
    department_column: DeptCol = None,
    model: Annotated[Path | None, typer.Option("--model", help="模型文件夹（默认为当前启用的模型）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """在标注数据上评估模型：准确率、宏平均 F1、各类别 P/R/F1、混淆矩阵。"""
    data_set = _read([data], text_column, topic_column, department_column)
    loaded = load_model(model)
    preds = batch.predict_all(model=loaded, texts=data_set.texts, console=err)
    results = {}
    for head, gold in (("topic", data_set.topics), ("department", data_set.departments)):
        rows = [i for i, g in enumerate(gold) if g]
        if not rows:
            continue
        if head not in loaded.model.heads_:
            err.print(f"[yellow]模型没有{HEAD_NAMES[head]}输出，跳过该项评估[/]")
            continue
        results[head] = scoring.report([gold[i] for i in rows], [preds[i].heads[head].label for i in rows])
    if not results:
        raise fail(InvalidInput("数据的标签与模型的输出没有可以对照的部分", code="no_label_column"))
    if as_json:
        out.print_json(json.dumps({"model_version": loaded.version, "heads": results}, ensure_ascii=False))
        return
    out.print(f"模型 {loaded.version}，数据 {data}（{len(data_set.texts)} 条）")
    for head, report in results.items():
        print_report(head, report, whole_matrix_in=" triage eval --data … --json")
