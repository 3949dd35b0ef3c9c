"""Benchmark of the procedure catalogue: load time, search latency, memory.

Usage::

    .venv/bin/python bench/search_bench.py [--rounds 3] [--synthetic 20000]

Prints one ``name: value unit`` line per figure:

* ``catalogue_import``, ``catalogue_load``, ``index_build``: seconds for
  ``import bot.catalogue``, ``load_catalogue()`` (data file + overlay) and the
  first search (index build);
* ``search_p50``/``search_p95`` over the real catalogue (target p95 <= 10 ms);
* ``long_p50``/``long_p95`` over long messages (tests/data/search_dev7.yml:
  2-5 sentences each), the slow path: two analyses and the example messages;
* ``synthetic_*`` for a catalogue of ``--synthetic`` entries built from the real
  one: every procedure repeated with a new code and its name extended by words
  of another procedure (target p95 <= 50 ms);
* ``rss_*``: resident memory added by the imports (NumPy, rapidfuzz, PyYAML),
  the loaded catalogue and each index (psutil).

Queries are the development questions (tests/data/search_dev.yml) plus a few
short ones; each is run ``--rounds`` times after one warm-up pass.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, List, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV_SET = ROOT / "tests" / "data" / "search_dev.yml"
LONG_SET = ROOT / "tests" / "data" / "search_dev7.yml"
EXTRA_QUERIES = [
    "cccd",
    "gplx",
    "sổ đỏ",
    "giay khai sinh",
    "làm hộ chiếu ở đâu",
    "dang ky ket hon",
    "đăng ký",
    "thuế",
    "thời tiết hôm nay thế nào",
    "thủ tục cấp lại giấy chứng nhận đăng ký kinh doanh cho hộ kinh doanh ở phường",
]


def rss_mb() -> float:
    """Resident set size of this process in MB (psutil, else /proc)."""
    try:
        import psutil

        return psutil.Process(os.getpid()).memory_info().rss / 1e6
    except ImportError:  # pragma: no cover - psutil is a dev dependency
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def queries(path: Path = DEV_SET, extra: Sequence[str] = EXTRA_QUERIES) -> List[str]:
    """Benchmark questions: a dev set plus ``extra`` short and long ones."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        dev = [item["q"] for item in yaml.safe_load(fh)["questions"]]
    return dev + list(extra)


def latencies_ms(search: Callable[[str], object], qs: Sequence[str], rounds: int):
    """Per-call wall times in milliseconds (one warm-up pass not counted)."""
    for q in qs:
        search(q)
    times = []
    for _ in range(rounds):
        for q in qs:
            started = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def synthetic(procedures, size: int, seed: int = 7):
    """``size`` light procedures derived from the real ones (index fields only)."""
    from bot.catalogue.model import Procedure

    rng = random.Random(seed)
    real = list(procedures)
    vocab = [p.name.split() for p in real]
    out = []
    for i in range(size):
        base = real[i % len(real)]
        if i < len(real):
            name, aliases = base.name, list(base.aliases)
        else:
            extra = rng.choice(vocab)
            start = rng.randrange(max(1, len(extra) - 4))
            name, aliases = f"{base.name} {' '.join(extra[start : start + 4])}", []
        out.append(
            Procedure(
                code=f"9.{i:06d}",
                name=name,
                url=base.url,
                short_name=base.short_name if i < len(real) else "",
                levels=list(base.levels),
                aliases=aliases,
                popularity=base.popularity if i < len(real) else 0.0,
            )
        )
    return out


def main(argv: List[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=20000)
    args = parser.parse_args(argv)

    gc.collect()
    rss0 = rss_mb()
    started = time.perf_counter()
    from bot.catalogue import load_catalogue
    from bot.catalogue.search import SearchIndex

    imported = time.perf_counter()
    rss_imported = rss_mb()
    catalogue = load_catalogue()
    loaded = time.perf_counter()
    rss_loaded = rss_mb()
    catalogue.search("thủ tục", top=1)
    indexed = time.perf_counter()
    rss_indexed = rss_mb()

    qs = queries()
    real_ms = latencies_ms(lambda q: catalogue.resolve(q), qs, args.rounds)
    long_ms = latencies_ms(lambda q: catalogue.resolve(q), queries(LONG_SET, ()), 1)

    procs = synthetic(catalogue, args.synthetic)
    rss_before_syn = rss_mb()
    syn_started = time.perf_counter()
    syn_index = SearchIndex(procs)
    syn_built = time.perf_counter()
    rss_syn = rss_mb()
    syn_ms = latencies_ms(lambda q: syn_index.resolve(q), qs, args.rounds)

    figures = [
        ("catalogue_procedures", len(catalogue), ""),
        ("catalogue_import", imported - started, "s"),
        ("catalogue_load", loaded - imported, "s"),
        ("index_build", indexed - loaded, "s"),
        ("search_queries", len(real_ms), ""),
        ("search_p50", percentile(real_ms, 50), "ms"),
        ("search_p95", percentile(real_ms, 95), "ms"),
        ("search_mean", statistics.fmean(real_ms), "ms"),
        ("long_queries", len(long_ms), ""),
        ("long_p50", percentile(long_ms, 50), "ms"),
        ("long_p95", percentile(long_ms, 95), "ms"),
        ("synthetic_procedures", len(procs), ""),
        ("synthetic_index_build", syn_built - syn_started, "s"),
        ("synthetic_p50", percentile(syn_ms, 50), "ms"),
        ("synthetic_p95", percentile(syn_ms, 95), "ms"),
        ("rss_imports", rss_imported - rss0, "MB"),
        ("rss_catalogue", rss_loaded - rss_imported, "MB"),
        ("rss_index", rss_indexed - rss_loaded, "MB"),
        ("rss_synthetic_index", rss_syn - rss_before_syn, "MB"),
        ("rss_total", rss_syn, "MB"),
    ]
    for name, value, unit in figures:
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{name}: {text} {unit}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
