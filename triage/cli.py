"""The ``triage`` command (Typer + rich): serve, classify, train, eval."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from triage import classification, cli_accounts, cli_calendar, cli_cases, cli_db, cli_models, cli_receptions
from triage.cli_common import EXIT_INPUT, err, fail, load_model, out
from triage.errors import TriageError
from triage.settings import get_settings

app = typer.Typer(help="人大代表联络站 群众诉求分办工具", no_args_is_help=True, add_completion=False)
app.command("train")(cli_models.train)
app.command("eval")(cli_models.evaluate)
app.registered_commands += cli_cases.app.registered_commands  # route, queue, case and the workflow verbs
app.add_typer(cli_db.db_app, name="db")
app.add_typer(cli_db.demo_app, name="demo")
app.add_typer(cli_receptions.reception_app, name="reception")
app.add_typer(cli_receptions.deputy_app, name="deputy")
app.add_typer(cli_calendar.calendar_app, name="calendar")
app.add_typer(cli_accounts.user_app, name="user")
app.add_typer(cli_accounts.token_app, name="token")
app.add_typer(cli_accounts.chat_app, name="chat")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数（建议不超过 CPU 核数）")] = 1,
) -> None:
    """启动 HTTP 服务（API 与控制台）。"""
    import uvicorn

    from triage.registry import demo

    settings = get_settings()
    try:
        loaded = demo.ensure_ready(settings.database_url, load_demo_if_empty=settings.load_demo_if_empty)
    except TriageError as exc:
        raise fail(exc) from exc
    if loaded is not None:
        cli_db.print_credentials(loaded.users)
        out.print(f"空数据库：已载入演示数据（{loaded.stations} 个联络站、{loaded.deputies} 位代表、"
                  f"{loaded.places} 个地名）")
    if workers > 1:  # the workers' request metrics, summed at /metrics (prometheus_client's multiprocess mode)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_fresh_dir(settings.var_dir / "prometheus"))
    url = f"http://{host}:{port}"
    out.print(f"liaison-triage 正在启动：[bold]{url}[/]  （接口文档 {url}/docs；{workers} 个工作进程）",
              soft_wrap=True)
    # uvicorn's own access line would repeat raw query strings; our JSON request log (masked) replaces it
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                access_log=False)


def _fresh_dir(path: Path) -> Path:
    """``path`` as an empty folder (the metric files of an earlier run would be counted again)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _print_prediction(pred, version: str) -> None:  # noqa: ANN001 - classifier.model.Prediction
    table = Table(title=f"分办建议（模型 {version}）", show_lines=True)
    table.add_column("项目")
    table.add_column("结果")
    table.add_column("前三及概率")
    table.add_column("依据")
    for head, name in (("topic", "主题"), ("department", "责任部门")):
        h = pred.heads.get(head)
        if h is None:
            continue
        flag = " [yellow]（需人工确认）[/]" if h.needs_review else ""
        top = "\n".join(f"{lbl} {p:.0%}" for lbl, p in h.top)
        table.add_row(name, f"{h.label} {h.confidence:.0%}{flag}", top, "\n".join(h.reasons) or "—")
    out.print(table)
    if pred.pii:
        out.print(f"已脱敏的个人信息：{'、'.join(pred.pii)}")
    out.print(f"脱敏文本：{pred.masked_text}")


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="一条群众反映的文本")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="批量分类的输入文件（CSV/XLSX/JSONL）")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="批量结果输出文件（.csv/.xlsx/.jsonl）")] = None,
    text_column: Annotated[str, typer.Option(help="输入文件中的文本列")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    model: Annotated[Path | None, typer.Option("--model", help="模型文件夹（默认为当前启用的模型）")] = None,
) -> None:
    """对一条文本或一个文件分类：主题、责任部门、置信度、是否需要人工确认。"""
    if (text is None) == (file is None):
        err.print("[red]请给出一条文本，或用 --file 指定输入文件（二选一）[/]")
        raise typer.Exit(EXIT_INPUT)
    if file is not None:
        from triage import batch

        if output is None:
            err.print("[red]批量分类需要 --output 指定输出文件[/]")
            raise typer.Exit(EXIT_INPUT)
        try:
            summary = batch.classify_file(
                model=load_model(model), source=file, target=output, text_column=text_column, console=err
            )
        except TriageError as exc:
            raise fail(exc) from exc
        out.print(
            f"已写入 {output}：{summary.classified} 条已分类，{summary.empty} 条空文本（已跳过），"
            f"{summary.needs_review} 条需要人工确认",
            soft_wrap=True,
        )
        return
    loaded = load_model(model)
    try:
        pred = classification.classify(model=loaded, text=text, max_chars=get_settings().max_text_chars)
    except TriageError as exc:
        raise fail(exc) from exc
    if as_json:
        out.print_json(json.dumps(dict(pred.to_dict(), model_version=loaded.version), ensure_ascii=False))
    else:
        _print_prediction(pred, loaded.version)


if __name__ == "__main__":
    app()
