"""Run the whole assistant in the foreground: ``make run`` (or ``python -m bot.run``).

Starts the action server, the reference one-stop dossier service (unless
DOSSIER_API_URL points elsewhere), the staff console, the Rasa server with the
REST channel, and the Telegram bridge when TELEGRAM_BOT_TOKEN is set. Each line
of output is prefixed with its process; Ctrl-C stops everything cleanly, and if
one process dies the others are stopped too.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.deploy_config import credentials_config, endpoints_config
from bot.settings import DEFAULT_DOSSIER_API_URL, Settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STATE_DIR = ROOT / ".rasa"
COLORS = ["36", "33", "35", "32", "34", "31"]
READY_TIMEOUT_S = 300


@dataclass
class Service:
    """One child process of the assistant."""

    name: str
    argv: List[str]
    ready_url: Optional[str] = None


def plan(
    settings: Settings, model: str, console_port: int, rasa_port: int
) -> List[Service]:
    """The processes to start for these settings, in start order."""
    rasa = str(VENV_BIN / "rasa")
    python = sys.executable
    services = [
        Service(
            "actions",
            [rasa, "run", "actions", "--actions", "actions", "--port", "5055"],
            "http://127.0.0.1:5055/health",
        )
    ]
    if settings.dossier_api_url == DEFAULT_DOSSIER_API_URL:
        services.append(
            Service(
                "dossier",
                [python, "-m", "bot.dossier.service", "--port", "5080", "--demo"],
                f"{DEFAULT_DOSSIER_API_URL}/api/v1/health",
            )
        )
    services.append(
        Service(
            "console",
            [python, "-m", "bot.console", "--port", str(console_port)],
            f"http://127.0.0.1:{console_port}/healthz",
        )
    )
    services.append(
        Service(
            "rasa",
            [
                rasa,
                "run",
                "--model",
                model,
                "--port",
                str(rasa_port),
                "--credentials",
                str(STATE_DIR / "credentials.yml"),
                "--endpoints",
                str(STATE_DIR / "endpoints.yml"),
            ],
            f"http://127.0.0.1:{rasa_port}/",
        )
    )
    if settings.telegram_bot_token:
        services.append(Service("telegram", [python, "-m", "bot.channels.telegram"]))
    return services


def write_rasa_config(settings: Settings) -> None:
    """Write .rasa/endpoints.yml and .rasa/credentials.yml from the environment."""
    STATE_DIR.mkdir(exist_ok=True)
    (STATE_DIR / "endpoints.yml").write_text(
        yaml.safe_dump(endpoints_config(settings), sort_keys=False), encoding="utf-8"
    )
    (STATE_DIR / "credentials.yml").write_text(
        yaml.safe_dump(credentials_config(settings), sort_keys=False), encoding="utf-8"
    )


class Supervisor:
    """Start children in their own process groups, relay their output, stop them all."""

    def __init__(self) -> None:
        self.procs: Dict[str, subprocess.Popen] = {}
        self.stopping = threading.Event()
        self.color = sys.stdout.isatty()

    def _prefix(self, name: str, index: int) -> str:
        label = f"{name:>8} |"
        return (
            f"\033[{COLORS[index % len(COLORS)]}m{label}\033[0m"
            if self.color
            else label
        )

    def start(self, service: Service, index: int, env: Dict[str, str]) -> None:
        proc = subprocess.Popen(
            service.argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            errors="replace",
            bufsize=1,
        )
        self.procs[service.name] = proc
        prefix = self._prefix(service.name, index)

        def relay() -> None:
            for line in proc.stdout:  # type: ignore[union-attr]
                print(f"{prefix} {line.rstrip()}", flush=True)

        threading.Thread(target=relay, daemon=True).start()

    def first_exited(self) -> Optional[str]:
        return next((n for n, p in self.procs.items() if p.poll() is not None), None)

    def stop(self, grace: float = 10.0) -> None:
        self.stopping.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def wait_ready(url: str, sup: Supervisor, timeout: float = READY_TIMEOUT_S) -> bool:
    """Poll ``url`` until it answers, a child dies, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not sup.stopping.is_set():
        if sup.first_exited():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return True
        except Exception:
            time.sleep(1)
    return False


def banner(rasa_port: int, console_port: int, console_key: str, generated: bool) -> str:
    key_note = (
        " (generated for this run; set CONSOLE_ACCESS_KEY in .env)" if generated else ""
    )
    return f"""
==========================================================================
 The assistant is running.
 Talk to it (REST channel):
   curl -s http://localhost:{rasa_port}/webhooks/rest/webhook \\
     -H 'Content-Type: application/json' \\
     -d '{{"sender": "demo", "message": "làm căn cước cần giấy tờ gì?"}}'
 Web chat:       http://localhost:{console_port}/chat
 Staff console:  http://localhost:{console_port}/   access key: {console_key}{key_note}
 Staff CLI:      .venv/bin/citizen-bot lookup "làm hộ chiếu ở đâu"
 Demo dossiers:  see README (e.g. "tra cứu hồ sơ 000.00.06.H26-...")
 Stop: Ctrl-C
==========================================================================
"""


def main(argv: Optional[List[str]] = None) -> int:
    """Start everything, wait for Ctrl-C or a crash, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "citizen-bot.tar.gz"))
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--console-port", type=int, default=8080)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    if not Path(args.model).is_file():
        print(f"No trained model at {args.model}: run `make run` (it trains first).")
        return 2
    write_rasa_config(settings)
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    generated = not settings.console_access_key
    console_key = settings.console_access_key or secrets.token_urlsafe(12)
    env["CONSOLE_ACCESS_KEY"] = console_key
    env.setdefault("RASA_URL", f"http://127.0.0.1:{args.rasa_port}")

    sup = Supervisor()
    interrupted = threading.Event()

    def on_signal(signum, frame):
        interrupted.set()
        sup.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    services = plan(settings, args.model, args.console_port, args.rasa_port)
    try:
        for index, service in enumerate(services):
            sup.start(service, index, env)
        for service in services:
            if service.ready_url and not wait_ready(service.ready_url, sup):
                if not interrupted.is_set():
                    print(f"{service.name} did not start; stopping.", flush=True)
                return 1
        print(
            banner(args.rasa_port, args.console_port, console_key, generated),
            flush=True,
        )
        while not interrupted.is_set():
            dead = sup.first_exited()
            if dead:
                print(f"{dead} exited; stopping the others.", flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("Stopping…", flush=True)
        sup.stop()


if __name__ == "__main__":
    sys.exit(main())
