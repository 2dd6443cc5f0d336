"""Feature strings of a normalised message: word n-grams, char n-grams, lexicon hits.

Training vectorises ``extract()``; prediction builds the same sums token by token (with a
per-token cache), and a test checks both give the same scores. A feature's value is
count × idf, where the count is per distinct token (see ``extract``), and each group
(word, char, lexicon) is divided by sqrt(Σ count × idf²) — the l2 norm when every count
is 1, as it nearly always is in short messages; chosen because it decomposes per token.

Since v4, a fourth group, ``x:`` features, serves the category head only (the other heads
are trained with it masked out, so their weights there are zero and their features and
norms are exactly those of v3): a light stem of every Latin word (``x:~order`` for
«orders», «ordered», «ordering») and markers of the first and the last token (``x:^how``,
``x:?$``; position is a question / complaint cue that n-grams lose). Chosen by 4-fold CV
of the category head on the corpus train split (docs/triage.md, "English category
accuracy").

Since v5, a fifth group, ``p:`` features (``priority_cues``), serves the priority head only
in the same way: hand-written state cues (money left the customer, nothing received,
blocked now, already resolved, a question, a fee dispute …) and every pair of them present
in a message, scaled by 0.3. Chosen out of fold on the corpus train split for the urgent
decision (docs/triage.md, "Urgent precision: priority cues").
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

from pasokh.triage.priority_cues import priority_features
from pasokh.triage.sentiment_lexicon import lexicon_features

# Bump when extract() changes: a model records the version it was trained with.
EXTRACTOR_VERSION = 6

GROUP_WORD, GROUP_CHAR, GROUP_LEXICON, GROUP_EXTRA, GROUP_PRIORITY = 0, 1, 2, 3, 4
N_GROUPS = 5


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which n-grams to extract."""

    word_min: int = 1
    word_max: int = 2
    char_min: int = 1
    char_max: int = 5
    lexicon: bool = True
    # values of the lexicon group are multiplied by this: under the same regularisation a
    # larger scale lets the model lean on the hand-written lexicon more than on n-grams
    lexicon_scale: float = 1.0
    # the "x:" group (Latin stems, first/last-token markers), used by the heads listed in
    # TrainConfig.extra_heads (the category head); its values are multiplied by extra_scale
    extras: bool = True
    extra_scale: float = 0.3
    # the "p:" group (priority_cues: state cues and their pairs), used by the heads listed
    # in TrainConfig.priority_heads (the priority head); values multiplied by priority_scale
    priority_cues: bool = True
    priority_scale: float = 0.3
    extractor_version: int = EXTRACTOR_VERSION

    def group_scales(self) -> tuple[float, ...]:
        """Return the multiplier of each feature group (word, char, lexicon, extra, priority)."""
        return (1.0, 1.0, self.lexicon_scale, self.extra_scale, self.priority_scale)

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
    if feature.startswith("x:"):
        return GROUP_EXTRA
    if feature.startswith("p:"):
        return GROUP_PRIORITY
    return GROUP_CHAR


_LATIN_WORD = re.compile(r"[a-z]+")
# longest first; "ies"/"ied" become "y"
_SUFFIXES = ("ingly", "edly", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s")


def latin_stem(word: str) -> str | None:
    """Return a light stem of a lower-case Latin word, or None if it has none.

    A suffix stripper, not a lemmatiser: «orders», «ordered», «ordering» → «order»;
    «charges», «charged» → «charg»; «replies», «replied» → «reply»; a doubled final
    consonant goes («stopped» → «stop»). Words of 4 letters or fewer are left alone.
    """
    if len(word) <= 4 or not _LATIN_WORD.fullmatch(word):
        return None
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ied", "ies"):
                base += "y"
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    return None


def token_features(token: str, config: FeatureConfig) -> list[str]:
    """Return the word-level features of one token alone: its unigram and Latin stem."""
    feats = ["w:" + token] if config.word_min <= 1 else []
    if config.extras:
        stem = latin_stem(token)
        if stem is not None:
            feats.append("x:~" + stem)
    return feats


def edge_features(tokens: list[str], config: FeatureConfig) -> list[str]:
    """Return the first-token and last-token markers of a message."""
    if not config.extras or not tokens:
        return []
    return ["x:^" + tokens[0], "x:" + tokens[-1] + "$"]


def word_grams(tokens: list[str], lo: int, hi: int) -> list[str]:
    """Return the word n-gram features (lo ≤ n ≤ hi) of a token sequence."""
    feats = ["w:" + t for t in tokens] if lo <= 1 else []
    if lo <= 2 <= hi:  # the common case, written out: it runs for every message
        feats.extend(["w:" + a + " " + b for a, b in pairwise(tokens)])
    for n in range(max(3, lo), hi + 1):
        feats.extend("w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return feats


def char_grams(token: str, lo: int, hi: int) -> list[str]:
    """Return the char n-grams (lo ≤ n ≤ hi) of one space-padded token (char_wb style)."""
    padded = f" {token} "
    size = len(padded)
    out: list[str] = []
    for n in range(lo, min(hi, size) + 1):
        out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def extract(tokens: list[str], config: FeatureConfig) -> list[str]:
    """Return the feature strings of a token list, each repeat meaning one more count.

    Counts are per distinct token: a char n-gram counts once for every distinct token that
    contains it, a word unigram, bigram or lexicon hit counts once. This is what lets the
    server cache each token's whole contribution (see model.FeatureSpace).
    """
    distinct = list(dict.fromkeys(tokens))
    feats: list[str] = []
    for tok in distinct:  # a stem counts once per distinct token that has it
        feats.extend(token_features(tok, config))
    if config.word_max >= 2:
        feats.extend(dict.fromkeys(word_grams(tokens, max(2, config.word_min), config.word_max)))
    feats.extend(dict.fromkeys(edge_features(tokens, config)))
    for tok in distinct:
        feats.extend(dict.fromkeys(char_grams(tok, config.char_min, config.char_max)))
    if config.lexicon:
        feats.extend(dict.fromkeys(lexicon_features(tokens)))
    if config.priority_cues:
        feats.extend(dict.fromkeys(priority_features(tokens)))
    return feats
