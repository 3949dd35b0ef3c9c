"""``python -m bot.dossier.service``: starts, seeds, serves, stops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.dossier.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_service_command(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "new" / "folder" / "dossiers.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.dossier.service",
            "--port",
            str(port),
            "--db",
            f"sqlite:///{db}",
            "--demo",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the service did not start in 30 s"
            time.sleep(0.2)
        dossier = requests.get(f"{base}/dossiers/000.00.21.H26-261009-0011", timeout=2)
        assert dossier.json()["status"] == 4 and dossier.json()["overdue"] is True
        refused = requests.post(f"{base}/dossiers", json={}, timeout=2)
        assert refused.status_code == 403
        assert refused.json()["error"] == "writes_disabled"
        assert db.is_file()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0]
    assert "demo dossiers seeded: 12" in output
    assert "Traceback" not in output
