"""Agents' corrections become training data; the retrained model reaches the running
service without a restart (GET/POST /api/v1/triage/model)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from pasokh.audit.models import AuditEvent
from pasokh.cli import main
from pasokh.db import Database
from pasokh.inbox.corrections import correction_rows
from pasokh.settings import Settings
from pasokh.triage.engine import TriageEngine
from pasokh.triage.model import CompiledModel
from tests.conftest import World
from tests.web.test_desk import csrf_of, push
from tests.web.test_login import login


def corrected(client: TestClient, world: World) -> list[dict[str, Any]]:
    """Three messages; the agent corrects two of them, one field and two fields."""
    pushed = [push(client, world, text, f"c{i}") for i, text in enumerate([
        "سلام، ساعت کاری پشتیبانی تا کیه؟",
        "پول از حسابم کم شد ولی سفارش ثبت نشد!",
        "Do you ship to Canada?",
    ])]
    login(client, world, "sara")
    h = {"X-CSRF-Token": csrf_of(client.get("/inbox").text)}
    for p, fix in zip(pushed, [{"priority": "low"}, None, {"category": "request",
                                                          "priority": "normal"}], strict=True):
        if fix:
            r = client.put(f"/api/v1/conversations/{p['conversation_id']}/triage", json=fix,
                           headers=h)
            assert r.status_code == 200, r.text
    return pushed


def test_each_corrected_message_is_a_row_labelled_only_where_the_agent_corrected(
    client: TestClient, world: World, db: Database
) -> None:
    pushed = corrected(client, world)
    with db.read() as session:
        rows = list(correction_rows(session=session, workspace_id=world.workspace_id))
    assert [r["message_id"] for r in rows] == [pushed[0]["id"], pushed[2]["id"]]
    first, second = rows
    assert first["text"] == "سلام، ساعت کاری پشتیبانی تا کیه؟"
    assert first["priority"] == "low" and "category" not in first and "sentiment" not in first
    assert first["model_priority"] == pushed[0]["triage"]["priority"]
    assert (second["category"], second["priority"]) == ("request", "normal")
    assert (second["channel"], second["public"], second["source"]) == \
        ("webchat", False, "correction")


def test_the_cli_exports_them_and_a_retrain_learns_from_them(
    client: TestClient, world: World, database_url: str, tmp_path: Path,
    small_model_dir: Path, train_rows: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corrected(client, world)
    monkeypatch.setenv("PASOKH_DATABASE_URL", database_url)
    runner = CliRunner()
    out = tmp_path / "corrections.jsonl"
    exported = runner.invoke(main, ["triage", "corrections", "--workspace", world.slug,
                                    "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x.get("priority") for x in lines] == ["low", "normal"]

    data = tmp_path / "centre.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in train_rows),
                    encoding="utf-8")
    model = tmp_path / "model"
    trained = runner.invoke(main, ["triage", "train", "--data", str(data), "--corrections",
                                   world.slug, "--base", str(small_model_dir), "--field",
                                   "priority", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    assert "2 corrected message(s)" in trained.output
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["trained_on_rows"] == len(train_rows) + 2

    unknown = runner.invoke(main, ["triage", "corrections", "--workspace", "nobody"])
    assert unknown.exit_code == 1 and "There is no workspace 'nobody'" in unknown.output
    bad_day = runner.invoke(main, ["triage", "corrections", "--workspace", world.slug,
                                   "--since", "yesterday"])
    assert bad_day.exit_code == 1 and "is not a day" in bad_day.output


@pytest.fixture
def watched(settings: Settings, db: Database, small_model_dir: Path, tmp_path: Path
            ) -> Iterator[tuple[TestClient, Path]]:
    from pasokh.app import create_app, rules_source
    from pasokh.ingest.triager import WorkspaceTriager

    folder = tmp_path / "serving"
    shutil.copytree(small_model_dir, folder)
    app = create_app(settings.model_copy(update={"triage_model_dir": folder,
                                                  "triage_model_check_seconds": 0}),
                     db=db, triager=WorkspaceTriager(TriageEngine.load(folder),
                                                     rules_source(db)))
    with TestClient(app) as c:
        yield c, folder


def test_an_admin_sees_the_serving_model_and_switches_to_a_new_one(
    watched: tuple[TestClient, Path], world: World, small_model: CompiledModel
) -> None:
    client, folder = watched
    now = client.get("/api/v1/triage/model", headers=world.auth("admin"))
    assert now.status_code == 200 and now.json()["version"].startswith("small-")
    assert client.get("/api/v1/triage/model", headers=world.auth("agent")).status_code == 403
    assert client.post("/api/v1/triage/model/reload",
                       headers=world.auth("supervisor")).status_code == 403

    new_version = small_model.save(folder, name="with-corrections")
    switched = client.post("/api/v1/triage/model/reload", headers=world.auth("admin"))
    assert switched.status_code == 200 and switched.json()["version"] == new_version
    pushed = push(client, world, "پول از حسابم کم شد ولی سفارش ثبت نشد!", "after")
    assert pushed["triage"]["model_version"] == new_version  # the next message uses it

    arrays = folder / "space-0.npz"
    small_model.save(folder, name="broken")
    arrays.write_bytes(arrays.read_bytes()[:-7] + b"damaged")
    refused = client.post("/api/v1/triage/model/reload", headers=world.auth("admin"))
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert f"{new_version} keeps serving" in detail and "space-0.npz" in detail
    assert str(folder) not in detail  # the server's paths stay the operator's
    assert client.get("/api/v1/triage/model",
                      headers=world.auth("analyst")).json()["version"] == new_version


def test_the_corrections_download_and_the_settings_page(
    client: TestClient, world: World, db: Database
) -> None:
    pushed = corrected(client, world)  # sara (an agent) is logged in now
    assert client.get("/api/v1/triage/corrections.jsonl").status_code == 403
    download = client.get("/api/v1/triage/corrections.jsonl", headers=world.auth("analyst"))
    assert download.status_code == 200
    assert download.headers["content-disposition"] == \
        f'attachment; filename="{world.slug}-corrections.jsonl"'
    rows = [json.loads(line) for line in download.text.splitlines()]
    assert [r["message_id"] for r in rows] == [pushed[0]["id"], pushed[2]["id"]]
    with db.read() as session:  # customers' words left the product: recorded
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "triage.corrections_exported")).one()
        assert (event.actor_user_id, event.details) == (world.users["nima"], {"rows": 2})

    login(client, world, "maryam")  # the admin
    page = client.get("/admin").text
    section = page[page.index('id="triage-model"'):]
    assert "اصلاح‌های کارشناسان" in section and "۲" in section
    assert 'href="/api/v1/triage/corrections.jsonl"' in section
    assert "corpus-" in section  # the serving model's version
