"""Rasa endpoint and channel configuration derived from the environment.

The committed endpoints.yml / credentials.yml describe the embedded default.
When TRACKER_DB_URL, LOCK_STORE_URL or the Zalo variables are set, ``make run``
writes the equivalent files under .rasa/ from these functions.
"""

from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import unquote, urlparse

from bot.settings import Settings

ACTION_SERVER_URL = "http://127.0.0.1:5055/webhook"


def tracker_store_config(url: str) -> Dict[str, Any]:
    """Rasa's SQL tracker store settings for a SQLAlchemy-style URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        # sqlite:///relative/path.db -> path "relative/path.db"
        return {"type": "SQL", "dialect": "sqlite", "db": url.split(":///", 1)[-1]}
    if scheme in ("postgresql", "postgres"):
        config: Dict[str, Any] = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "db": (parsed.path or "/").lstrip("/") or "rasa",
        }
        if parsed.username:
            config["username"] = unquote(parsed.username)
        if parsed.password:
            config["password"] = unquote(parsed.password)
        return config
    raise ValueError(f"TRACKER_DB_URL: unsupported scheme {parsed.scheme!r}")


def lock_store_config(url: Optional[str]) -> Dict[str, Any]:
    """The atomic Redis lock store for ``redis[s]://...``; in-memory without a URL.

    The URL is handed to ``bot.lock_store.AtomicRedisLockStore`` whole: it parses
    host, port, db, password and TLS itself (see ``bot.lock_store``).
    """
    if not url:
        return {"type": "in_memory"}
    scheme = urlparse(url).scheme
    if scheme not in ("redis", "rediss"):
        raise ValueError(f"LOCK_STORE_URL: unsupported scheme {scheme!r}")
    return {
        "type": "bot.lock_store.AtomicRedisLockStore",
        "url": url,
        "key_prefix": "citizenbot",
    }


def endpoints_config(
    settings: Settings, action_url: str = ACTION_SERVER_URL
) -> Dict[str, Any]:
    """The whole endpoints.yml content for these settings."""
    return {
        "action_endpoint": {"url": action_url},
        "tracker_store": tracker_store_config(settings.tracker_db_url),
        "lock_store": lock_store_config(settings.lock_store_url),
    }


def credentials_config(settings: Settings) -> Dict[str, Any]:
    """credentials.yml content: the REST channel, plus Zalo when configured.

    Zalo secrets stay out of the file: Rasa substitutes ``${ENV}`` at start.
    """
    config: Dict[str, Any] = {"bot.channels.rest_input.CitizenRestInput": None}
    if settings.zalo_app_id and settings.zalo_oa_secret_key:
        config["bot.channels.zalo.ZaloInput"] = {
            "app_id": "${ZALO_APP_ID}",
            "oa_secret_key": "${ZALO_OA_SECRET_KEY}",
        }
    return config
