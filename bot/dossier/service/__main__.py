"""Run the reference dossier service.

Usage::

    python -m bot.dossier.service --port 5080 [--host 127.0.0.1] [--db URL]
                                  [--schema NAME] [--demo]

The database URL defaults to ``DOSSIER_DB_URL`` (else ``sqlite:///.rasa/dossiers.db``);
the write endpoints need ``DOSSIER_API_KEY`` in the environment (never on the
command line, where ``ps`` would show it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import List

from sqlalchemy.engine import make_url

from bot.settings import Settings

logger = logging.getLogger("bot.dossier.service")


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the service."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.dossier.service", description="reference dossier API v1"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5080)
    parser.add_argument(
        "--db", help="SQLAlchemy URL (default: DOSSIER_DB_URL or SQLite)"
    )
    parser.add_argument("--schema", help="PostgreSQL schema for the tables")
    parser.add_argument("--demo", action="store_true", help="insert the demo dossiers")
    return parser


def main(argv: List[str] | None = None) -> int:
    """Start the service; returns an exit code when it stops."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    url = args.db or settings.dossier_db_url

    from bot.dossier.service import DossierStore, create_app, seed_demo

    try:
        store = DossierStore(url, schema=args.schema)
    except Exception as exc:
        safe_url = make_url(url).render_as_string(hide_password=True)
        print(f"cannot open database {safe_url}: {type(exc).__name__}", file=sys.stderr)
        return 3
    if args.demo:
        logger.info("demo dossiers seeded: %d", seed_demo(store))
    app = create_app(store, api_key=settings.dossier_api_key, name="dossier_service")
    logging.getLogger("sanic.root").propagate = False  # Sanic has its own handler
    logger.info(
        "dossier API v1 on http://%s:%d/api/v1 (writes %s)",
        args.host,
        args.port,
        "enabled" if settings.dossier_api_key else "disabled: DOSSIER_API_KEY not set",
    )
    app.run(host=args.host, port=args.port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
