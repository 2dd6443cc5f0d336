"""The compiled triage model: feature string → row of class weights, plus idf.

A trained scikit-learn linear model is compiled into lookups so that prediction needs no
scikit-learn: extract feature strings, look them up, weight by sublinear tf × idf,
l2-normalise per feature group, sum the weight rows and add the intercept, softmax per
head. Probabilities are the multinomial logistic-regression probabilities.

On disk a model is a directory: ``manifest.json`` (version, feature config, heads, sha256
of every file and of the manifest itself), and per feature space a ``.vocab.json`` (list
of feature strings) and a ``.npz`` of arrays read with ``allow_pickle=False``. Nothing is
unpickled; every byte is checked against the manifest at load.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pasokh.triage.errors import ModelError
from pasokh.triage.features import N_GROUPS, FeatureConfig, extract, group_of

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
    """A vocabulary with idf, groups and the weight columns of the heads that use it."""

    def __init__(self, vocab: list[str], idf: FloatArray, weights: FloatArray, bias: FloatArray):
        self.vocab = vocab
        self.index: dict[str, int] = {f: i for i, f in enumerate(vocab)}
        self.idf = idf.astype(np.float32)
        self.groups = np.fromiter((group_of(f) for f in vocab), dtype=np.int8, count=len(vocab))
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)

    def vectorise(self, feats: list[str]) -> tuple[npt.NDArray[np.intp], FloatArray]:
        """Return (feature ids, l2-normalised sublinear tf-idf values) of one message."""
        get = self.index.get
        ids = [i for i in map(get, feats) if i is not None]
        if not ids:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        uniq, counts = np.unique(np.asarray(ids, dtype=np.intp), return_counts=True)
        vals = (1.0 + np.log(counts, dtype=np.float32)) * self.idf[uniq]
        grp = self.groups[uniq]
        norms = np.sqrt(np.bincount(grp, weights=vals * vals, minlength=N_GROUPS))
        norms[norms == 0] = 1.0
        return uniq, (vals / norms[grp]).astype(np.float32)

    def decision(self, feats: list[str]) -> FloatArray:
        """Return the raw linear scores of every column for one message."""
        ids, vals = self.vectorise(feats)
        if len(ids) == 0:
            return self.bias.copy()
        return np.asarray(vals @ self.weights[ids] + self.bias, dtype=np.float32)


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
        feats = extract(tokens, self.config)
        raw = [space.decision(feats).tolist() for space in self.spaces]
        out: dict[str, dict[str, float]] = {}
        for head in self.heads.values():
            cols = raw[head.space][head.start : head.start + len(head.classes)]
            out[head.name] = dict(zip(head.classes, softmax(cols), strict=True))
        return out

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
        raise ModelError(f"No triage model in {root}: manifest.json is missing. Run `pasokh triage train`.")
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
            spaces.append(FeatureSpace(vocab, arrays["idf"], arrays["weights"], arrays["bias"]))
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
