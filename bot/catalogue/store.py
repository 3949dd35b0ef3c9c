"""The loaded catalogue: procedures by code, plus search on demand.

:func:`load_catalogue` reads the committed ``data/procedures.json.gz`` (written by
:mod:`bot.catalogue.importer`), applies the curated overlay and caches the result,
so every caller in a process shares one catalogue. Nothing here needs
``../shared``.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

import yaml

from bot.catalogue.model import Procedure
from bot.catalogue.overlay import OVERLAY_PATH, Overlay, apply_overlay, load_overlay

DATA_PATH = Path(__file__).with_name("data") / "procedures.json.gz"
_CODE_RE = re.compile(r"(\d)\s*[.,]\s*(\d{6})")


class CatalogueError(RuntimeError):
    """The catalogue data file is missing or unreadable."""


def normalize_code(code: str) -> str:
    """The national code in ``code``, e.g. ``" 1,001193 "`` -> ``"1.001193"``.

    Local variants (``1.001193.000.00.00.H26``) map to the national code.
    """
    m = _CODE_RE.search(code or "")
    return f"{m.group(1)}.{m.group(2)}" if m else (code or "").strip().upper()


def read_data(path: Path = DATA_PATH) -> Dict[str, Any]:
    """The raw data file: ``{"meta": {...}, "procedures": [...]}``."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"cannot read catalogue data {path}: {exc}") from exc


def read_code_texts(path: Path, key: str) -> Dict[str, List[str]]:
    """Texts per procedure code from a YAML file's ``key`` mapping (search
    vocabulary such as keyword phrases); ``{}`` when the file is absent."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        return {}
    found = (raw or {}).get(key) or {}
    return {
        normalize_code(str(code)): [t for t in texts if isinstance(t, str)]
        for code, texts in found.items()
        if isinstance(texts, list)
    }


class Catalogue:
    """All procedures, looked up by national code or searched by free text."""

    def __init__(
        self,
        procedures: Sequence[Procedure],
        meta: Dict[str, Any] | None = None,
        overlay: Overlay | None = None,
    ) -> None:
        """Wrap already-built procedures; use :func:`load_catalogue` normally."""
        self.meta: Dict[str, Any] = dict(meta or {})
        self.overlay = overlay
        self._procedures: List[Procedure] = list(procedures)
        self._by_code: Dict[str, Procedure] = {p.code: p for p in self._procedures}
        self._index = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._procedures)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._procedures)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def get(self, code: str) -> Procedure | None:
        """The procedure with this national code (case and space tolerant)."""
        return self._by_code.get(normalize_code(code))

    @property
    def index(self):
        """The search index, built on first use (thread safe)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from bot.catalogue.search import SearchIndex

                    self._index = SearchIndex(self._procedures)
        return self._index

    def search(self, query: str, top: int = 5):
        """Best matching procedures for a free-text question (``list[SearchHit]``)."""
        return self.index.search(query, top=top)

    def resolve(self, query: str):
        """What a mention refers to (a :class:`~bot.catalogue.search.Resolution`)."""
        return self.index.resolve(query)


def build_catalogue(
    data: Dict[str, Any], overlay_path: Path | None = OVERLAY_PATH
) -> Catalogue:
    """A catalogue from raw data, with the overlay applied when a path is given."""
    meta = data.get("meta", {})
    collected = {
        k: meta[k]
        for k in ("source", "collected", "collected_vi", "collector", "imported")
        if k in meta
    }
    procedures = []
    for raw in data.get("procedures", []):
        proc = Procedure.from_stored(raw)
        proc.collected = collected  # shared: the same snapshot for every record
        procedures.append(proc)
    overlay = None
    if overlay_path is not None:
        overlay = load_overlay((p.code for p in procedures), overlay_path)
        apply_overlay(procedures, overlay)
    return Catalogue(procedures, meta=meta, overlay=overlay)


@lru_cache(maxsize=4)
def _load(path: str, overlay_path: str | None) -> Catalogue:
    return build_catalogue(
        read_data(Path(path)), Path(overlay_path) if overlay_path else None
    )


def load_catalogue(
    path: Path | str = DATA_PATH, overlay_path: Path | str | None = OVERLAY_PATH
) -> Catalogue:
    """The committed catalogue with the overlay applied (cached per path)."""
    return _load(str(path), str(overlay_path) if overlay_path else None)
