"""Concurrent multi-turn conversations against a Rasa REST webhook.

Each conversation is a distinct sender playing one script turn by turn; N
workers run conversations side by side. Request count and time are bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp
import yaml

from bench.stack import post_message

SCRIPTS_FILE = Path(__file__).with_name("scripts.yml")
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


def load_scripts(language: str, path: Path = SCRIPTS_FILE) -> List[List[str]]:
    """Conversation scripts for ``language`` (``vi`` or ``en``) from scripts.yml."""
    with open(path, encoding="utf-8") as handle:
        scripts: Dict[str, List[List[str]]] = yaml.safe_load(handle)
    if language not in scripts:
        raise KeyError(f"no conversation scripts for language {language!r} in {path}")
    return scripts[language]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LoadResult:
    """Latencies and counts of one load run."""

    concurrency: int
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    conversations: int = 0

    @property
    def ok(self) -> int:
        """Messages answered with HTTP 200 and a JSON list."""
        return len(self.latencies_ms)

    @property
    def p50(self) -> float:
        """Median latency in milliseconds."""
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        """95th percentile latency in milliseconds."""
        return percentile(self.latencies_ms, 95)

    @property
    def throughput(self) -> float:
        """Answered messages per second over the whole run."""
        return self.ok / self.seconds if self.seconds > 0 else float("nan")


async def run_load(
    url: str,
    scripts: Sequence[Sequence[str]],
    concurrency: int,
    max_messages: int,
    max_seconds: float,
    sender_prefix: str = "bench",
) -> LoadResult:
    """Run conversations with ``concurrency`` workers until a budget runs out.

    Args:
        url: The REST webhook URL.
        scripts: Conversation scripts, used in turn.
        concurrency: Conversations in flight at once.
        max_messages: Stop after sending this many messages in total.
        max_seconds: Stop starting new messages after this many seconds.
        sender_prefix: Prefix of the generated sender ids.

    Returns:
        The measured latencies and counts.
    """
    result = LoadResult(concurrency=concurrency)
    script_cycle = itertools.cycle(scripts)
    sent = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    def budget_left() -> bool:
        return sent < max_messages and time.perf_counter() < deadline

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        while budget_left():
            sender = f"{sender_prefix}-{uuid.uuid4().hex[:12]}"
            result.conversations += 1
            for message in next(script_cycle):
                if not budget_left():
                    return
                sent += 1
                began = time.perf_counter()
                try:
                    await post_message(session, url, sender, message)
                except (aiohttp.ClientError, ValueError, asyncio.TimeoutError):
                    result.errors += 1
                    continue
                result.latencies_ms.append((time.perf_counter() - began) * 1000.0)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, timeout=REQUEST_TIMEOUT
    ) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    result.seconds = time.perf_counter() - start
    return result
