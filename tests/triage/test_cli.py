import csv
import json

import pytest
from typer.testing import CliRunner

from classifier import modelfile
from triage.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_csv(path, header, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_classify_one_text_as_json(tiny_model_dir):
    result = run("classify", "冬天暖气不热，电话13845120937", "--json", "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model_version"] == "test-tiny"
    assert data["topic"]["label"] and len(data["topic"]["top"]) == 3
    assert data["pii"] == ["mobile"]
    assert "13845120937" not in result.stdout


def test_classify_one_text_as_table(tiny_model_dir):
    result = run("classify", "冬天暖气不热", "--model", tiny_model_dir)
    assert result.exit_code == 0 and "主题" in result.stdout and "责任部门" in result.stdout


def test_classify_empty_text_is_an_error(tiny_model_dir):
    result = run("classify", "   ", "--model", tiny_model_dir)
    assert result.exit_code != 0 and "文本为空" in result.output


def test_missing_model_is_an_error(tmp_path):
    result = run("classify", "暖气不热", "--model", tmp_path / "none")
    assert result.exit_code == 3 and "找不到模型" in result.output


def test_classify_file_counts_empty_rows_and_keeps_gold_columns(tiny_model_dir, tmp_path):
    src = write_csv(
        tmp_path / "in.csv",
        ["id", "text", "topic"],
        [["1", "暖气不热", "城乡建设"], ["2", "", ""], ["3", "學校亂收費", "教育文体"], ["4", "  ", ""]],
        encoding="gb18030",
    )
    out = tmp_path / "out.csv"
    result = run("classify", "--file", src, "--output", out, "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    assert "2 条已分类" in result.stdout and "2 条空文本" in result.stdout
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["原topic"] == "城乡建设" and rows[0]["topic"]
    assert rows[1]["topic"] == "" and rows[0]["needs_review"] in ("true", "false")
    assert set(rows[0]) >= {"topic_confidence", "department", "department_confidence", "needs_review"}


def test_classify_file_with_wrong_column_writes_nothing(tiny_model_dir, tmp_path):
    src = write_csv(tmp_path / "in.csv", ["content"], [["暖气不热"]])
    out = tmp_path / "out.csv"
    result = run("classify", "--file", src, "--output", out, "--model", tiny_model_dir)
    assert result.exit_code == 2 and "没有文本列「text」" in result.output
    assert not out.exists()
    ok = run("classify", "--file", src, "--output", out, "--text-column", "content", "--model", tiny_model_dir)
    assert ok.exit_code == 0 and out.exists()


def test_classify_needs_text_or_file():
    assert run("classify").exit_code == 2


def test_train_on_an_export_with_only_topics(tiny_examples, tmp_path):
    src = write_csv(tmp_path / "export.csv", ["留言详情", "一级分类"], [[e.text, e.topic] for e in tiny_examples])
    out = tmp_path / "model"
    result = run("train", "--data", src, "--output", out)
    assert result.exit_code == 0, result.output
    assert "宏平均 F1" in result.stdout
    model, meta = modelfile.load(out)
    assert list(meta["heads"]) == ["topic"] and list(model.heads_) == ["topic"]
    assert meta["n_train"] == len(tiny_examples)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic-column", "主题"], "没有主题列「主题」"),
        (["--text-column", "body"], "没有文本列「body」"),
    ],
)
def test_train_with_unknown_columns_writes_nothing(tmp_path, args, message):
    src = write_csv(tmp_path / "export.csv", ["text", "topic"], [["暖气不热", "城乡建设"]] * 5)
    out = tmp_path / "model"
    result = run("train", "--data", src, "--output", out, *args)
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_train_on_unlabelled_or_empty_data_fails(tmp_path):
    src = write_csv(tmp_path / "plain.csv", ["text"], [["暖气不热"]])
    assert "没有标签列" in run("train", "--data", src, "--output", tmp_path / "m").output
    empty = write_csv(tmp_path / "empty.csv", ["text", "topic"], [["", "城乡建设"]])
    result = run("train", "--data", empty, "--output", tmp_path / "m")
    assert result.exit_code == 2 and "没有可用的数据" in result.output
    assert not (tmp_path / "m").exists()


def test_eval_reports_figures_over_gold_labels(tiny_model_dir, tiny_examples, tmp_path):
    src = write_csv(tmp_path / "gold.csv", ["text", "label"], [[e.text, e.topic] for e in tiny_examples[:60]])
    result = run("eval", "--data", src, "--model", tiny_model_dir, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["heads"]["topic"]
    assert report["n"] == 60
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert set(report["per_class"]) == {e.topic for e in tiny_examples[:60]}
    table = run("eval", "--data", src, "--model", tiny_model_dir)
    assert table.exit_code == 0 and "混淆矩阵" in table.stdout


def test_eval_on_unreadable_file_fails(tiny_model_dir, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    result = run("eval", "--data", bad, "--model", tiny_model_dir)
    assert result.exit_code == 2 and "无法打开 Excel 文件" in result.output


def test_train_with_the_jieba_engine_and_an_unknown_engine(tiny_examples, tmp_path):
    src = write_csv(tmp_path / "export.csv", ["text", "topic"], [[e.text, e.topic] for e in tiny_examples])
    bad = run("train", "--data", src, "--output", tmp_path / "bad", "--engine", "nope")
    assert bad.exit_code == 2 and "未知的分词引擎" in bad.output and not (tmp_path / "bad").exists()
    result = run("train", "--data", src, "--output", tmp_path / "m", "--engine", "jieba")
    assert result.exit_code == 0, result.output
    model, _ = modelfile.load(tmp_path / "m")
    assert model.engine == "jieba" and model.vectorizer_.engine == "jieba"
    assert model.predict(["暖气不热"]).shape == (1, 2)
