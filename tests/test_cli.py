"""The `pasokh` command: clear sentences and a non-zero exit on bad input."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pasokh.cli import main
from pasokh.db import Database
from pasokh.users.models import User
from pasokh.workspaces.models import ApiToken


@pytest.fixture
def run(database_url: str, db: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PASOKH_DATABASE_URL", database_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_an_admin_sets_up_a_workspace_from_the_command_line(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").exit_code == 0
    created = run("workspace", "create", "narenj", "--name", "فروشگاه نارنج")
    assert created.exit_code == 0 and "Created workspace narenj" in created.output
    user = run("user", "create", "--workspace", "narenj", "--email", "Sara@Narenj.example",
               "--name", "سارا", "--role", "agent", "--password", "a-long-password")
    assert user.exit_code == 0, user.output
    channel = run("channel", "create", "--workspace", "narenj", "--kind", "instagram",
                  "--key", "instagram-main", "--name", "Instagram")
    assert channel.exit_code == 0, channel.output
    token = run("token", "create", "--workspace", "narenj", "--name", "crm")
    assert token.exit_code == 0
    secret = token.stdout.strip().splitlines()[0]
    assert secret.startswith("psk_")
    with db.read() as session:
        assert session.scalar(select(User.email)) == "sara@narenj.example"
        stored = session.scalar(select(ApiToken.token_hash))
        assert stored and secret not in stored  # only the hash is kept


@pytest.mark.parametrize(("args", "sentence"), [
    (("workspace", "create", "Bad Slug!", "--name", "x"), "not a valid slug"),
    (("user", "create", "--workspace", "nowhere", "--email", "a@b.example", "--name", "a",
      "--role", "agent", "--password", "long-enough"), "There is no workspace 'nowhere'"),
    (("token", "create", "--workspace", "nowhere", "--name", "x"), "no workspace"),
])
def test_bad_input_exits_non_zero_with_a_sentence(run, args: tuple[str, ...],  # type: ignore[no-untyped-def]
                                                  sentence: str) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert sentence in result.output


def test_duplicates_and_weak_passwords_are_refused(run) -> None:  # type: ignore[no-untyped-def]
    run("workspace", "create", "narenj", "--name", "N")
    again = run("workspace", "create", "narenj", "--name", "N")
    assert again.exit_code == 1 and "already exists" in again.output
    weak = run("user", "create", "--workspace", "narenj", "--email", "a@b.example", "--name",
               "a", "--role", "agent", "--password", "short")
    assert weak.exit_code == 1 and "too short" in weak.output
    bad_role = run("user", "create", "--workspace", "narenj", "--email", "a@b.example",
                   "--name", "a", "--role", "boss", "--password", "long-enough")
    assert bad_role.exit_code == 2 and "boss" in bad_role.output


def test_a_production_server_refuses_the_default_secret(
    run, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("PASOKH_ENVIRONMENT", "production")
    result = run("db", "upgrade")
    assert result.exit_code == 1 and "PASOKH_SECRET_KEY" in result.output
