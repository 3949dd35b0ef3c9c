"""``citizen-bot lookup`` and ``citizen-bot procedure``: the catalogue for staff.

Usage::

    citizen-bot lookup làm hộ chiếu ở đâu [--top 5] [--json]
    citizen-bot procedure 1.001193 [--json]

``lookup`` prints ranked procedures (code, score, name) and how the assistant
would read the question (confident / ambiguous / none); ``--json`` prints a
list of ``{"code", "name", "short_name", "score", "levels", "url"}``.
``procedure`` prints the hotline answer text, or the whole record with
``--json``. Exit codes: 0 found, 2 empty or unknown input / nothing found,
3 the catalogue data cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List

from bot.catalogue.answers import answer_text, labels
from bot.catalogue.store import CatalogueError, load_catalogue

EXIT_OK, EXIT_NOT_FOUND, EXIT_UNAVAILABLE = 0, 2, 3


def _msg(key: str, **kwargs: Any) -> str:
    return labels()["cli"][key].format(**kwargs)


def _error(text: str) -> None:
    print(text, file=sys.stderr)


def _hit_dict(hit) -> Dict[str, Any]:
    proc = hit.procedure
    return {
        "code": proc.code,
        "name": proc.name,
        "short_name": proc.short_name,
        "score": hit.score,
        "levels": proc.levels,
        "url": proc.url,
    }


def cmd_lookup(args: argparse.Namespace) -> int:
    """Rank procedures for the question in ``args.query`` (a list of words)."""
    words: List[str] = args.query if isinstance(args.query, list) else [args.query]
    query = " ".join(w for w in words if w).strip()
    top = getattr(args, "top", 5)
    if not query:
        _error(_msg("empty_query"))
        return EXIT_NOT_FOUND
    if not isinstance(top, int) or top < 1:
        _error(_msg("bad_top"))
        return EXIT_NOT_FOUND
    try:
        catalogue = load_catalogue()
    except CatalogueError as exc:
        _error(_msg("catalogue_error", error=exc))
        return EXIT_UNAVAILABLE
    resolution = catalogue.resolve(query)
    hits = catalogue.search(query, top=top)
    found = bool(hits) and resolution.status != "none"
    if getattr(args, "json", False):
        print(json.dumps([_hit_dict(h) for h in hits], ensure_ascii=False, indent=1))
    else:
        status = _msg(f"status_{resolution.status}")
        print(f"{_msg('header_lookup')}: {query} ({status})")
        for rank, hit in enumerate(hits, start=1):
            proc = hit.procedure
            print(f"{rank}. {proc.code}  {hit.score:.2f}  {proc.name}")
    if not found:
        _error(_msg("no_match"))
        return EXIT_NOT_FOUND
    return EXIT_OK


def cmd_procedure(args: argparse.Namespace) -> int:
    """Show the procedure with national code ``args.code``."""
    code = str(getattr(args, "code", "") or "").strip()
    if not code:
        _error(_msg("empty_query"))
        return EXIT_NOT_FOUND
    try:
        catalogue = load_catalogue()
    except CatalogueError as exc:
        _error(_msg("catalogue_error", error=exc))
        return EXIT_UNAVAILABLE
    proc = catalogue.get(code)
    if proc is None:
        _error(_msg("unknown_code", code=code))
        return EXIT_NOT_FOUND
    if getattr(args, "json", False):
        print(json.dumps(proc.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(answer_text(proc))
    return EXIT_OK
