"""One typed settings object read from the environment (and an optional .env file)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

DEFAULT_DOSSIER_API_URL = "http://127.0.0.1:5080"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
DEFAULT_ZALO_API_BASE = "https://openapi.zalo.me"
DEFAULT_ZALO_OAUTH_BASE = "https://oauth.zaloapp.com"
DEFAULT_TRACKER_DB_URL = "sqlite:///.rasa/tracker.db"
HOTLINE = "1022"
PORTAL_URL = "https://dichvucong.gov.vn"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


def load_dotenv(path: Path = Path(".env")) -> None:
    """Read KEY=VALUE lines from ``path`` into os.environ without overriding."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Configuration of every process, from environment variables."""

    rasa_url: str = DEFAULT_RASA_URL
    dossier_api_url: str = DEFAULT_DOSSIER_API_URL
    dossier_api_key: Optional[str] = None
    dossier_timeout: float = 3.0
    dossier_db_url: str = "sqlite:///.rasa/dossiers.db"
    console_access_key: Optional[str] = None
    telegram_bot_token: Optional[str] = None
    telegram_api_base: str = DEFAULT_TELEGRAM_API_BASE
    telegram_webhook_url: Optional[str] = None
    telegram_secret_token: Optional[str] = None
    zalo_app_id: Optional[str] = None
    zalo_oa_secret_key: Optional[str] = None
    zalo_access_token: Optional[str] = None
    zalo_refresh_token: Optional[str] = None
    zalo_app_secret: Optional[str] = None
    zalo_api_base: str = DEFAULT_ZALO_API_BASE
    zalo_oauth_base: str = DEFAULT_ZALO_OAUTH_BASE
    tracker_db_url: str = DEFAULT_TRACKER_DB_URL
    lock_store_url: Optional[str] = None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Settings:
        """Build settings from ``env`` (default: os.environ after reading .env)."""
        if env is None:
            load_dotenv()
            env = os.environ
        get = lambda key, default=None: env.get(key) or default  # noqa: E731
        return cls(
            rasa_url=get("RASA_URL", DEFAULT_RASA_URL).rstrip("/"),
            dossier_api_url=get("DOSSIER_API_URL", DEFAULT_DOSSIER_API_URL).rstrip("/"),
            dossier_api_key=get("DOSSIER_API_KEY"),
            dossier_timeout=_float(env, "DOSSIER_API_TIMEOUT", 3.0),
            dossier_db_url=get("DOSSIER_DB_URL", "sqlite:///.rasa/dossiers.db"),
            console_access_key=get("CONSOLE_ACCESS_KEY"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_base=get("TELEGRAM_API_BASE", DEFAULT_TELEGRAM_API_BASE),
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            telegram_secret_token=get("TELEGRAM_SECRET_TOKEN"),
            zalo_app_id=get("ZALO_APP_ID"),
            zalo_oa_secret_key=get("ZALO_OA_SECRET_KEY"),
            zalo_access_token=get("ZALO_ACCESS_TOKEN"),
            zalo_refresh_token=get("ZALO_REFRESH_TOKEN"),
            zalo_app_secret=get("ZALO_APP_SECRET"),
            zalo_api_base=get("ZALO_API_BASE", DEFAULT_ZALO_API_BASE).rstrip("/"),
            zalo_oauth_base=get("ZALO_OAUTH_BASE", DEFAULT_ZALO_OAUTH_BASE).rstrip("/"),
            tracker_db_url=get("TRACKER_DB_URL", DEFAULT_TRACKER_DB_URL),
            lock_store_url=get("LOCK_STORE_URL"),
        )

    def require(self, *names: str) -> None:
        """Fail fast, naming every missing secret at once."""
        missing = [n.upper() for n in names if not getattr(self, n)]
        if missing:
            raise SettingsError(
                "missing environment variable(s): " + ", ".join(missing)
            )
