"""Many clients posting at once: every message is acknowledged, none is a 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bench._server import start_server
from pasokh.db import Database
from pasokh.inbox.models import Message
from tests.conftest import World
from tests.ingest.test_messages_api import message


@pytest.mark.slow
def test_concurrent_posts_never_fail_with_database_locked(
    database_url: str, db: Database, world: World
) -> None:
    # Regression: touching a token's last_used_at inside a read transaction made
    # concurrent requests fail on SQLite with "database is locked" (a 500).
    process, base = start_server(database_url)
    try:
        def post(n: int) -> int:
            with httpx.Client(base_url=base, headers=world.auth("integration"),
                              timeout=60) as client:
                return client.post("/api/v1/messages", json=message(
                    provider_message_id=f"c-{n}", sender={"external_id": f"v-{n % 5}"},
                    text=f"سفارش {n} کی میرسه؟")).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(post, range(40)))
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert statuses == [201] * 40
    with db.read() as session:
        assert session.query(Message).count() == 40
