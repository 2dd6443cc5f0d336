"""Metrics computed without scikit-learn, checked on small hand-made cases."""

from __future__ import annotations

import pytest

from pasokh.triage.metrics import binary, report


def test_report_on_a_small_case() -> None:
    rep = report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert rep["accuracy"] == 0.75
    assert rep["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert rep["per_class"]["b"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert rep["confusion"]["labels"] == ["a", "b"]
    assert rep["confusion"]["matrix"] == [[1, 1], [0, 2]]
    assert rep["macro_f1"] == pytest.approx((0.6667 + 0.8) / 2, abs=1e-4)


def test_macro_f1_averages_over_the_true_labels_only() -> None:
    rep = report(["pos", "neg"], ["pos", "neutral"])
    assert rep["confusion"]["labels"] == ["neg", "neutral", "pos"]
    assert rep["macro_f1"] == 0.5  # neg 0, pos 1; 'neutral' is never a true label


def test_binary() -> None:
    assert binary([True, True, False, False], [True, False, True, False]) == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
        "predicted": 2,
    }
