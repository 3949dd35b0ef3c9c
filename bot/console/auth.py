"""Staff access to the console: the access key, signed session tokens, login throttle.

A session token is ``<issued>.<nonce>.<signature>`` where the signature is an
HMAC-SHA256 over ``<issued>.<nonce>`` keyed by a value derived from
CONSOLE_ACCESS_KEY, so changing the key ends every session. Comparisons use
:func:`hmac.compare_digest` so their time does not leak how much matched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from typing import Callable, Deque, Dict

COOKIE_NAME = "console_session"
HEADER_NAME = "X-Console-Key"
SESSION_TTL_SECONDS = 12 * 3600
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW_SECONDS = 300.0
MAX_TRACKED_CLIENTS = 10_000
_SIGNING_CONTEXT = b"citizen-bot console session v1"


class SessionSigner:
    """Issues and checks HMAC-signed session tokens for one access key."""

    def __init__(
        self,
        access_key: str,
        ttl: int = SESSION_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Derive the signing key from ``access_key``.

        Args:
            access_key: The configured CONSOLE_ACCESS_KEY (must not be empty).
            ttl: How long a session lasts, in seconds.
            clock: Source of the current time (injected by tests).
        """
        if not access_key:
            raise ValueError("access key must not be empty")
        self._access_key = access_key.encode("utf-8")
        self._signing_key = hmac.new(
            self._access_key, _SIGNING_CONTEXT, hashlib.sha256
        ).digest()
        self.ttl = ttl
        self._clock = clock

    def check_key(self, candidate: str | None) -> bool:
        """Whether ``candidate`` is the access key (constant-time)."""
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self._access_key)

    def issue(self) -> str:
        """A new session token."""
        payload = f"{int(self._clock())}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str | None) -> bool:
        """Whether ``token`` carries a valid signature and has not expired."""
        if not token or token.count(".") != 2:
            return False
        payload, _, signature = token.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return False
        issued = payload.split(".", 1)[0]
        if not issued.isdigit():
            return False
        age = self._clock() - int(issued)
        return -60 <= age <= self.ttl

    def _sign(self, payload: str) -> str:
        return hmac.new(self._signing_key, payload.encode(), hashlib.sha256).hexdigest()


class LoginThrottle:
    """Refuses further login attempts from a client after too many failures."""

    def __init__(
        self,
        limit: int = MAX_FAILED_LOGINS,
        window: float = FAILED_LOGIN_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow ``limit`` failures per client within ``window`` seconds."""
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: Dict[str, Deque[float]] = {}

    def blocked(self, client: str) -> bool:
        """Whether ``client`` has used up its failed attempts."""
        stamps = self._failures.get(client)
        return stamps is not None and len(self._trim(stamps)) >= self.limit

    def failed(self, client: str) -> None:
        """Record one failed attempt by ``client``."""
        if len(self._failures) >= MAX_TRACKED_CLIENTS:
            # Forget clients whose failures have all left the window.
            for key in [k for k, v in self._failures.items() if not self._trim(v)]:
                del self._failures[key]
        self._trim(self._failures.setdefault(client, deque())).append(self._clock())

    def succeeded(self, client: str) -> None:
        """Forget ``client``'s failures."""
        self._failures.pop(client, None)

    def _trim(self, stamps: Deque[float]) -> Deque[float]:
        horizon = self._clock() - self.window
        while stamps and stamps[0] < horizon:
            stamps.popleft()
        return stamps
