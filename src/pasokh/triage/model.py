"""The compiled triage model: feature string → row of class weights, plus idf.

A trained scikit-learn linear model is compiled into lookups so that prediction needs no
scikit-learn: extract feature strings, look them up, weight by count × idf, normalise per
feature group, sum the weight rows and add the intercept, softmax per head. The
probabilities are the multinomial logistic-regression probabilities.

On disk a model is a directory: ``manifest.json`` (version, feature config, heads, sha256
of every file and of the manifest itself), and per feature space a ``.vocab.json`` (list
of feature strings) and a ``.npz`` of arrays read with ``allow_pickle=False``. Nothing is
unpickled; every byte is checked against the manifest at load.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pasokh.triage.errors import ModelError
from pasokh.triage.features import (
    N_GROUPS,
    FeatureConfig,
    char_grams,
    edge_features,
    group_of,
    token_features,
    word_grams,
)
from pasokh.triage.priority_cues import cue_features, found_cues
from pasokh.triage.sentiment_lexicon import lexicon_features

FORMAT = "pasokh-triage-model"
FORMAT_VERSION = 1
SHIPPED_DIR = Path(__file__).parent / "models" / "shipped"

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Head:
    """One output of the model (category, sentiment, priority, or a centre's own field)."""

    name: str
    classes: tuple[str, ...]
    space: int
    start: int  # first column of this head in its space's weight matrix
    info: dict[str, Any]


class FeatureSpace:
    """A vocabulary with idf, groups and the weight columns of the heads that use it.

    For serving, the weights are pre-multiplied by idf and placed in one block of columns
    per feature group, with one more column per group holding idf²: summing the rows of
    the features present gives, per group, the unnormalised scores and Σ count × idf².
    Row 0 is all zeros so that ``filter(None, ...)`` drops unknown features for free.
    """

    CACHE_LIMIT = 200_000  # tokens whose char n-gram ids are remembered

    def __init__(
        self,
        vocab: list[str],
        idf: FloatArray,
        weights: FloatArray,
        bias: FloatArray,
        scales: tuple[float, ...] = (1.0,) * N_GROUPS,
    ):
        self.vocab = vocab
        self.scales = np.asarray(scales, dtype=np.float64)
        self.idf = idf.astype(np.float32)
        self.groups = np.fromiter((group_of(f) for f in vocab), dtype=np.int8, count=len(vocab))
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        # ids are 1-based: row 0 of the serving matrix is the "unknown feature" row
        self.index: dict[str, int] = {f: i + 1 for i, f in enumerate(vocab)}
        self._expanded: FloatArray | None = None
        self._token_cache: dict[str, npt.NDArray[np.float32]] = {}
        # a message's "p:" features depend only on the set of cues it has: their summed
        # row is kept per cue set (a few hundred sets occur; the pairs make them many rows)
        self._cue_cache: dict[tuple[str, ...], npt.NDArray[np.float32]] = {}

    # -- reference path (training matrices, equivalence tests) --------------------------
    def vectorise(self, feats: list[str]) -> tuple[npt.NDArray[np.intp], FloatArray]:
        """Return (vocab ids, values): count × idf / sqrt(Σ count × idf²) per group."""
        get = self.index.get
        counts = Counter(filter(None, map(get, feats)))
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        uniq = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts)) - 1
        c = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        idf = self.idf[uniq].astype(np.float64)
        grp = self.groups[uniq]
        norms = np.sqrt(np.bincount(grp, weights=c * idf * idf, minlength=N_GROUPS))
        norms[norms == 0] = 1.0
        order = np.argsort(uniq)
        vals = c * idf * self.scales[grp] / norms[grp]
        return uniq[order], vals[order].astype(np.float32)

    def decision(self, feats: list[str]) -> FloatArray:
        """Return the raw linear scores of every column for one message (reference path)."""
        ids, vals = self.vectorise(feats)
        if len(ids) == 0:
            return self.bias.copy()
        return np.asarray(vals @ self.weights[ids] + self.bias, dtype=np.float32)

    # -- fast path (serving) -------------------------------------------------------------
    def _build_expanded(self) -> FloatArray:
        """Rows by serving id: in the feature's group block [idf × weights, idf²]; row 0 zero."""
        n, cols = self.weights.shape
        width = cols + 1
        expanded = np.zeros((n + 1, N_GROUPS * width), dtype=np.float32)
        scaled = self.weights * self.idf[:, None]
        idf2 = self.idf**2
        for g in range(N_GROUPS):
            rows = np.flatnonzero(self.groups == g) + 1
            expanded[rows, g * width : g * width + cols] = scaled[rows - 1] * self.scales[g]
            expanded[rows, g * width + cols] = idf2[rows - 1]
        return expanded

    def _token_row(self, token: str, config: FeatureConfig) -> npt.NDArray[np.float32]:
        """The summed rows of one distinct token's char n-grams, word unigram and stem."""
        get = self.index.get
        feats = char_grams(token, config.char_min, config.char_max)
        feats.extend(token_features(token, config))
        ids = set(filter(None, map(get, feats)))
        expanded = self._serving_rows()
        if not ids:
            return np.asarray(expanded[0], dtype=np.float32)
        rows = expanded[np.fromiter(ids, dtype=np.intp, count=len(ids))]
        return np.asarray(rows.sum(axis=0), dtype=np.float32)

    def _serving_rows(self) -> FloatArray:
        if self._expanded is None:
            self._expanded = self._build_expanded()
        return self._expanded

    def _rows_of(self, tokens: list[str], config: FeatureConfig) -> list[npt.NDArray[np.float32]]:
        """The serving rows whose sum is a message's [scores, Σidf²] per group."""
        expanded = self._serving_rows()
        cache = self._token_cache
        rows: list[npt.NDArray[np.float32]] = []
        for tok in dict.fromkeys(tokens):
            cached = cache.get(tok)
            if cached is None:
                if len(cache) >= self.CACHE_LIMIT:
                    cache.clear()  # crude but bounded; a Zipfian vocabulary refills it fast
                cached = cache[tok] = self._token_row(tok, config)
            rows.append(cached)
        get = self.index.get
        extra: set[int] = set()
        if config.word_max >= 2:
            extra.update(filter(None, map(get, word_grams(tokens, 2, config.word_max))))
        if config.extras:
            extra.update(filter(None, map(get, edge_features(tokens, config))))
        if config.lexicon:
            extra.update(filter(None, map(get, lexicon_features(tokens))))
        rows.extend(expanded[i] for i in extra)
        if config.priority_cues:
            found = found_cues(tokens)
            if found:
                rows.append(self._cue_row(found))
        return rows

    def _cue_row(self, found: tuple[str, ...]) -> npt.NDArray[np.float32]:
        """The summed serving rows of the "p:" features of one set of cues (cached)."""
        cached = self._cue_cache.get(found)
        if cached is None:
            if len(self._cue_cache) >= self.CACHE_LIMIT:
                self._cue_cache.clear()
            expanded = self._serving_rows()
            ids = set(filter(None, map(self.index.get, cue_features(found))))
            picked = expanded[np.fromiter(ids, dtype=np.intp, count=len(ids))] if ids else None
            cached = (
                expanded[0]
                if picked is None
                else picked.sum(axis=0, dtype=np.float64).astype(np.float32)
            )
            self._cue_cache[found] = cached
        return cached

    def fast_decision(self, tokens: list[str], config: FeatureConfig) -> list[float]:
        """Return the raw linear scores of every column, equal to decision(extract(tokens))."""
        rows = self._rows_of(tokens, config)
        if not rows:
            return [float(b) for b in self.bias]
        total = np.add.reduce(rows, axis=0, dtype=np.float64).reshape(N_GROUPS, -1)
        sq = total[:, -1]
        inv = 1.0 / np.sqrt(sq + (sq == 0))  # an empty group contributes zero scores anyway
        return (inv @ total[:, :-1] + self.bias).tolist()  # type: ignore[no-any-return]

    def fast_decisions(
        self, token_lists: list[list[str]], config: FeatureConfig
    ) -> npt.NDArray[np.float64]:
        """Return the raw scores of many messages at once (n × columns), summed in one go."""
        zero = self._serving_rows()[0]
        stacked: list[npt.NDArray[np.float32]] = []
        offsets = []
        for tokens in token_lists:
            offsets.append(len(stacked))
            stacked.extend(self._rows_of(tokens, config) or [zero])
        totals = np.add.reduceat(np.asarray(stacked, dtype=np.float64), offsets, axis=0)
        totals = totals.reshape(len(token_lists), N_GROUPS, -1)
        sq = totals[:, :, -1]
        inv = 1.0 / np.sqrt(sq + (sq == 0))
        scores = np.einsum("ng,ngc->nc", inv, totals[:, :, :-1]) + self.bias
        return np.asarray(scores, dtype=np.float64)


def softmax(scores: list[float]) -> list[float]:
    """Return the softmax of a short list of scores."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class CompiledModel:
    """All heads of a saved model, ready to score normalised tokens."""

    def __init__(
        self,
        *,
        config: FeatureConfig,
        spaces: list[FeatureSpace],
        heads: dict[str, Head],
        version: str,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.spaces = spaces
        self.heads = heads
        self.version = version
        self.manifest = manifest or {}

    def score(self, tokens: list[str]) -> dict[str, dict[str, float]]:
        """Return {head: {label: probability}} for one tokenised message."""
        raw = [space.fast_decision(tokens, self.config) for space in self.spaces]
        out: dict[str, dict[str, float]] = {}
        for head in self.heads.values():
            cols = raw[head.space][head.start : head.start + len(head.classes)]
            out[head.name] = dict(zip(head.classes, softmax(cols), strict=True))
        return out

    def warm(self) -> None:
        """Build the serving matrices now, so the first message does not pay for it."""
        for space in self.spaces:
            space._serving_rows()

    def score_many(self, token_lists: list[list[str]]) -> list[dict[str, dict[str, float]]]:
        """Return score() for many messages, with the numeric work done once per batch."""
        if not token_lists:
            return []
        raw = [space.fast_decisions(token_lists, self.config) for space in self.spaces]
        per_head: dict[str, list[dict[str, float]]] = {}
        for head in self.heads.values():
            z = raw[head.space][:, head.start : head.start + len(head.classes)]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            probs = (e / e.sum(axis=1, keepdims=True)).tolist()
            per_head[head.name] = [dict(zip(head.classes, p, strict=True)) for p in probs]
        return [{name: rows[i] for name, rows in per_head.items()} for i in range(len(token_lists))]

    def save(self, out_dir: Path, *, name: str, extra: dict[str, Any] | None = None) -> str:
        """Write the model to a directory with checksums; return its version string."""
        return save_model(self, out_dir, name=name, extra=extra)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_model(
    model: CompiledModel, out_dir: Path, *, name: str, extra: dict[str, Any] | None = None
) -> str:
    """Write manifest, vocabularies and arrays; return the version string."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    spaces_meta = []
    for i, space in enumerate(model.spaces):
        vocab_name, arrays_name = f"space-{i}.vocab.json", f"space-{i}.npz"
        (out_dir / vocab_name).write_text(
            json.dumps(space.vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        np.savez_compressed(
            out_dir / arrays_name, idf=space.idf, weights=space.weights, bias=space.bias
        )
        for fname in (vocab_name, arrays_name):
            files[fname] = _sha256(out_dir / fname)
        spaces_meta.append(
            {"vocab": vocab_name, "arrays": arrays_name, "n_features": len(space.vocab)}
        )
    heads_meta = {
        h.name: {"space": h.space, "start": h.start, "classes": list(h.classes), **h.info}
        for h in model.heads.values()
    }
    content = hashlib.sha256(
        json.dumps([files, heads_meta], sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    version = f"{name}-{content[:10]}"
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "feature_config": model.config.as_dict(),
        "spaces": spaces_meta,
        "heads": heads_meta,
        "files": files,
        **(extra or {}),
    }
    manifest["checksum"] = _manifest_checksum(manifest)
    tmp = out_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out_dir / "manifest.json")  # the manifest appears last and whole
    model.version = version
    model.manifest = manifest
    return version


def load_model(model_dir: Path | str | None = None) -> CompiledModel:
    """Load and verify a model directory (None → the shipped model)."""
    root = Path(model_dir) if model_dir is not None else SHIPPED_DIR
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise ModelError(
            f"No triage model in {root}: manifest.json is missing. Run `pasokh triage train`."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{manifest_path} is not valid JSON: {exc}") from exc
    _verify(root, manifest)
    config = FeatureConfig.from_dict(manifest["feature_config"])
    spaces = []
    for meta in manifest["spaces"]:
        vocab = json.loads((root / meta["vocab"]).read_text(encoding="utf-8"))
        with np.load(root / meta["arrays"], allow_pickle=False) as arrays:
            spaces.append(
                FeatureSpace(
                    vocab, arrays["idf"], arrays["weights"], arrays["bias"], config.group_scales()
                )
            )
    heads = {}
    for name, meta in manifest["heads"].items():
        info = {k: v for k, v in meta.items() if k not in ("space", "start", "classes")}
        heads[name] = Head(name, tuple(meta["classes"]), meta["space"], meta["start"], info)
    return CompiledModel(
        config=config, spaces=spaces, heads=heads, version=manifest["version"], manifest=manifest
    )


def _verify(root: Path, manifest: dict[str, Any]) -> None:
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{root} holds no {FORMAT} v{FORMAT_VERSION} model.")
    if manifest.get("checksum") != _manifest_checksum(manifest):
        raise ModelError(f"{root}/manifest.json was changed after the model was saved (checksum).")
    extractor = manifest.get("feature_config", {}).get("extractor_version")
    if extractor != FeatureConfig().extractor_version:
        raise ModelError(
            f"{root} was trained with feature extractor v{extractor}; this Pasokh has "
            f"v{FeatureConfig().extractor_version}. Retrain it with `pasokh triage train`."
        )
    for fname, expected in manifest["files"].items():
        path = root / fname
        if not path.is_file():
            raise ModelError(f"{path} is missing from the model directory.")
        if _sha256(path) != expected:
            raise ModelError(f"{path} does not match its sha256 in the manifest: refusing to load.")
