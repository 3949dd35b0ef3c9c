"""Fixtures: the reference service on loopback (SQLite, demo data) and its client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator

import pytest
from sanic import Sanic

from bot.dossier.client import DossierClient
from bot.dossier.service import DossierStore, create_app, seed_demo
from tests.dossier.servers import SanicThread

# Sanic 21.12 rewrites methods of its own classes when an app starts ("touch-up");
# a second app in one process only starts when every app runs in test mode, which
# keeps the originals. Set for the whole session, as tests/console does.
Sanic.test_mode = True

TODAY = date(2026, 11, 27)
API_KEY = "test-key-5c1e"


@dataclass
class Service:
    """A running service and what it was built with."""

    url: str
    store: DossierStore
    api_key: str | None


def start_service(
    store: DossierStore, api_key: str | None, today: date = TODAY
) -> SanicThread:
    """Serve ``store`` on a free loopback port with a fixed 'today'."""
    app = create_app(store, api_key=api_key, today=lambda: today)
    return SanicThread(app).start()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service over a fresh SQLite file with the demo dossiers and a key."""
    db = tmp_path_factory.mktemp("dossiers") / "sub" / "dossiers.db"
    store = DossierStore(f"sqlite:///{db}")
    seed_demo(store, TODAY)
    running = start_service(store, API_KEY)
    yield Service(running.url, store, API_KEY)
    running.stop()
    store.dispose()


@pytest.fixture(scope="session")
def keyless_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service without DOSSIER_API_KEY: writes must be refused."""
    db = tmp_path_factory.mktemp("keyless") / "dossiers.db"
    store = DossierStore(f"sqlite:///{db}")
    seed_demo(store, TODAY)
    running = start_service(store, None)
    yield Service(running.url, store, None)
    running.stop()
    store.dispose()


@pytest.fixture
def client(service: Service) -> Iterator[DossierClient]:
    """A client with the default timeouts, pointed at :func:`service`."""
    with DossierClient(service.url) as dossier_client:
        yield dossier_client
