"""Console servers on loopback ports, backed by the real catalogue and dossier service.

The catalogue and the reference dossier service are the project's own; the report
and Rasa are stand-ins (see ``fakes.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Iterator

import pytest
from sanic import Sanic

from bot.console.app import create_app
from bot.console.background import BackgroundServer, free_port
from bot.settings import Settings
from tests.console.fakes import FakeCatalogue, FakeRasa, fake_answer, fake_report

ACCESS_KEY = "test-console-key-1234"
#: A demo dossier of the reference service and the last 4 digits of its phone.
DEMO_DOSSIER = "000.00.06.H26-261103-0001"
DEMO_VERIFY = "0101"
DEMO_OWNER = "Nguyễn Văn An"
UNKNOWN_DOSSIER = "000.00.06.H26-261103-9999"

# Several Sanic apps start in this process; outside test mode Sanic 21.12's
# start-up "touch-up" rewrites shared classes a second time and fails.
Sanic.test_mode = True


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture(scope="session")
def catalogue():
    """The committed catalogue, or a small fake while it is not written."""
    try:
        from bot.catalogue import load_catalogue
    except ImportError:
        return FakeCatalogue()
    return load_catalogue()


@pytest.fixture(scope="session")
def answer_fn():
    """The catalogue's ``answer_text`` when present, else a fake."""
    if _has("bot.catalogue.answers"):
        from bot.catalogue.answers import answer_text

        return answer_text
    return fake_answer


@pytest.fixture(scope="session")
def dossier_service(tmp_path_factory) -> Iterator[str]:
    """URL of the reference dossier service, seeded with its demo dossiers."""
    if not _has("bot.dossier.client"):
        pytest.skip("bot.dossier.client is not written yet")
    from bot.dossier.service import DossierStore, seed_demo
    from bot.dossier.service import create_app as create_service

    db = tmp_path_factory.mktemp("dossiers") / "dossiers.db"
    store = DossierStore(f"sqlite:///{db}")
    seed_demo(store)
    app = create_service(store, api_key=None, name=f"dossier_service_{free_port()}")
    with BackgroundServer(app) as server:
        yield server.url


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator[FakeRasa]:
    """A loopback stand-in for Rasa's REST channel."""
    with FakeRasa() as rasa:
        yield rasa


def _settings(**overrides) -> Settings:
    values = dict(
        console_access_key=ACCESS_KEY,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        dossier_api_url=f"http://127.0.0.1:{free_port()}",
        dossier_timeout=1.0,
        tracker_db_url="sqlite:///unused.db",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def make_console(catalogue, answer_fn):
    """Start a console server with given settings; all stop at session end."""
    servers = []

    def make(
        dossier_client=None, report_fn=fake_report, **settings
    ) -> BackgroundServer:
        settings = _settings(**settings)
        if dossier_client is None and _has("bot.dossier.client"):
            from bot.dossier.client import DossierClient

            dossier_client = DossierClient.from_settings(settings)
        app = create_app(
            settings,
            catalogue=catalogue,
            dossier_client=dossier_client,
            report_fn=report_fn,
            answer_fn=answer_fn,
        )
        server = BackgroundServer(app).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def console(make_console, fake_rasa, request) -> BackgroundServer:
    """The console with an access key, a fake Rasa and (when written) real dossiers."""
    overrides = {"rasa_url": fake_rasa.url}
    if _has("bot.dossier.client"):
        overrides["dossier_api_url"] = request.getfixturevalue("dossier_service")
    return make_console(**overrides)


@pytest.fixture(scope="session")
def console_without_key(make_console) -> BackgroundServer:
    """The console with CONSOLE_ACCESS_KEY unset."""
    return make_console(console_access_key=None)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """``test-output/`` at the repository root (git-ignored)."""
    path = Path(__file__).resolve().parents[2] / "test-output"
    path.mkdir(exist_ok=True)
    return path
