"""`pasokh triage …`: predict, eval, train, cv. scikit-learn is imported only by train/cv."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from pasokh.triage.errors import TriageError

T = TypeVar("T")

MODEL_OPTION = click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model directory (default: the shipped model).",
)
RULES_OPTION = click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Priority rules JSON (default: the shipped rules).",
)


C_OPTION = click.option(
    "--c",
    "c",
    type=click.FloatRange(min=1e-6),
    default=None,
    help="Inverse regularisation strength of the logistic regression (default 5).",
)


def _config(c: float | None) -> Any:
    from pasokh.triage.training import TrainConfig

    # --c sets every head's C, the sentiment head's own default included
    return TrainConfig() if c is None else TrainConfig(c=c, head_c=())


def _progress(label: str) -> Any:
    """Return a wrapper that shows a progress bar on stderr while iterating."""

    def wrap(items: Iterable[T]) -> Iterator[T]:
        seq = list(items)
        with click.progressbar(seq, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap


def _corrections(slug: str, since: str | None = None) -> list[dict[str, Any]]:
    """The corrections of a workspace, from the database the service uses."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from pasokh.errors import PasokhError
    from pasokh.inbox.corrections import workspace_corrections
    from pasokh.settings import Settings

    try:
        rows = workspace_corrections(database_url=Settings().database_url, slug=slug,
                                     since=since)
    except (PasokhError, SQLAlchemyError, ValidationError) as exc:
        raise click.ClickException(
            f"Could not read the corrections of {slug}: {str(exc).splitlines()[0]}"
        ) from exc
    click.echo(f"{len(rows)} corrected message(s) of workspace {slug}", err=True)
    return rows


def _emit(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _fail(exc: TriageError) -> NoReturn:
    raise click.ClickException(exc.message)


def _engine(model_dir: Path | None, rules_file: Path | None) -> Any:
    from pasokh.triage.engine import TriageEngine
    from pasokh.triage.rules import PriorityRules

    rules = PriorityRules.from_file(rules_file) if rules_file else None
    return TriageEngine.load(model_dir, rules)


@click.group("triage")
def triage() -> None:
    """Triage messages: category, sentiment, priority with reasons, language."""


@triage.command("predict")
@MODEL_OPTION
@RULES_OPTION
@click.option("--scores", is_flag=True, help="Also print the model's full probability tables.")
def predict_cmd(model_dir: Path | None, rules_file: Path | None, scores: bool) -> None:
    """Read JSONL messages on stdin, write one triage JSON object per line on stdout."""
    from pasokh.triage.evaluation import context_of
    from pasokh.triage.jsonl import parse_lines

    try:
        rows = list(parse_lines(sys.stdin, source="<stdin>"))
        engine = _engine(model_dir, rules_file)
    except TriageError as exc:
        _fail(exc)
    for row in _progress("triage")(rows) if len(rows) > 1000 else rows:
        res = engine.triage(row["text"], context_of(row))
        out = res.as_dict(include_scores=scores)
        out.pop("trace")
        if "id" in row:
            out = {"id": row["id"], **out}
        click.echo(json.dumps(out, ensure_ascii=False))


@triage.command("eval")
@click.option(
    "--data", "data_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--corpus",
    "corpus_part",
    type=click.Choice(["heldout", "train", "all"]),
    default=None,
    help="Evaluate on the project's corpus (heldout: the 20% never trained on).",
)
@MODEL_OPTION
@RULES_OPTION
def eval_cmd(
    data_files: tuple[Path, ...],
    corpus_part: str | None,
    model_dir: Path | None,
    rules_file: Path | None,
) -> None:
    """Print JSON metrics for each labelled field (category, sentiment, priority)."""
    from pasokh.triage.corpus import load_corpus
    from pasokh.triage.evaluation import evaluate
    from pasokh.triage.training import load_rows

    if not data_files and not corpus_part:
        raise click.UsageError("give --data FILE (repeatable) or --corpus heldout")
    try:
        rows = load_rows(list(data_files))
        if corpus_part:
            rows += load_corpus(corpus_part)  # type: ignore[arg-type]
        engine = _engine(model_dir, rules_file)
    except TriageError as exc:
        _fail(exc)
    _emit(
        {
            "data": [str(p) for p in data_files]
            + ([f"corpus:{corpus_part}"] if corpus_part else []),
            **evaluate(engine, rows, progress=_progress("evaluating")),
        }
    )


@triage.command("corrections")
@click.option("--workspace", "slug", required=True, help="The workspace's slug.")
@click.option(
    "--since",
    default=None,
    help="Only corrections made on or after this day (1405-09-01 or 2026-11-22).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def corrections_cmd(slug: str, since: str | None, out_file: Path | None) -> None:
    """Export agents' triage corrections as labelled JSONL, for `triage train --data`."""
    rows = _corrections(slug, since)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out_file is None:
        sys.stdout.write(text)
        return
    tmp = out_file.with_name(out_file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_file)  # a reader never sees half a file
    click.echo(f"written to {out_file}", err=True)


@triage.command("train")
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Labelled JSONL (repeatable); agents' corrections are just more files.",
)
@click.option(
    "--corpus",
    "use_corpus",
    is_flag=True,
    help="Add the corpus TRAIN split (alone, with no --base: the shipped model).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the model (default with --corpus alone: the shipped model folder).",
)
@click.option(
    "--base",
    "base_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model whose heads are kept for fields the data does not label (default: shipped).",
)
@click.option(
    "--corrections",
    "correction_slugs",
    multiple=True,
    help="Also train on the agents' corrections of this workspace (slug; repeatable), "
    "read from PASOKH_DATABASE_URL.",
)
@click.option("--field", "fields", multiple=True, help="Train only these fields.")
@click.option("--name", default=None, help="Version prefix (default: corpus or custom).")
@C_OPTION
def train_cmd(
    data_files: tuple[Path, ...],
    use_corpus: bool,
    out_dir: Path | None,
    base_dir: Path | None,
    correction_slugs: tuple[str, ...],
    fields: tuple[str, ...],
    name: str | None,
    c: float | None,
) -> None:
    """Train a model on labelled JSONL and save it with checksums."""
    from pasokh.triage.corpus import load_corpus
    from pasokh.triage.model import SHIPPED_DIR
    from pasokh.triage.training import train

    if not data_files and not use_corpus and not correction_slugs:
        raise click.UsageError("give --data FILE (repeatable), --corrections SLUG and/or --corpus")
    shipped = use_corpus and not data_files and not correction_slugs and base_dir is None
    if out_dir is None:
        if not shipped:
            raise click.UsageError(
                "--out DIR is required unless training the shipped model (--corpus)"
            )
        out_dir = SHIPPED_DIR
    datasets: list[Any] = [*data_files]
    if use_corpus:
        datasets.append(load_corpus("train"))
    for slug in correction_slugs:
        datasets.append(_corrections(slug))
    click.echo(f"training on {len(datasets)} source(s) …", err=True)
    try:
        model = train(
            datasets,
            out_dir,
            base_dir,
            fields=fields or None,
            name=name or ("corpus" if shipped else "custom"),
            use_base=not shipped,
            config=_config(c),
        )
    except TriageError as exc:
        _fail(exc)
    _emit(
        {
            "version": model.version,
            "out": str(out_dir),
            "heads": {h: {"classes": list(v.classes), **v.info} for h, v in model.heads.items()},
        }
    )


@triage.command("cv")
@click.option(
    "--data",
    "data_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option("--field", required=True, help="category, sentiment or priority (or your own field).")
@click.option("--folds", default=10, show_default=True, type=click.IntRange(2, 50))
@click.option("--seed", default=0, show_default=True)
@C_OPTION
def cv_cmd(
    data_files: tuple[Path, ...], field: str, folds: int, seed: int, c: float | None
) -> None:
    """Cross-validate training on a labelled dataset; print per-fold and pooled metrics."""
    from pasokh.triage.evaluation import cross_validate
    from pasokh.triage.training import load_rows

    try:
        rows = load_rows(list(data_files))
    except TriageError as exc:
        _fail(exc)
    if not any(isinstance(r.get(field), str) for r in rows):
        raise click.UsageError(f'no row labels the field "{field}"')
    _emit(
        {
            "data": [str(p) for p in data_files],
            **cross_validate(
                rows,
                field,
                folds,
                seed=seed,
                config=_config(c),
                progress=_progress(f"{folds}-fold CV"),
            ),
        }
    )


if __name__ == "__main__":
    triage()
