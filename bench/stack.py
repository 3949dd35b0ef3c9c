"""Start an assistant's processes on loopback: Rasa, its action server, the dossier
reference service; and probe them until they answer.

Shared by the benchmark (``bench.run_bench``) and the scale tests
(``tests/scale``), so both start the processes the same way.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Mapping

import aiohttp
import yaml

from bench.processes import ManagedProcess, ProcessManager, port_open, wait_until

LOOPBACK = "127.0.0.1"
REST_PATH = "/webhooks/rest/webhook"
RASA_START_TIMEOUT = 300.0
ACTION_START_TIMEOUT = 120.0
SERVICE_START_TIMEOUT = 60.0
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=60)

# Same settings for every child: no telemetry calls out, quiet TensorFlow,
# unbuffered logs so a crash leaves its last words in the log file.
CHILD_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONUNBUFFERED": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def base_url(port: int) -> str:
    """HTTP base URL of a server on loopback ``port``."""
    return f"http://{LOOPBACK}:{port}"


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, leaving Rasa's ``${ENV}`` placeholders as text."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def write_yaml(data: Any, path: Path) -> Path:
    """Write ``data`` as YAML to ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)
    return path


def write_endpoints(
    source: Path | None,
    dest: Path,
    action_url: str | None,
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Copy an endpoints file, pointing its action endpoint at ``action_url``.

    Args:
        source: The project's endpoints file (may be missing or None).
        dest: Where to write the copy.
        action_url: Action server webhook URL; None removes the action endpoint.
        overrides: Top-level sections to replace; None removes the section.

    Returns:
        ``dest``.
    """
    data: Dict[str, Any] = {}
    if source is not None and Path(source).is_file():
        data = read_yaml(Path(source)) or {}
    if action_url:
        data["action_endpoint"] = {"url": action_url}
    else:
        data.pop("action_endpoint", None)
    for key, value in (overrides or {}).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return write_yaml(data, dest)


def write_rest_credentials(dest: Path) -> Path:
    """A credentials file enabling only the REST channel."""
    return write_yaml({"rest": None}, dest)


def project_language(project_dir: Path) -> str:
    """The ``language`` of the project's config.yml (default ``en``)."""
    config = Path(project_dir) / "config.yml"
    if not config.is_file():
        return "en"
    return str((read_yaml(config) or {}).get("language") or "en")


def _domain_files(project_dir: Path) -> List[Path]:
    domain = Path(project_dir) / "domain.yml"
    if domain.is_file():
        return [domain]
    folder = Path(project_dir) / "domain"
    return sorted(folder.rglob("*.yml")) if folder.is_dir() else []


def has_custom_actions(project_dir: Path) -> bool:
    """Whether the project's domain lists actions that need an action server."""
    for path in _domain_files(project_dir):
        actions = (read_yaml(path) or {}).get("actions") or []
        for action in actions:
            name = next(iter(action)) if isinstance(action, dict) else str(action)
            if not name.startswith("utter_"):
                return True
    return False


def has_dossier_service(project_dir: Path) -> bool:
    """Whether the project ships the dossier reference service module."""
    base = Path(project_dir) / "bot" / "dossier"
    package = base / "service" / "__main__.py"
    return (base / "service.py").is_file() or package.is_file()


def project_credentials(
    project_dir: Path, dest: Path, env: Mapping[str, str] | None = None
) -> Path:
    """The channels the project itself would run, written to ``dest``.

    A project with ``bot/deploy_config.py`` (this one) gets what ``make run``
    writes for the settings in ``env`` (its hardened REST channel; Zalo only
    when ``env`` has Zalo's variables); another project gets its own
    credentials.yml; without one, Rasa's REST channel alone.
    """
    project_dir = Path(project_dir)
    if (project_dir / "bot" / "deploy_config.py").is_file():
        from bot.deploy_config import credentials_config
        from bot.settings import Settings

        return write_yaml(credentials_config(Settings.from_env(dict(env or {}))), dest)
    source = project_dir / "credentials.yml"
    if source.is_file():
        return write_yaml(read_yaml(source) or {"rest": None}, dest)
    return write_rest_credentials(dest)


def start_rasa(
    manager: ProcessManager,
    project_dir: Path,
    model: Path,
    port: int,
    endpoints: Path,
    credentials: Path,
    *,
    enable_api: bool = False,
    env: Mapping[str, str] | None = None,
    name: str = "rasa",
) -> ManagedProcess:
    """Start ``rasa run`` on loopback ``port`` (not waiting for it)."""
    argv = [
        sys.executable, "-m", "rasa", "run",
        "-m", str(model),
        "-i", LOOPBACK,
        "-p", str(port),
        "--endpoints", str(endpoints),
        "--credentials", str(credentials),
    ]  # fmt: skip
    if enable_api:
        argv.append("--enable-api")
    return manager.start(name, argv, cwd=project_dir, env={**CHILD_ENV, **(env or {})})


def start_action_server(
    manager: ProcessManager,
    project_dir: Path,
    port: int,
    *,
    module: str = "actions",
    env: Mapping[str, str] | None = None,
    name: str = "actions",
) -> ManagedProcess:
    """Start the action server (what ``rasa run actions`` runs) on ``port``."""
    argv = [sys.executable, "-m", "rasa_sdk", "--actions", module, "-p", str(port)]
    full_env = {**CHILD_ENV, "SANIC_HOST": LOOPBACK, **(env or {})}
    return manager.start(name, argv, cwd=project_dir, env=full_env)


def start_dossier_service(
    manager: ProcessManager,
    project_dir: Path,
    port: int,
    *,
    env: Mapping[str, str] | None = None,
    name: str = "dossier",
    db_url: str | None = None,
) -> ManagedProcess:
    """Start the dossier reference service with its demo dossiers on ``port``.

    ``db_url`` (SQLAlchemy) keeps its database apart from the project's own.
    """
    argv = [sys.executable, "-m", "bot.dossier.service", "--port", str(port), "--demo"]
    if db_url:
        argv += ["--db", db_url]
    return manager.start(name, argv, cwd=project_dir, env={**CHILD_ENV, **(env or {})})


async def post_message(
    session: aiohttp.ClientSession, url: str, sender: str, message: str
) -> List[Dict[str, Any]]:
    """Send one message to a REST webhook and return Rasa's reply list.

    Raises:
        aiohttp.ClientError: Connection failure or a non-2xx status.
        ValueError: The body is not a JSON list.
    """
    async with session.post(url, json={"sender": sender, "message": message}) as resp:
        resp.raise_for_status()
        body = await resp.json(content_type=None)
    if not isinstance(body, list):
        raise ValueError(f"unexpected reply body: {body!r}")
    return body


async def wait_rasa(
    proc: ManagedProcess, port: int, probe: str, timeout: float = RASA_START_TIMEOUT
) -> float:
    """Wait until Rasa's REST channel answers ``probe``.

    Returns:
        Seconds from the process start until the first answer.
    """
    url = base_url(port) + REST_PATH
    sender = f"probe-{uuid.uuid4().hex}"

    async def answers() -> bool:
        if not port_open(port):
            return False
        try:
            async with aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session:
                await post_message(session, url, sender, probe)
            return True
        except (aiohttp.ClientError, ValueError, TimeoutError):
            return False

    await wait_until(answers, proc, timeout, f"Rasa server {proc.name}")
    return time.perf_counter() - proc.started_at


async def wait_action_server(
    proc: ManagedProcess, port: int, timeout: float = ACTION_START_TIMEOUT
) -> None:
    """Wait until the action server's ``/health`` answers 200."""
    url = base_url(port) + "/health"

    async def healthy() -> bool:
        if not port_open(port):
            return False
        try:
            async with aiohttp.ClientSession(timeout=PROBE_TIMEOUT) as session:
                async with session.get(url) as resp:
                    return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    await wait_until(healthy, proc, timeout, f"action server {proc.name}")


async def wait_port(
    proc: ManagedProcess, port: int, timeout: float = SERVICE_START_TIMEOUT
) -> None:
    """Wait until ``proc`` accepts TCP connections on ``port``."""

    async def listening() -> bool:
        return port_open(port)

    await wait_until(listening, proc, timeout, proc.name)
