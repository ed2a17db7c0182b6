"""What every CLI command shares: the consoles, exit codes, error printing and model loading."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from triage import classification
from triage.errors import TriageError
from triage.settings import get_settings

out = Console()
err = Console(stderr=True)

EXIT_INPUT = 2
EXIT_MODEL = 3


def fail(exc: TriageError) -> typer.Exit:
    """Print a domain error in Chinese and return the matching exit (raise it)."""
    err.print(f"[bold red]错误[/]（{exc.code}）：{exc.message}", soft_wrap=True)
    return typer.Exit(EXIT_MODEL if exc.code.startswith("model") else EXIT_INPUT)


def parse_day(value: str) -> date:
    """A YYYY-MM-DD argument, or a message and exit code 2."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        err.print(f"[red]日期格式应为 YYYY-MM-DD：{value}[/]")
        raise typer.Exit(EXIT_INPUT) from None


def load_model(model_dir: Path | None) -> classification.LoadedModel:
    try:
        settings = get_settings()
        return classification.load(model_dir or settings.model_dir, cache_dir=settings.jieba_cache_dir)
    except TriageError as exc:
        raise fail(exc) from exc


class Lazy:
    """A module imported on first attribute access (keeps the CLI's start-up light)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):  # noqa: ANN204
        return getattr(importlib.import_module(self._name), attr)
