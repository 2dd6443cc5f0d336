"""The project's own triage corpus and its deterministic train / held-out split."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pasokh.triage.jsonl import read_jsonl

CORPUS_DIR = Path(__file__).parent / "corpus"
HELDOUT_PERCENT = 20

Part = Literal["train", "heldout", "all"]


def is_heldout(text: str) -> bool:
    """Return True if a text belongs to the held-out 20% (by a hash of the stripped text)."""
    digest = hashlib.sha256(text.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELDOUT_PERCENT


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """Return the corpus JSONL files in a stable order."""
    return sorted(corpus_dir.glob("*.jsonl"))


def load_corpus(part: Part = "all", corpus_dir: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Load the corpus rows of one part (train, heldout or all), each tagged with its file."""
    rows = []
    for path in corpus_files(corpus_dir):
        for row in read_jsonl(path):
            held = is_heldout(row["text"])
            if part == "all" or (part == "heldout") == held:
                rows.append({**row, "file": path.name})
    return rows
