"""Shared fixtures: the model under test and one running assistant stack.

Used by the end-to-end conversation tests and the scale tests; ``tests/conftest.py``
imports them so both folders see them.

The model and project default to this repository's (``models/citizen-bot.tar.gz``);
``CITIZEN_BOT_MODEL`` and ``CITIZEN_BOT_PROJECT`` point the tests at another one,
e.g. a ``rasa init`` bot while the real model is not trained yet.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

# scale_env puts the repository root on sys.path for the bench imports below.
from scale_env import REPO_ROOT, offline_env

from bench.load import load_scripts
from bench.processes import ProcessManager, free_port, sigterm_as_interrupt
from bench.stack import (
    REST_PATH,
    base_url,
    has_dossier_service,
    project_credentials,
    project_language,
    start_action_server,
    start_dossier_service,
    start_rasa,
    wait_action_server,
    wait_port,
    wait_rasa,
    write_endpoints,
)

DEFAULT_MODEL = REPO_ROOT / "models" / "citizen-bot.tar.gz"
ZALO_PATH = "/webhooks/zalo/webhook"


@pytest.fixture(scope="session")
def project_dir() -> Path:
    """The assistant's project folder."""
    return Path(os.environ.get("CITIZEN_BOT_PROJECT", str(REPO_ROOT))).resolve()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained model; the scale tests are skipped without one."""
    path = Path(os.environ.get("CITIZEN_BOT_MODEL", str(DEFAULT_MODEL))).resolve()
    if not path.is_file():
        pytest.skip(
            f"model not found: {path} (run `make train` or set CITIZEN_BOT_MODEL)"
        )
    return path


@pytest.fixture(scope="session")
def language(project_dir: Path) -> str:
    """The assistant's language, from its config.yml."""
    return project_language(project_dir)


@pytest.fixture(scope="session")
def scripts(language: str) -> List[List[str]]:
    """Multi-turn conversation scripts in the assistant's language."""
    return load_scripts(language)


@dataclass
class RunningServer:
    """One Rasa server (with its action server) for the fuzz tests."""

    url: str
    zalo: bool
    manager: ProcessManager
    rasa_name: str

    @property
    def rest_url(self) -> str:
        """REST webhook URL."""
        return self.url + REST_PATH

    @property
    def zalo_url(self) -> str:
        """Zalo webhook URL."""
        return self.url + ZALO_PATH

    def alive(self) -> bool:
        """Whether the Rasa process is still running."""
        return any(
            p.alive() for p in self.manager.processes if p.name == self.rasa_name
        )


async def _zalo_served(url: str) -> bool:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(url + ZALO_PATH, data=b"{}") as resp:
            return resp.status != 404


@pytest.fixture(scope="session")
def rasa_server(
    project_dir: Path,
    model_path: Path,
    scripts: List[List[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServer]:
    """One Rasa server, its action server and the dossier service, started once."""
    work = tmp_path_factory.mktemp("rasa-server")
    source_endpoints = project_dir / "endpoints.yml"
    env = offline_env(source_endpoints)
    with ProcessManager(work / "logs") as manager, sigterm_as_interrupt():

        async def start() -> str:
            if has_dossier_service(project_dir):
                port = free_port()
                proc = start_dossier_service(
                    manager, project_dir, port, env=env, db_url=f"sqlite:///{work}/d.db"
                )
                env["DOSSIER_API_URL"] = base_url(port)
                await wait_port(proc, port)
            action_port = free_port()
            actions = start_action_server(manager, project_dir, action_port, env=env)
            await wait_action_server(actions, action_port)
            endpoints = write_endpoints(
                source_endpoints,
                work / "endpoints.yml",
                base_url(action_port) + "/webhook",
                # Conversations stay in memory: the fuzz run must not fill a
                # real tracker database.
                overrides={"tracker_store": None, "lock_store": None},
            )
            credentials = project_credentials(
                project_dir, work / "credentials.yml", {**os.environ, **env}
            )
            port = free_port()
            rasa = start_rasa(
                manager, project_dir, model_path, port, endpoints, credentials,
                env=env, name="rasa",
            )  # fmt: skip
            await wait_rasa(rasa, port, scripts[0][0])
            return base_url(port)

        url = asyncio.run(start())
        zalo = asyncio.run(_zalo_served(url))
        yield RunningServer(url=url, zalo=zalo, manager=manager, rasa_name="rasa")
