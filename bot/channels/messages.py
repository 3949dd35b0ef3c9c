"""Channel-level texts (welcome, help, errors) loaded from ``messages.yml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

from bot.settings import HOTLINE

MESSAGES_FILE = Path(__file__).with_name("messages.yml")
REQUIRED_KEYS = (
    "start",
    "help",
    "restarted",
    "rasa_unavailable",
    "internal_error",
    "choose_prompt",
    "choice_hint",
    "button_expired",
    "text_only",
    "command_start",
    "command_help",
    "command_huy",
)


@lru_cache(maxsize=4)
def load_messages(path: Path = MESSAGES_FILE) -> Dict[str, str]:
    """Read the channel texts, failing fast when one is missing.

    Args:
        path: YAML file mapping message keys to Vietnamese texts.

    Returns:
        The texts by key.

    Raises:
        ValueError: a required key is missing or not a string.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [k for k in REQUIRED_KEYS if not isinstance(data.get(k), str)]
    if missing:
        raise ValueError(f"{path}: missing message(s): {', '.join(missing)}")
    return {str(k): str(v).strip() for k, v in data.items()}


def message(key: str, **values: Any) -> str:
    """One channel text with its placeholders filled (``{hotline}`` by default)."""
    values.setdefault("hotline", HOTLINE)
    return load_messages()[key].format(**values)
