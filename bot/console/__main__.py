"""Run the staff console: ``python -m bot.console [--host 127.0.0.1] [--port 8080]``.

Staff pages need CONSOLE_ACCESS_KEY; the web chat page at ``/chat`` relays to
RASA_URL and needs no sign-in.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import List

from bot.console.app import create_app
from bot.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def main(argv: List[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    if not settings.console_access_key:
        logging.getLogger(__name__).warning(
            "CONSOLE_ACCESS_KEY is not set: staff pages answer 503, /chat still works"
        )
    app = create_app(settings)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
