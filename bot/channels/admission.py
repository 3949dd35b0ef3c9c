"""How many turns one Rasa process works on at once.

A Rasa server handles every incoming message as its own asyncio task. A turn
that calls the action server yields to the event loop several times, and at
each yield it queues behind every other turn in flight: with 20 conversations
at once, a turn with two action calls waited about 2 s on this machine, one
without any about 0.3 s, for the same throughput. Letting only a few turns run
at once (first come, first served) keeps the total work the same and makes the
wait even. A turn never waits for a slot longer than ``max_wait``: when the
process is stuck (a hung action server), it runs anyway, as without a limit.

``TURN_CONCURRENCY`` sets the limit (0 turns it off); ``TURN_QUEUE_SECONDS``
the longest wait.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional

DEFAULT_LIMIT = 8
DEFAULT_MAX_WAIT = 3.0


class TurnAdmission:
    """A first-come, first-served limit on turns in progress, with a wait bound."""

    def __init__(self, limit: int, max_wait: float) -> None:
        self.limit = limit
        self.max_wait = max_wait
        self._slots: Optional[asyncio.Semaphore] = (
            asyncio.Semaphore(limit) if limit > 0 else None
        )

    @classmethod
    def from_env(cls) -> TurnAdmission:
        """The limit configured by ``TURN_CONCURRENCY`` / ``TURN_QUEUE_SECONDS``."""
        try:
            limit = int(os.environ.get("TURN_CONCURRENCY", DEFAULT_LIMIT))
            max_wait = float(os.environ.get("TURN_QUEUE_SECONDS", DEFAULT_MAX_WAIT))
        except ValueError:
            limit, max_wait = DEFAULT_LIMIT, DEFAULT_MAX_WAIT
        return cls(limit, max_wait)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        """Hold a slot for one turn; yields whether a slot was taken."""
        if self._slots is None:
            yield False
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.max_wait)
        except asyncio.TimeoutError:
            yield False
            return
        try:
            yield True
        finally:
            self._slots.release()


_shared: Optional[TurnAdmission] = None


def shared() -> TurnAdmission:
    """The one limit of this process, shared by all channels."""
    global _shared
    if _shared is None:
        _shared = TurnAdmission.from_env()
    return _shared
