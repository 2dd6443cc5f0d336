"""The corpus split: deterministic, about 20% held out, never mixed."""

from __future__ import annotations

from pasokh.triage.corpus import corpus_files, is_heldout, load_corpus

CATEGORIES = {"feedback", "complaint", "question", "technical", "request", "other"}


def test_split_is_a_pure_function_of_the_text() -> None:
    assert is_heldout("سلام سفارشم کجاست؟") == is_heldout("  سلام سفارشم کجاست؟\n")
    assert [is_heldout(f"message {i}") for i in range(50)] == [
        is_heldout(f"message {i}") for i in range(50)
    ]


def test_about_a_fifth_is_held_out_and_parts_do_not_overlap() -> None:
    train, held = load_corpus("train"), load_corpus("heldout")
    share = len(held) / (len(train) + len(held))
    assert 0.15 < share < 0.25
    assert not {r["text"].strip() for r in train} & {r["text"].strip() for r in held}


def test_corpus_rows_carry_the_documented_fields() -> None:
    assert corpus_files()
    for row in load_corpus("all"):
        assert row["category"] in CATEGORIES
        assert row["sentiment"] in {"positive", "neutral", "negative"}
        assert row["priority"] in {"urgent", "high", "normal", "low"}
        assert row["file"].split("_")[0] in {"fa", "en"}
