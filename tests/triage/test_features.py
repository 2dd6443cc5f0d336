"""The category head's "x:" group: Latin stems and first/last-token markers (extractor v4)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pasokh.triage.features import (
    GROUP_EXTRA,
    FeatureConfig,
    edge_features,
    extract,
    group_of,
    latin_stem,
)
from pasokh.triage.normalise import normalise
from pasokh.triage.training import fit

from .conftest import SMALL


def test_light_stems() -> None:
    assert latin_stem("orders") == latin_stem("ordered") == latin_stem("ordering") == "order"
    assert latin_stem("replies") == latin_stem("replied") == "reply"
    assert latin_stem("stopped") == "stop"
    assert latin_stem("cold") is None  # short words are left alone
    assert latin_stem("order") is None  # nothing to strip
    assert latin_stem("سفارشها") is None


def test_stems_and_edges_are_their_own_group() -> None:
    feats = extract(normalise("Orders never arrived?").split(), FeatureConfig())
    assert "x:~order" in feats and "x:~arriv" in feats
    assert "x:^orders" in feats and "x:?$" in feats
    assert all(group_of(f) == GROUP_EXTRA for f in feats if f.startswith("x:"))
    off = extract(normalise("Orders never arrived?").split(), FeatureConfig(extras=False))
    assert not any(f.startswith("x:") for f in off)
    assert set(off) == {f for f in feats if not f.startswith("x:")}
    assert edge_features([], FeatureConfig()) == []


def test_only_the_category_head_uses_the_extra_group(train_rows: list[dict[str, Any]]) -> None:
    fitted = fit(train_rows, ["category", "sentiment"], SMALL)
    space = fitted.model.spaces[0]
    extra = space.groups == GROUP_EXTRA
    assert extra.any()
    cat, sent = fitted.model.heads["category"], fitted.model.heads["sentiment"]
    assert np.abs(space.weights[extra, cat.start : cat.start + len(cat.classes)]).sum() > 0
    assert np.abs(space.weights[extra, sent.start : sent.start + len(sent.classes)]).max() == 0


def test_fast_path_counts_shared_stems_like_the_reference(
    train_rows: list[dict[str, Any]],
) -> None:
    fitted = fit(train_rows, ["category"], SMALL)
    space = fitted.model.spaces[0]
    for text in (
        "ordered twice, orders keep failing and I can't reorder, it won't order",
        "orders orders",
        "?",
        "سفارشم نرسید but the order's been charged",
    ):
        tokens = normalise(text).split()
        reference = space.decision(extract(tokens, SMALL.features))
        assert np.allclose(space.fast_decision(tokens, SMALL.features), reference, atol=1e-4)
