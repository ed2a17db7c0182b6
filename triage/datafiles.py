"""Tabular data files for the CLI: CSV/TSV, XLSX and JSONL in UTF-8, UTF-8-BOM or GB18030; atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from triage.errors import DataFileError

READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".ndjson", ".json")
WRITABLE = (".csv", ".xlsx", ".jsonl")


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataFileError(f"无法识别文件编码：{path}（支持 UTF-8、UTF-8-BOM、GB18030）", code="file_encoding")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DataFileError(f"找不到文件：{path}", code="file_not_found") from exc
    except IsADirectoryError as exc:
        raise DataFileError(f"这是一个文件夹，不是数据文件：{path}", code="file_unreadable") from exc
    except OSError as exc:
        raise DataFileError(f"无法读取文件：{path}（{exc.strerror}）", code="file_unreadable") from exc


def _clean(value: object) -> str:
    return "" if value is None else str(value)


def read_records(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Column names and rows (each a dict of strings) of a CSV/TSV, XLSX or JSONL file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in READABLE:
        raise DataFileError(
            f"不支持的文件类型：{path.name}（支持 {', '.join(READABLE)}）", code="file_type_unsupported"
        )
    data = _read_bytes(path)
    if suffix == ".xlsx":
        return _read_xlsx(data, path)
    text = _decode(data, path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _read_json(text, path)
    return _read_csv(text, path, delimiter="\t" if suffix == ".tsv" else None)


def _read_csv(text: str, path: Path, *, delimiter: str | None) -> tuple[list[str], list[dict[str, str]]]:
    if not text.strip():
        return [], []
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
        except csv.Error:
            delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
        rows = [{h: (r[i] if i < len(r) else "") for i, h in enumerate(header)} for r in reader if any(r)]
    except csv.Error as exc:
        raise DataFileError(f"CSV 格式错误：{path}（{exc}）", code="file_unreadable") from exc
    return header, rows


def _read_json(text: str, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    rows: list[dict] = []
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            rows = json.loads(text)
        else:
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise DataFileError(f"{path.name} 第 {n} 行不是合法的 JSON", code="file_unreadable") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(f"JSON 格式错误：{path}（{exc}）", code="file_unreadable") from exc
    if not all(isinstance(r, dict) for r in rows):
        raise DataFileError(f"每一行都应是 JSON 对象：{path}", code="file_unreadable")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return columns, [{c: _clean(r.get(c)) for c in columns} for r in rows]


def _read_xlsx(data: bytes, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import openpyxl  # imported here: only XLSX users pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-XLSX file
        raise DataFileError(f"无法打开 Excel 文件：{path}（{type(exc).__name__}）", code="file_unreadable") from exc
    sheet = book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header = [_clean(h).strip() for h in next(rows_iter, ())]
    rows = [
        {h: _clean(r[i] if i < len(r) else None) for i, h in enumerate(header) if h}
        for r in rows_iter
        if r and any(v is not None and str(v).strip() for v in r)
    ]
    book.close()
    return [h for h in header if h], rows


def write_records(path: str | Path, columns: Sequence[str], rows: Iterable[dict]) -> Path:
    """Write rows to CSV (UTF-8 with BOM, for Excel), XLSX or JSONL; the file appears complete or not at all."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITABLE:
        raise DataFileError(
            f"不支持的输出类型：{path.name}（支持 {', '.join(WRITABLE)}）", code="file_type_unsupported"
        )
    if path.parent and not path.parent.exists():
        raise DataFileError(f"输出目录不存在：{path.parent}", code="file_unwritable")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            if suffix == ".xlsx":
                _write_xlsx(fh, columns, rows)
            else:
                with io.TextIOWrapper(fh, encoding="utf-8-sig" if suffix == ".csv" else "utf-8", newline="") as out:
                    if suffix == ".csv":
                        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
                        writer.writeheader()
                        writer.writerows(rows)
                    else:
                        for row in rows:
                            out.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise DataFileError(f"无法写入文件：{path}（{exc.strerror}）", code="file_unwritable") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _write_xlsx(fh, columns: Sequence[str], rows: Iterable[dict]) -> None:  # noqa: ANN001 - binary file
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    book.save(fh)
