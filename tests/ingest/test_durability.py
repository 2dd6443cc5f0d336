"""An acknowledged message survives the server being killed the instant after it answered."""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from bench._server import start_server
from pasokh.db import Database
from pasokh.inbox.models import Message
from tests.conftest import World
from tests.ingest.test_messages_api import message


@pytest.mark.slow
def test_sigkill_right_after_201_loses_nothing(database_url: str, db: Database,
                                                world: World, tmp_path: object) -> None:
    process, base = start_server(database_url)
    try:
        acknowledged = []
        with httpx.Client(base_url=base, headers=world.auth("integration"), timeout=30) as c:
            for n in range(5):
                response = c.post("/api/v1/messages", json=message(
                    provider_message_id=f"kill-{n}", sender={"external_id": f"v-{n}"},
                    text=f"سفارش {n} من کجاست؟"))
                assert response.status_code == 201
                acknowledged.append(response.json()["id"])
        os.kill(process.pid, signal.SIGKILL)  # no shutdown hooks, no flush, nothing
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    restarted, base = start_server(database_url)
    try:
        with httpx.Client(base_url=base, headers=world.auth("agent"), timeout=30) as c:
            for message_id in acknowledged:
                assert c.get(f"/api/v1/messages/{message_id}").status_code == 200
            retry = c.post("/api/v1/messages", headers=world.auth("integration"), json=message(
                provider_message_id="kill-0", sender={"external_id": "v-0"},
                text="سفارش 0 من کجاست؟"))
            assert retry.status_code == 200 and retry.json()["id"] == acknowledged[0]
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
    with db.read() as session:
        assert session.query(Message).count() == 5
