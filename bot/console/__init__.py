"""Hotline staff console (procedure lookup, dossier status, report) and web chat page.

Run with ``python -m bot.console --port 8080``; see :mod:`bot.console.app`.
"""

from bot.console.app import create_app

__all__ = ["create_app"]
