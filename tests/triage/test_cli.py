"""`pasokh triage predict | eval | train | cv`, exercised through click's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pasokh.triage.cli import triage


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_predict_reads_jsonl_and_writes_one_line_per_message(
    runner: CliRunner, small_model_dir: Path
) -> None:
    stdin = "\n".join(
        [
            json.dumps(
                {"text": "از حسابم پول کم شد ولی سفارش ثبت نشد", "channel": "instagram"},
                ensure_ascii=False,
            ),
            "",  # blank lines are skipped
            json.dumps({"id": "m2", "text": "Do you ship to Canada?", "lang": "en"}),
        ]
    )
    result = runner.invoke(triage, ["predict", "--model", str(small_model_dir)], input=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and lines[1]["id"] == "m2"
    for out in lines:
        assert {
            "category",
            "sentiment",
            "sentiment_score",
            "priority",
            "language",
            "confidence",
            "reasons",
            "needs_review",
            "model_version",
        } <= set(out)
    assert lines[0]["priority"] == "urgent"


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"txt": "typo"}', 'missing "text"'),
        ('{"text": "x", "channel": 5}', '"channel" must be a string'),
    ],
)
def test_predict_names_the_malformed_line_and_fails(
    runner: CliRunner, small_model_dir: Path, bad_line: str, reason: str
) -> None:
    stdin = '{"text": "سلام"}\n' + bad_line + "\n"
    result = runner.invoke(triage, ["predict", "--model", str(small_model_dir)], input=stdin)
    assert result.exit_code != 0
    assert "<stdin>:2:" in result.output and reason in result.output
    assert result.stdout.count("{") == 0  # nothing half-written before the error


def test_eval_prints_metrics_for_the_labelled_fields(
    runner: CliRunner, small_model_dir: Path, heldout_rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "held.jsonl", heldout_rows)
    result = runner.invoke(triage, ["eval", "--data", str(data), "--model", str(small_model_dir)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["rows"] == len(heldout_rows)
    for field in ("category", "sentiment", "priority"):
        rep = metrics[field]
        assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(rep)
        assert len(rep["confusion"]["matrix"]) == len(rep["confusion"]["labels"])
    assert {"precision", "recall", "f1"} <= set(metrics["priority"]["high_or_urgent"])
    assert {"fa", "en"} <= set(metrics["by_lang"])


def test_eval_restricts_a_three_way_head_to_a_two_label_set(
    runner: CliRunner, small_model_dir: Path, tmp_path: Path
) -> None:
    data = write_jsonl(
        tmp_path / "binary.jsonl",
        [
            {"text": "غذا عالی بود مرسی", "sentiment": "positive"},
            {"text": "غذا سرد و بی کیفیت بود", "sentiment": "negative"},
        ],
    )
    result = runner.invoke(triage, ["eval", "--data", str(data), "--model", str(small_model_dir)])
    metrics = json.loads(result.stdout)
    assert set(metrics) >= {"sentiment"} and "category" not in metrics
    assert metrics["sentiment"]["restricted_to_data_labels"]["labels"] == ["negative", "positive"]


def test_train_writes_a_loadable_model(
    runner: CliRunner, small_model_dir: Path, tmp_path: Path
) -> None:
    rows = [
        {"text": t, "sentiment": s}
        for t, s in [
            ("عالی بود", "positive"),
            ("great service", "positive"),
            ("خیلی بد بود", "negative"),
            ("terrible", "negative"),
            ("ممنون از شما", "positive"),
            ("never again", "negative"),
        ]
    ] * 3
    data = write_jsonl(tmp_path / "mine.jsonl", rows)
    out = tmp_path / "model"
    result = runner.invoke(
        triage, ["train", "--data", str(data), "--out", str(out), "--base", str(small_model_dir)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["version"].startswith("custom-")
    assert summary["heads"]["sentiment"]["classes"] == ["negative", "positive"]
    assert "from_base" in summary["heads"]["category"]
    assert (out / "manifest.json").is_file()


def test_train_needs_data_and_an_output(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(triage, ["train"]).exit_code == 2
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "x", "category": "a"}])
    result = runner.invoke(triage, ["train", "--data", str(data)])
    assert result.exit_code == 2 and "--out" in result.output


def test_cv_reports_per_fold_and_pooled_metrics(runner: CliRunner, tmp_path: Path) -> None:
    rows = [
        {"text": f"{w} {i}", "sentiment": s}
        for i in range(6)
        for w, s in [
            ("عالی", "positive"),
            ("great", "positive"),
            ("افتضاح", "negative"),
            ("awful", "negative"),
        ]
    ]
    data = write_jsonl(tmp_path / "cv.jsonl", rows)
    result = runner.invoke(
        triage, ["cv", "--data", str(data), "--field", "sentiment", "--folds", "3"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["folds"] == 3 and len(report["per_fold"]) == 3
    assert report["pooled"]["n"] == len(rows)
    assert 0.0 <= report["accuracy_mean"] <= 1.0


def test_cv_refuses_a_field_the_data_does_not_label(runner: CliRunner, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "x", "category": "a"}])
    result = runner.invoke(triage, ["cv", "--data", str(data), "--field", "sentiment"])
    assert result.exit_code == 2 and 'no row labels the field "sentiment"' in result.output


def test_cv_accepts_a_regularisation_strength(runner: CliRunner, tmp_path: Path) -> None:
    rows = [
        {"text": f"{w} {i}", "sentiment": s}
        for i in range(6)
        for w, s in [("عالی", "positive"), ("great", "positive"), ("افتضاح", "negative")]
    ]
    data = write_jsonl(tmp_path / "cv.jsonl", rows)
    args = ["cv", "--data", str(data), "--field", "sentiment", "--folds", "3"]
    assert runner.invoke(triage, [*args, "--c", "0.01"]).exit_code == 0
    assert runner.invoke(triage, [*args, "--c", "0"]).exit_code == 2  # must be positive
