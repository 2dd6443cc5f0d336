"""English contractions, Latin stems and edge markers (feature extractor v3)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pasokh.triage.features import (
    FeatureConfig,
    edge_features,
    extract,
    join_contractions,
    latin_stem,
)
from pasokh.triage.normalise import normalise
from pasokh.triage.training import fit

from .conftest import SMALL


def test_contractions_are_joined_as_people_also_type_them() -> None:
    tokens = normalise("I can't log in, it won't load and I'm done").split()
    joined = join_contractions(tokens)
    assert "cant" in joined and "wont" in joined and "im" in joined
    assert "'" not in joined
    assert join_contractions(["کارت", "'", "t"]) == ["کارت", "'", "t"]  # Latin words only
    assert join_contractions(["rock", "'", "n", "roll"]) == ["rock", "'", "n", "roll"]


def test_light_stems() -> None:
    assert latin_stem("orders") == latin_stem("ordered") == latin_stem("ordering") == "order"
    assert latin_stem("replies") == latin_stem("replied") == "reply"
    assert latin_stem("stopped") == "stop"
    assert latin_stem("cold") is None  # short words are left alone
    assert latin_stem("سفارشها") is None


def test_stems_and_edges_are_word_features() -> None:
    feats = extract(normalise("Orders never arrived?").split(), FeatureConfig())
    assert "w:~order" in feats and "w:~arriv" in feats
    assert "w:^orders" in feats and "w:?$" in feats
    plain = FeatureConfig(edges=False, latin=False)
    off = extract(normalise("Orders never arrived?").split(), plain)
    assert not any(f.startswith(("w:~", "w:^")) or f.endswith("$") for f in off)


def test_edge_markers_never_equal_a_word_gram() -> None:
    tokens = normalise("^ how much $ 5 ?").split()
    edges = set(edge_features(tokens, FeatureConfig()))
    grams = set(extract(tokens, FeatureConfig(edges=False)))
    assert edges and not edges & grams


def test_fast_path_counts_shared_stems_and_contractions_like_the_reference(
    train_rows: list[dict[str, Any]],
) -> None:
    fitted = fit(train_rows, ["category"], SMALL)
    space = fitted.model.spaces[0]
    for text in (
        "ordered twice, orders keep failing and I can't reorder, it won't order",
        "don't don't don't",
        "?",
        "سفارشم نرسید but the order's been charged",
    ):
        tokens = normalise(text).split()
        reference = space.decision(extract(tokens, SMALL.features))
        assert np.allclose(space.fast_decision(tokens, SMALL.features), reference, atol=1e-4)
