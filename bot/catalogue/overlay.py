"""The curated overlay: aliases, short names, priors and sourced notes.

``overlay.yml`` is editorial data kept apart from the imported portal records so
a re-import never loses it. :func:`load_overlay` validates it strictly (unknown
procedure codes, unknown keys, notes without a known source are errors) and
:func:`apply_overlay` copies it onto the procedures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping

import yaml

from bot.catalogue.model import Procedure
from bot.text import normalize

OVERLAY_PATH = Path(__file__).with_name("overlay.yml")
_ENTRY_KEYS = {"short_name", "aliases", "popularity", "notes"}
_TOP_KEYS = {"sources", "global_notes", "procedures"}


class OverlayError(ValueError):
    """The overlay file is malformed or names a procedure that does not exist."""


@dataclass
class OverlayEntry:
    """Curated data for one procedure."""

    short_name: str = ""
    aliases: List[str] = field(default_factory=list)
    popularity: float = 0.0
    notes: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class Overlay:
    """The whole validated overlay."""

    sources: Dict[str, str] = field(default_factory=dict)
    global_notes: List[Dict[str, str]] = field(default_factory=list)
    entries: Dict[str, OverlayEntry] = field(default_factory=dict)


def _notes(raw: Any, sources: Mapping[str, str], where: str) -> List[Dict[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise OverlayError(f"{where}: notes must be a list")
    notes = []
    for note in raw:
        if not isinstance(note, dict) or set(note) != {"text", "source"}:
            raise OverlayError(f"{where}: each note needs exactly 'text' and 'source'")
        if note["source"] not in sources:
            raise OverlayError(f"{where}: unknown note source {note['source']!r}")
        notes.append(
            {
                "text": str(note["text"]).strip(),
                "source": str(note["source"]),
                "source_text": sources[note["source"]],
            }
        )
    return notes


def _entry(code: str, raw: Any, sources: Mapping[str, str]) -> OverlayEntry:
    where = f"overlay {code}"
    if not isinstance(raw, dict):
        raise OverlayError(f"{where}: entry must be a mapping")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise OverlayError(f"{where}: unknown keys {sorted(unknown)}")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(
        isinstance(a, str) and a.strip() for a in aliases
    ):
        raise OverlayError(f"{where}: aliases must be a list of non-empty strings")
    popularity = raw.get("popularity", 0.0)
    if not isinstance(popularity, (int, float)) or not 0.0 <= popularity <= 1.0:
        raise OverlayError(f"{where}: popularity must be a number in [0, 1]")
    short_name = raw.get("short_name") or ""
    if not isinstance(short_name, str):
        raise OverlayError(f"{where}: short_name must be a string")
    seen, clean_aliases = set(), []
    for alias in aliases:
        key = normalize(alias)
        if key not in seen:
            seen.add(key)
            clean_aliases.append(alias.strip())
    return OverlayEntry(
        short_name=short_name.strip(),
        aliases=clean_aliases,
        popularity=float(popularity),
        notes=_notes(raw.get("notes"), sources, where),
    )


def parse_overlay(data: Any, known_codes: Iterable[str]) -> Overlay:
    """Validate overlay data (as loaded from YAML) against the known codes.

    Raises:
        OverlayError: on any structural problem or unknown procedure code.
    """
    if not isinstance(data, dict):
        raise OverlayError("overlay must be a mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise OverlayError(f"overlay: unknown top-level keys {sorted(unknown)}")
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        raise OverlayError("overlay: sources must be a mapping")
    sources = {str(k): str(v) for k, v in sources.items()}
    procedures = data.get("procedures") or {}
    if not isinstance(procedures, dict):
        raise OverlayError("overlay: procedures must be a mapping")
    known = set(known_codes)
    missing = sorted(str(c) for c in procedures if str(c) not in known)
    if missing:
        raise OverlayError(f"overlay: unknown procedure codes {missing}")
    return Overlay(
        sources=sources,
        global_notes=_notes(data.get("global_notes"), sources, "overlay global_notes"),
        entries={str(c): _entry(str(c), raw, sources) for c, raw in procedures.items()},
    )


def load_overlay(known_codes: Iterable[str], path: Path = OVERLAY_PATH) -> Overlay:
    """Read and validate ``overlay.yml``."""
    with open(path, encoding="utf-8") as fh:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return parse_overlay(yaml.load(fh, Loader=loader), known_codes)


def apply_overlay(procedures: Iterable[Procedure], overlay: Overlay) -> None:
    """Copy the curated fields onto the procedures (in place)."""
    for proc in procedures:
        entry = overlay.entries.get(proc.code)
        notes = list(overlay.global_notes)
        if entry:
            proc.short_name = entry.short_name
            proc.aliases = list(entry.aliases)
            proc.popularity = entry.popularity
            notes = entry.notes + notes
        proc.notes = notes
