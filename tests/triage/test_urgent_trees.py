"""The tree ensemble bench/urgent_oof.py measures: numpy arrays that score like scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from bench.urgent_trees import TreeEnsemble, fit_trees, from_sklearn, text_signals


@pytest.mark.parametrize("depth", [1, 3])
def test_the_arrays_give_scikit_learns_probabilities(depth: int) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 5))
    y = (x[:, 0] * x[:, 1] + x[:, 2]) > 0.3
    clf = HistGradientBoostingClassifier(
        max_depth=depth, max_iter=40, early_stopping=False, random_state=0
    ).fit(x, y)
    unseen = rng.normal(size=(200, 5))
    assert np.allclose(from_sklearn(clf).proba(unseen), clf.predict_proba(unseen)[:, 1])


def test_the_arrays_survive_an_npz_without_pickle(tmp_path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3))
    trees = fit_trees(x, x[:, 0] > 0, params={"max_depth": 2, "max_iter": 20})
    np.savez(tmp_path / "t.npz", **trees.arrays("u."))
    with np.load(tmp_path / "t.npz", allow_pickle=False) as arrays:
        back = TreeEnsemble.from_arrays(arrays, "u.", base=trees.base, depth=trees.depth)
    assert np.array_equal(back.proba(x), trees.proba(x))


@pytest.mark.parametrize(
    ("norm", "language", "today", "later", "question"),
    [
        ("پرواز امشب تاخیر داره ?", "fa", 1.0, 0.0, 1.0),
        ("بلیت پرواز فردا رو گرفتم", "fa", 0.0, 1.0, 0.0),
        ("my flight tomorrow shows a schedule change", "en", 0.0, 1.0, 0.0),
        ("the party is tonight", "en", 1.0, 0.0, 0.0),
    ],
)
def test_time_words_and_question_marks_are_read_in_both_languages(
    norm: str, language: str, today: float, later: float, question: float
) -> None:
    _, q, t, lt, _ = text_signals(norm, language)
    assert (t, lt, q) == (today, later, question)
