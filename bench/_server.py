"""Start a real Pasokh server process for benchmarks and crash tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, *, port: int | None = None, workers: int = 1,
                 log: Path | None = None, run_jobs: bool = True
                 ) -> tuple[subprocess.Popen[bytes], str]:
    """Run `uvicorn pasokh.app:create_app` on loopback; return (process, base URL)."""
    port = port or free_port()
    env = {**os.environ, "PASOKH_DATABASE_URL": database_url,
           "PASOKH_ENVIRONMENT": "development", "PASOKH_RUN_JOBS": str(run_jobs).lower()}
    cmd = [sys.executable, "-m", "uvicorn", "pasokh.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--log-level", "warning", "--no-access-log"]
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


def start_worker(database_url: str, *, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Run `pasokh worker` (the job runner on its own) against `database_url`."""
    env = {**os.environ, "PASOKH_DATABASE_URL": database_url,
           "PASOKH_ENVIRONMENT": "development"}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - lives with the process
    return subprocess.Popen([sys.executable, "-m", "pasokh.cli", "worker"], env=env,
                            stdout=out, stderr=subprocess.STDOUT)
