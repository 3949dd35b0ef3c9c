"""``citizen-bot``: the hotline staff's command line.

Usage::

    citizen-bot lookup "làm hộ chiếu ở đâu" [--top 5] [--json]
    citizen-bot procedure 1.001193 [--json]
    citizen-bot dossier 000.00.06.H26-250101-0001 [--json]
    citizen-bot report [--db sqlite:///.rasa/tracker.db] [--json]

Exit codes: 0 found, 2 bad input or not found, 3 a backend is unavailable.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each command's handler is imported only when used."""
    parser = argparse.ArgumentParser(
        prog="citizen-bot", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("lookup", help="rank procedures for a free-text question")
    p.add_argument("query", nargs="+")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="bot.catalogue.cli:cmd_lookup")

    p = sub.add_parser("procedure", help="show one procedure by its national code")
    p.add_argument("code")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="bot.catalogue.cli:cmd_procedure")

    p = sub.add_parser(
        "dossier", help="status of a filed dossier in the one-stop system"
    )
    p.add_argument("code", nargs="+")
    p.add_argument("--verify", help="last 4 digits of the phone number on the dossier")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="bot.dossier.cli:cmd_dossier")

    p = sub.add_parser(
        "report", help="most asked procedures, unanswered questions, ratings"
    )
    p.add_argument("--db", help="tracker store URL (default: TRACKER_DB_URL or SQLite)")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler="bot.feedback.report:cmd_report")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    args = build_parser().parse_args(argv)
    module_name, func_name = args.handler.split(":")
    module = __import__(module_name, fromlist=[func_name])
    return int(getattr(module, func_name)(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
