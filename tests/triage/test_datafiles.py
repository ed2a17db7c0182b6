import json

import openpyxl
import pytest

from triage import datafiles
from triage.errors import DataFileError

ROWS = [{"text": "暖气不热", "topic": "城乡建设"}, {"text": "學校亂收費", "topic": "教育文体"}]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_supported_encoding(tmp_path, encoding):
    path = tmp_path / "in.csv"
    path.write_bytes("text,topic\n暖气不热,城乡建设\n學校亂收費,教育文体\n".encode(encoding))
    columns, rows = datafiles.read_records(path)
    assert columns == ["text", "topic"] and rows == ROWS


def test_tab_separated_and_semicolon_csv_are_sniffed(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("text;topic\n暖气不热;城乡建设\n", encoding="utf-8")
    assert datafiles.read_records(path)[1] == [ROWS[0]]
    tsv = tmp_path / "in.tsv"
    tsv.write_text("text\ttopic\n暖气不热\t城乡建设\n", encoding="utf-8")
    assert datafiles.read_records(tsv)[1] == [ROWS[0]]


def test_xlsx_and_jsonl(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["text", "topic"])
    for r in ROWS:
        sheet.append([r["text"], r["topic"]])
    sheet.append([None, None])  # blank row at the end
    book.save(tmp_path / "in.xlsx")
    assert datafiles.read_records(tmp_path / "in.xlsx") == (["text", "topic"], ROWS)
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    assert datafiles.read_records(tmp_path / "in.jsonl") == (["text", "topic"], ROWS)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("x.pdf", b"%PDF", "file_type_unsupported"),
        ("bad.xlsx", b"not a zip", "file_unreadable"),
        ("bad.jsonl", b'{"text": 1}\n{oops', "file_unreadable"),
        ("binary.csv", b"\xff\xfe\x00\x81\x00\xff" * 10, "file_encoding"),
    ],
)
def test_unreadable_input_is_a_clear_error(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFileError) as exc:
        datafiles.read_records(path)
    assert exc.value.code == code


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError) as exc:
        datafiles.read_records(tmp_path / "none.csv")
    assert exc.value.code == "file_not_found" and "找不到文件" in exc.value.message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_written_files_read_back_and_leave_no_temporary_files(tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    datafiles.write_records(target, ["text", "topic"], ROWS)
    assert datafiles.read_records(target) == (["text", "topic"], ROWS)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_csv_output_has_a_bom_for_excel(tmp_path):
    target = datafiles.write_records(tmp_path / "out.csv", ["text"], [{"text": "暖气"}])
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


def test_writing_into_a_missing_folder_fails_cleanly(tmp_path):
    with pytest.raises(DataFileError) as exc:
        datafiles.write_records(tmp_path / "no" / "out.csv", ["text"], [])
    assert exc.value.code == "file_unwritable"
