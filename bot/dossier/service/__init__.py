"""Reference one-stop dossier service: a small versioned HTTP API over SQL.

Run it with ``python -m bot.dossier.service --port 5080 [--db URL] [--demo]``;
the API is described in ``openapi.yaml`` beside this file.
"""

from bot.dossier.service.app import create_app
from bot.dossier.service.demo import seed_demo
from bot.dossier.service.store import DossierStore

__all__ = ["DossierStore", "create_app", "seed_demo"]
