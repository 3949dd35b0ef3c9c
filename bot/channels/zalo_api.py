"""Client of the Zalo Official Account API: send messages, rotate tokens.

Zalo's rules this client follows (from Zalo for Developers' OA guides, as
restated in public integration guides and client code, e.g. hexasync.vn's
"Zalo OA API: lấy Access Token từ Refresh token" and several open-source OA
clients; developers.zalo.me itself was not reachable from here):

* send: ``POST {api_base}/v3.0/oa/message/cs`` with header ``access_token`` and
  body ``{"recipient": {"user_id": ...}, "message": {"text": ...}}``; Zalo answers
  HTTP 200 even on failure, success being ``"error": 0``.
* an invalid or expired access token is reported as ``"error": -216``
  ("Access token is invalid") by the OA API and ``-124`` by the ZNS/business API.
* access tokens last about 25 hours; a new one is obtained with
  ``POST {oauth_base}/v4/oa/access_token`` (form ``refresh_token``, ``app_id``,
  ``grant_type=refresh_token``; header ``secret_key: <app secret>``), which
  answers ``access_token``, ``refresh_token`` and ``expires_in`` (seconds, often
  a string). The refresh token can be used once, so refreshes are serialised and
  the rotated one is optionally written to a file to survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict

import httpx

from bot.settings import DEFAULT_ZALO_API_BASE, DEFAULT_ZALO_OAUTH_BASE

logger = logging.getLogger(__name__)

SEND_PATH = "/v3.0/oa/message/cs"
REFRESH_PATH = "/v4/oa/access_token"
TOKEN_ERROR_CODES = frozenset({-216, -124})
DEFAULT_TIMEOUT = 10.0
REFRESH_MARGIN = 300.0  # refresh this many seconds before the token expires


class ZaloError(RuntimeError):
    """The Zalo OA API refused or failed a call."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ZaloTokenError(ZaloError):
    """The access token is invalid and could not be refreshed."""


@dataclass
class ZaloTokens:
    """The OA's current tokens; ``expires_at`` is a Unix time when known."""

    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None

    def __repr__(self) -> str:  # never print secrets by accident
        return f"ZaloTokens(expires_at={self.expires_at!r})"


def load_token_file(path: Path) -> ZaloTokens | None:
    """Tokens saved by an earlier run; ``None`` if the file is absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ZaloTokens(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning(
            "Ignoring unreadable Zalo token file %s: %s", path, type(exc).__name__
        )
        return None


def save_token_file(path: Path, tokens: ZaloTokens) -> None:
    """Write tokens atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".zalo-token-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(tokens), handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class ZaloClient:
    """Sends OA messages and keeps the access token fresh.

    Tokens live in memory; ``token_file`` (optional) keeps the latest pair so a
    restart does not lose the one-use refresh token.
    """

    def __init__(
        self,
        *,
        app_id: str,
        access_token: str,
        refresh_token: str | None = None,
        app_secret: str | None = None,
        api_base: str = DEFAULT_ZALO_API_BASE,
        oauth_base: str = DEFAULT_ZALO_OAUTH_BASE,
        token_file: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Create the client; tokens saved in ``token_file`` win over the given ones."""
        self.app_id = app_id
        self.app_secret = app_secret
        self.send_url = api_base.rstrip("/") + SEND_PATH
        self.refresh_url = oauth_base.rstrip("/") + REFRESH_PATH
        self.token_file = Path(token_file) if token_file else None
        self.timeout = timeout
        self._client = client
        self._owns_client = client is None
        self._lock: asyncio.Lock | None = None
        saved = load_token_file(self.token_file) if self.token_file else None
        self.tokens = saved or ZaloTokens(access_token, refresh_token)
        self.refresh_count = 0

    @property
    def client(self) -> httpx.AsyncClient:
        """The shared HTTP client (created on first use, in the running loop)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    @property
    def lock(self) -> asyncio.Lock:
        """Serialises refreshes: the refresh token can be used only once."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def send_text(self, user_id: str, text: str) -> Dict[str, Any]:
        """Send one text (at most 2,000 characters) to a follower.

        Refreshes the access token and retries once if Zalo reports it invalid
        or expired.

        Returns:
            Zalo's ``data`` object (holds ``message_id``).

        Raises:
            ZaloTokenError: the token is invalid and could not be refreshed.
            ZaloError: Zalo refused the message or could not be reached.
        """
        body = {"recipient": {"user_id": str(user_id)}, "message": {"text": text}}
        token = await self._fresh_token()
        answer = await self._post_message(token, body)
        if answer.get("error") in TOKEN_ERROR_CODES:
            logger.info(
                "Zalo access token rejected (%s); refreshing", answer.get("error")
            )
            token = await self.refresh_access_token(stale=token)
            answer = await self._post_message(token, body)
        code = answer.get("error")
        if code != 0:
            error_class = ZaloTokenError if code in TOKEN_ERROR_CODES else ZaloError
            raise error_class(f"Zalo refused the message: error {code}", code)
        return answer.get("data") or {}

    async def refresh_access_token(self, stale: str | None = None) -> str:
        """Get a new access token with the one-use refresh token.

        Args:
            stale: the token the caller saw fail; if another task has replaced it
                meanwhile, that newer token is returned without a second refresh.

        Returns:
            The current access token.

        Raises:
            ZaloTokenError: no refresh token or app secret, or Zalo refused.
        """
        async with self.lock:
            if stale is not None and self.tokens.access_token != stale:
                return self.tokens.access_token
            saved = load_token_file(self.token_file) if self.token_file else None
            if stale is not None and saved and saved.access_token != stale:
                # Another process sharing the file has rotated the tokens already.
                self.tokens = saved
                return saved.access_token
            if not (self.tokens.refresh_token and self.app_secret):
                raise ZaloTokenError(
                    "cannot refresh: refresh token or app secret missing"
                )
            form = {
                "refresh_token": self.tokens.refresh_token,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            }
            try:
                response = await self.client.post(
                    self.refresh_url, data=form, headers={"secret_key": self.app_secret}
                )
                answer = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ZaloTokenError(
                    f"token refresh failed: {type(exc).__name__}"
                ) from exc
            if not isinstance(answer, dict) or not answer.get("access_token"):
                code = answer.get("error") if isinstance(answer, dict) else None
                raise ZaloTokenError(f"token refresh refused: error {code}", code)
            try:
                lifetime = float(answer.get("expires_in") or 0)
            except (TypeError, ValueError):
                lifetime = 0.0
            expires_at = time.time() + lifetime if lifetime > 0 else None
            self.tokens = ZaloTokens(
                access_token=str(answer["access_token"]),
                refresh_token=str(
                    answer.get("refresh_token") or self.tokens.refresh_token
                ),
                expires_at=expires_at,
            )
            self.refresh_count += 1
            logger.info("Zalo access token refreshed")
            if self.token_file:
                try:
                    save_token_file(self.token_file, self.tokens)
                except OSError as exc:
                    logger.error(
                        "Could not save Zalo tokens to %s: %s", self.token_file, exc
                    )
            return self.tokens.access_token

    async def _fresh_token(self) -> str:
        token = self.tokens.access_token
        expires_at = self.tokens.expires_at
        if (
            expires_at
            and time.time() > expires_at - REFRESH_MARGIN
            and self.tokens.refresh_token
        ):
            try:
                token = await self.refresh_access_token(stale=token)
            except ZaloTokenError as exc:  # the old token may still work
                logger.warning("Early Zalo token refresh failed: %s", exc)
        return token

    async def _post_message(self, token: str, body: Dict[str, Any]) -> Dict[str, Any]:
        try:
            response = await self.client.post(
                self.send_url, json=body, headers={"access_token": token}
            )
        except httpx.HTTPError as exc:
            raise ZaloError(f"Zalo unreachable: {type(exc).__name__}") from exc
        try:
            answer = response.json()
        except ValueError as exc:
            raise ZaloError(
                f"Zalo answered HTTP {response.status_code} without JSON"
            ) from exc
        if response.status_code != 200 or not isinstance(answer, dict):
            raise ZaloError(f"Zalo answered HTTP {response.status_code}")
        return answer

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
