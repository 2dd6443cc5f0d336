"""The `pasokh` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pasokh.db import Database
from pasokh.errors import PasokhError
from pasokh.settings import Settings
from pasokh.types import CHANNEL_KINDS, ROLES, TOKEN_ROLES

F = TypeVar("F", bound=Callable[..., Any])


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        sentences = [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
        raise click.ClickException(" ".join(sentences)) from exc


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A committed session, turning domain errors into a sentence and exit code 1."""
    db = Database(_settings().database_url)
    try:
        with db.write() as session:
            yield session
            session.commit()
    except PasokhError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        db.dispose()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pasokh")
def main() -> None:
    """Pasokh: Persian-first omnichannel customer care."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from pasokh import migrate

    settings = _settings()
    database = Database(settings.database_url)
    try:
        migrate.upgrade(database.write_engine, revision)
    except Exception as exc:  # connection refused, bad URL...: say it plainly
        raise click.ClickException(f"Could not migrate {_safe_url(settings)}: {exc}") from exc
    finally:
        database.dispose()
    click.echo(f"Database {_safe_url(settings)} is at revision {revision}.")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:
        return "(invalid PASOKH_DATABASE_URL)"


@main.group()
def workspace() -> None:
    """Workspaces (one per brand)."""


@workspace.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. 'فروشگاه نارنج'.")
@click.option("--locale", type=click.Choice(["fa", "en"]), default="fa", show_default=True)
@click.option("--timezone", default="Asia/Tehran", show_default=True)
def workspace_create(slug: str, name: str, locale: str, timezone: str) -> None:
    """Create workspace SLUG."""
    from pasokh.workspaces.service import do_create_workspace

    with _unit_of_work() as session:
        ws = do_create_workspace(session=session, slug=slug, name=name, default_locale=locale,
                                 timezone=timezone)
        click.echo(f"Created workspace {ws.slug} (id {ws.id}).")


@main.group()
def user() -> None:
    """People who log in."""


@user.command("create")
@click.option("--workspace", "slug", required=True)
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", type=click.Choice(["fa", "en"]), default=None)
def user_create(slug: str, email: str, name: str, role: str, password: str,
                locale: str | None) -> None:
    """Create a user with a password."""
    from pasokh.users.service import do_create_user
    from pasokh.workspaces.service import get_workspace

    with _unit_of_work() as session:
        ws = get_workspace(session=session, slug=slug)
        u = do_create_user(session=session, workspace=ws, email=email, name=name,
                           password=password, role=role, locale=locale)
        click.echo(f"Created {u.role} {u.email} (id {u.id}) in {ws.slug}.")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--workspace", "slug", required=True)
@click.option("--name", required=True, help="Who uses it, e.g. 'crm-sync'.")
@click.option("--role", type=click.Choice(TOKEN_ROLES), default="integration",
              show_default=True)
def token_create(slug: str, name: str, role: str) -> None:
    """Issue an API token; it is printed once."""
    from pasokh.workspaces.service import do_create_token, get_workspace

    with _unit_of_work() as session:
        ws = get_workspace(session=session, slug=slug)
        issued = do_create_token(session=session, workspace=ws, name=name, role=role)
        click.echo(issued.secret)
        click.echo(f"Token for {ws.slug} ({role}); store it now, it is not shown again.",
                   err=True)


@main.group()
def channel() -> None:
    """Channels (configured inboxes)."""


@channel.command("create")
@click.option("--workspace", "slug", required=True)
@click.option("--kind", type=click.Choice(CHANNEL_KINDS), required=True)
@click.option("--key", required=True, help="Name used in the API, e.g. instagram-main.")
@click.option("--name", required=True)
def channel_create(slug: str, kind: str, key: str, name: str) -> None:
    """Add a channel to a workspace."""
    from pasokh.channels.service import do_create_channel
    from pasokh.workspaces.service import get_workspace

    with _unit_of_work() as session:
        ws = get_workspace(session=session, slug=slug)
        ch = do_create_channel(session=session, workspace=ws, kind=kind, key=key, name=name)
        click.echo(f"Created channel {ch.key} ({ch.kind}) in {ws.slug}.")


@main.command()
@click.option("--demo", is_flag=True, help="Seed the bilingual demo workspace first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(demo: bool, host: str, port: int, workers: int) -> None:
    """Start Pasokh (migrating the database first)."""
    import uvicorn

    from pasokh import migrate

    settings = _settings()
    database = Database(settings.database_url)
    try:
        migrate.upgrade(database.write_engine)
        if demo:
            from pasokh.demo.seed import seed_demo

            logins = seed_demo(database)
            click.echo("Demo workspace ready. Log in with:")
            for line in logins:
                click.echo("  " + line)
    except PasokhError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        database.dispose()
    click.echo(f"Pasokh is running at http://{host}:{port}/  (API docs: /docs)")
    uvicorn.run("pasokh.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


@main.command()
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
def worker(once: bool) -> None:
    """Run outbox jobs (replies, SLA alerts, routing, periodic work) until stopped.

    For deployments that set PASOKH_RUN_JOBS=false on the web processes.
    """
    import signal
    import threading
    from datetime import timedelta

    from pasokh.events import EventBus
    from pasokh.jobs.handlers import build_runner

    settings = _settings()
    database = Database(settings.database_url)
    # With Redis, the worker's live events (SLA alerts...) reach the web processes' pages.
    events = EventBus(redis_url=settings.redis_url)
    runner = build_runner(database, events=events,
                          periodic_every=timedelta(seconds=settings.jobs_periodic_seconds))
    try:
        if once:
            ran = runner.run_until_idle()
            click.echo(f"Ran {ran} job(s); none is due now.")
            return
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        runner.start()
        click.echo(f"Pasokh worker running on {_safe_url(settings)}; Ctrl-C stops it.")
        try:
            while not stopping.wait(1.0):
                if not runner.is_running:
                    raise click.ClickException("The job runner stopped unexpectedly.")
        except KeyboardInterrupt:
            pass
    except SQLAlchemyError as exc:
        raise click.ClickException(f"Could not run jobs on {_safe_url(settings)}: "
                                   f"{str(exc).splitlines()[0]}") from exc
    finally:
        runner.stop()
        events.close()
        database.dispose()


def _register_triage() -> None:
    from pasokh.triage.cli import triage

    main.add_command(triage)


_register_triage()

if __name__ == "__main__":
    sys.exit(main())
