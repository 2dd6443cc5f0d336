"""The analytics dashboard in a real browser on the demo workspace (Debian's chromium).

SQLite only; the queries behind it are tested on both databases. The screenshot lands in
build/screenshots/analytics_dashboard_fa.png.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pasokh.db import Database
from pasokh.settings import Settings

pytestmark = pytest.mark.slow
playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture
def demo_server(tmp_path: Path, triager_engine: Any) -> Iterator[str]:
    import uvicorn

    from pasokh import migrate
    from pasokh.app import create_app, rules_source
    from pasokh.demo.seed import seed_demo
    from pasokh.ingest.triager import WorkspaceTriager

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    db = Database(url)
    migrate.upgrade(db.write_engine)
    triager = WorkspaceTriager(triager_engine, rules_source(db))
    seed_demo(db, triager=triager)
    app = create_app(Settings(environment="test", database_url=url, secret_key="t" * 40,
                              run_jobs=False),
                     db=db, triager=triager)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    db.dispose()


def test_the_dashboard_draws_charts_on_the_demo_data(demo_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from pasokh.demo.seed import PASSWORD, SLUG

    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(demo_server + "/login")
        page.fill("#workspace", SLUG)
        page.fill("#email", "analyst@narenj.example")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/inbox"))
        page.goto(demo_server + "/analytics?period=week")
        assert page.locator("svg.chart").count() >= 7
        volume = page.locator('[data-metric="volume"] .value').inner_text()
        assert volume.strip() not in ("", "۰")
        # The demo's customers answered its surveys through ingest: asked scores show.
        for metric in ("csat_asked", "nps_asked", "ces_asked"):
            assert page.locator(f'[data-metric="{metric}"] .value').inner_text() != "—", metric
        page.screenshot(path=str(SHOTS / "analytics_dashboard_fa.png"), full_page=True)
        assert errors == []
        browser.close()
