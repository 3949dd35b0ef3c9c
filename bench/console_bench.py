"""Latency of the staff console's search API over loopback.

Starts the console in-process on a free loopback port with the real catalogue,
then times ``GET /api/search`` over one keep-alive HTTP connection, the way a
staff member's search-as-you-type hits it::

    .venv/bin/python -m bench.console_bench [--rounds 20]

Prints ``console_search_p50_ms: <v>`` and ``console_search_p95_ms: <v>`` (and the
server-side time alone), one figure per line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import List

import requests
from sanic import Sanic

from bot.console.app import create_app
from bot.console.auth import HEADER_NAME
from bot.console.background import BackgroundServer
from bot.settings import Settings

BENCH_KEY = "console-bench-key"
# What staff type, keystroke by keystroke prefixes included, with and without accents.
QUERIES = [
    "hộ chiếu",
    "ho chieu",
    "làm hộ chiếu ở đâu",
    "khai sinh",
    "dang ky khai sinh cho con",
    "đăng ký kết hôn",
    "cấp lại cccd",
    "doi giay phep lai xe",
    "đăng ký thường trú",
    "tạm trú",
    "sổ đỏ",
    "ly lich tu phap",
    "giấy phép xây dựng nhà ở",
    "thành lập hộ kinh doanh",
    "bảo hiểm xã hội một lần",
    "trich luc khai tu",
    "chứng thực bản sao",
    "xác nhận tình trạng hôn nhân",
    "gplx",
    "đất đai",
]


def percentile(values: List[float], pct: float) -> float:
    """The ``pct`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: List[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over QUERIES")
    args = parser.parse_args(argv)

    Sanic.test_mode = True  # one app in a thread, outside Sanic's own runner
    settings = Settings(console_access_key=BENCH_KEY)
    started = time.perf_counter()
    with BackgroundServer(create_app(settings)) as server:
        ready = time.perf_counter() - started
        session = requests.Session()
        session.headers[HEADER_NAME] = BENCH_KEY
        url = server.url + "/api/search"
        # Warm the connection and the catalogue's caches.
        for query in QUERIES:
            session.get(url, params={"q": query}, timeout=10).raise_for_status()
        wall: List[float] = []
        inner: List[float] = []
        for _ in range(args.rounds):
            for query in QUERIES:
                t0 = time.perf_counter()
                response = session.get(url, params={"q": query, "top": 10}, timeout=10)
                wall.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
                inner.append(response.json()["took_ms"])
    print(f"console_start_s: {ready:.2f}")
    print(f"console_search_requests: {len(wall)}")
    print(f"console_search_p50_ms: {statistics.median(wall):.2f}")
    print(f"console_search_p95_ms: {percentile(wall, 95):.2f}")
    print(f"console_search_server_p50_ms: {statistics.median(inner):.2f}")
    print(f"console_search_server_p95_ms: {percentile(inner, 95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
