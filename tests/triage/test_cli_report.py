"""The evaluation report fits the terminal: a confusion matrix too wide for it becomes a list of its largest cells."""

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from classifier import evaluate
from triage import cli_models

LABELS = [f"部门{i:02d}名称较长的单位" for i in range(24)]


def _report() -> dict:
    gold, predicted = [], []
    for i, label in enumerate(LABELS):
        gold += [label] * 120
        predicted += [label] * 100 + [LABELS[(i + 1) % len(LABELS)]] * (20 - i % 7) + [LABELS[(i + 2) % 24]] * (i % 7)
    gold += [LABELS[3]] * 140
    predicted += [LABELS[5]] * 140  # the largest confusion
    return evaluate.report(gold, predicted)


LARGEST = _report()["confusion"]["matrix"][3][5]


def _printed(monkeypatch, width: int, *, terminal: bool = True) -> str:
    buffer = io.StringIO()
    monkeypatch.setattr(cli_models, "out", Console(file=buffer, width=width, color_system=None,
                                                   force_terminal=terminal))
    cli_models.print_report("department", _report(), whole_matrix_in=" triage eval --json")
    return buffer.getvalue()


@pytest.mark.parametrize("width", [80, 100])
def test_a_matrix_too_wide_for_the_terminal_is_listed_by_its_largest_cells(monkeypatch, width):
    text = _printed(monkeypatch, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    assert "混淆矩阵需要" in text and "triage eval --json" in text
    listed = [line for line in text.splitlines() if "→" in line]
    assert len(listed) == cli_models.TOP_CONFUSIONS
    assert listed[0].strip() == f"{LABELS[3]} → {LABELS[5]}：{LARGEST}"


def test_a_matrix_that_fits_is_printed_whole(monkeypatch):
    text = _printed(monkeypatch, 250)
    assert max(cell_len(line) for line in text.splitlines()) <= 250
    assert "混淆矩阵" in text and "混淆矩阵需要" not in text
    row = next(line for line in text.splitlines() if line.strip().startswith(f"4. {LABELS[3]}"))
    assert str(LARGEST) in row.split() and LARGEST > 140


def test_output_to_a_file_gets_the_whole_matrix_whatever_the_width(monkeypatch):
    text = _printed(monkeypatch, 80, terminal=False)
    assert "混淆矩阵需要" not in text
    row = next(line for line in text.splitlines() if line.strip().startswith(f"4. {LABELS[3]}"))
    assert str(LARGEST) in row.split()
