"""Vietnamese labels and formats of the dossier package, from ``messages.yml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

MESSAGES_PATH = Path(__file__).with_name("messages.yml")


@lru_cache(maxsize=1)
def messages() -> Dict[str, Any]:
    """The parsed messages file (read once)."""
    with MESSAGES_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def fmt(section: str, key: str, **values: Any) -> str:
    """The message ``section.key`` with ``values`` filled in."""
    node: Any = messages()[section]
    for part in key.split("."):
        node = node[part]
    return str(node).format(**values) if values else str(node)
