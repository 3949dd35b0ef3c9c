"""A Redis lock store that stays correct when several Rasa instances share it.

Rasa 3.6's ``RedisLockStore`` updates a conversation's ticket lock with a plain
GET then SET. Two instances taking turns of the same conversation at the same
moment can both read the lock before either writes it, so both get the same
ticket and process the turns at once (one turn is then lost from the tracker),
or one deletes the lock the other is waiting on (a failed request). See
RasaHQ/rasa issue 9213; the fix there went into Rasa's commercial edition only.

Here every read-modify-write of a conversation's lock runs under a short Redis
mutex (``SET NX PX``, released by token), so instances never interleave them.
Configure it in ``endpoints.scaled.yml``::

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: ${LOCK_STORE_URL}      # redis://127.0.0.1:6379/1
      key_prefix: citizenbot
"""

from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import unquote, urlparse

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.lock import Lock

# Seconds a mutex may be held; a crashed holder's mutex frees itself after this.
MUTEX_TIMEOUT = 5.0
# Seconds to wait for another instance's mutex before giving up on the turn.
MUTEX_WAIT = 10.0
# Seconds between attempts to take a busy mutex (each is one cheap SET NX).
MUTEX_POLL = 0.01
LOCK_KEY_SUFFIX = "lock:"


def redis_arguments(host: Optional[str] = None, **kwargs: Any) -> Dict[str, Any]:
    """``RedisLockStore`` arguments, accepting a ``redis://`` URL as the host.

    ``LOCK_STORE_URL`` is ``redis[s]://[:password@]host[:port][/db]`` (a bare
    host name works too); what the URL gives wins over the other arguments.
    """
    if not host or "://" not in host:
        return {"host": host or "localhost", **kwargs}
    parsed = urlparse(host)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError(f"unsupported lock store URL scheme {parsed.scheme!r}")
    kwargs["host"] = parsed.hostname or "localhost"
    if parsed.port:
        kwargs["port"] = parsed.port
    if parsed.path.strip("/"):
        kwargs["db"] = int(parsed.path.strip("/"))
    if parsed.username:
        kwargs["username"] = unquote(parsed.username)
    if parsed.password:
        kwargs["password"] = unquote(parsed.password)
    if parsed.scheme == "rediss":
        kwargs["use_ssl"] = True
    return kwargs


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket updates are atomic across instances."""

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any
    ) -> None:
        """Connect to Redis.

        Args:
            endpoint_config: The ``lock_store`` section of the endpoints file
                (how Rasa builds a lock store named by module path).
            **kwargs: ``RedisLockStore`` arguments, used without a config.
        """
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs}
            kwargs.pop("type", None)
        super().__init__(**redis_arguments(**kwargs))
        base = self.key_prefix[: -len(LOCK_KEY_SUFFIX)]
        self.mutex_prefix = base + "mutex:"

    def _mutex(self, conversation_id: str) -> Lock:
        return self.red.lock(
            self.mutex_prefix + conversation_id,
            timeout=MUTEX_TIMEOUT,
            sleep=MUTEX_POLL,
            blocking_timeout=MUTEX_WAIT,
        )

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        """Issue a ticket; no other instance touches the lock meanwhile."""
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets; no other instance touches the lock meanwhile."""
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish a ticket and delete the lock if nobody waits, atomically."""
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
