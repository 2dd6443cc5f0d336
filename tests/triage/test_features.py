"""Head-specific feature groups: the category head's "x:" group (Latin stems, first/last-token
markers, extractor v4) and the priority head's "p:" group (state cues and their pairs, v5)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pasokh.triage.features import (
    GROUP_EXTRA,
    GROUP_PRIORITY,
    FeatureConfig,
    edge_features,
    extract,
    group_of,
    latin_stem,
)
from pasokh.triage.normalise import normalise
from pasokh.triage.priority_cues import CUES, found_cues, priority_features
from pasokh.triage.rules import PhraseMatcher, PhraseRule
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


def test_priority_cues_name_states_and_their_pairs() -> None:
    def cues(text: str) -> set[str]:
        return set(priority_features(normalise(text).split()))

    paid_nothing = cues("۸۹۰ هزار تومن از کارتم کسر شد ولی سفارش ثبت نشد")
    assert {"p:money", "p:nothing", "p:amount", "p:money+nothing"} <= paid_nothing
    assert "p:resolved" in cues("transfer errored yesterday, went through today, no money lost")
    assert "p:question" in cues("اگه رمز کارتمو سه بار اشتباه بزنم کارت مسدود میشه؟")
    assert "p:money" in cues("pool kam shod vali sefaresh sabt nashod")  # Finglish
    assert priority_features([]) == []
    feats = extract(normalise("charged twice, no order").split(), FeatureConfig())
    assert "p:money+twice" in feats
    assert all(group_of(f) == GROUP_PRIORITY for f in feats if f.startswith("p:"))
    off = extract(normalise("charged twice").split(), FeatureConfig(priority_cues=False))
    assert not any(f.startswith("p:") for f in off)


def test_only_the_priority_head_uses_the_priority_group(
    train_rows: list[dict[str, Any]],
) -> None:
    fitted = fit(train_rows, ["category", "sentiment", "priority"], SMALL)
    space = fitted.model.spaces[0]
    cues = space.groups == GROUP_PRIORITY
    assert cues.any()
    weights = {
        name: np.abs(space.weights[cues, h.start : h.start + len(h.classes)])
        for name, h in fitted.model.heads.items()
    }
    assert weights["priority"].sum() > 0
    assert weights["category"].max() == 0 and weights["sentiment"].max() == 0
    for text in ("همین الان دو بار از کارتم کسر شد ولی سفارش ثبت نشد", "charged twice, no order"):
        tokens = normalise(text).split()
        reference = space.decision(extract(tokens, SMALL.features))
        assert np.allclose(space.fast_decision(tokens, SMALL.features), reference, atol=1e-4)


def test_cue_matcher_finds_what_the_rules_matcher_finds(
    train_rows: list[dict[str, Any]],
) -> None:
    reference = PhraseMatcher(
        [PhraseRule(id=c, reason=c, level="normal", phrases=p) for c, p in CUES.items()]
    )
    texts = [r["text"] for r in train_rows] + [
        "pool kam shod vali sefaresh sabt nashod",  # Finglish, by spelling key
        "پولمو دیروز از حسابم گرفتن و هنوز هیچی",  # a gap phrase: «پول* ... گرفت*»
        "they took my card details and <amount>",
    ]
    for text in texts:
        tokens = normalise(text).split()
        expected = sorted(hit.rule.id for hit in reference.find(" ".join(tokens)))
        assert list(found_cues(tokens)) == expected, text
