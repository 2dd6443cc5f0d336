"""Feature strings of a normalised message: word n-grams, char n-grams, lexicon hits.

The same function feeds training and prediction, so the compiled model sees exactly the
features the scikit-learn model was fitted on. Each feature belongs to a group (by its
prefix) and each group is l2-normalised on its own, like a FeatureUnion of two
TfidfVectorizers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pasokh.triage.sentiment_lexicon import lexicon_features

# Bump when extract() changes: a model records the version it was trained with.
EXTRACTOR_VERSION = 1

GROUP_WORD, GROUP_CHAR, GROUP_LEXICON = 0, 1, 2
N_GROUPS = 3


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which n-grams to extract."""

    word_min: int = 1
    word_max: int = 2
    char_min: int = 2
    char_max: int = 5
    lexicon: bool = True
    extractor_version: int = EXTRACTOR_VERSION

    def as_dict(self) -> dict[str, Any]:
        """Return the config as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        """Build a config from a manifest entry."""
        return cls(**data)


def group_of(feature: str) -> int:
    """Return the normalisation group of a feature string."""
    if feature.startswith("w:"):
        return GROUP_WORD
    if feature.startswith("§"):
        return GROUP_LEXICON
    return GROUP_CHAR


def extract(tokens: list[str], config: FeatureConfig) -> list[str]:
    """Return the feature strings (with repeats, for term frequency) of a token list."""
    feats = ["w:" + t for t in tokens] if config.word_min <= 1 else []
    for n in range(max(2, config.word_min), config.word_max + 1):
        feats.extend("w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    lo, hi = config.char_min, config.char_max
    for tok in tokens:
        padded = f" {tok} "
        size = len(padded)
        for n in range(lo, min(hi, size) + 1):
            feats.extend(padded[i : i + n] for i in range(size - n + 1))
    if config.lexicon:
        feats.extend(lexicon_features(tokens))
    return feats
