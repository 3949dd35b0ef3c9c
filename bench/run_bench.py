"""Benchmark the project's assistant against a plain ``rasa init`` bot.

Usage (from the project folder; ``make bench`` runs the first line)::

    .venv/bin/python -m bench.run_bench
    .venv/bin/python -m bench.run_bench --skip-train   # reuse training timings
    .venv/bin/python -m bench.run_bench --project-dir DIR --model DIR/models/m.tar.gz

Both assistants run on this machine in one run, one after the other, on free
loopback ports. The output ends with one line per figure::

    name: ours=<v> plain=<v> ratio=<ours/plain>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bench.harness import (
    FIGURES,
    LoadPlan,
    figure_lines,
    measure_serving,
    ours_spec,
    plain_spec,
    scaffold_plain_bot,
    train_model,
)
from bench.processes import ProcessFailed, ProcessManager, install_signal_handlers

DEFAULT_MODEL = Path("models") / "citizen-bot.tar.gz"
RESULTS_FILE = "last.json"


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path.cwd(),
        help="the assistant's project folder (default: here)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"its model (default: PROJECT/{DEFAULT_MODEL})",
    )
    parser.add_argument(
        "--data", default="nlu_data", help="training data folder inside the project"
    )
    parser.add_argument(
        "--actions-module",
        default="actions",
        help="action server module; 'none' runs without one",
    )
    parser.add_argument(
        "--endpoints",
        type=Path,
        default=None,
        help="endpoints file (default: PROJECT/endpoints.yml)",
    )
    parser.add_argument(
        "--language",
        default=None,
        help="script language for ours (default: config.yml's)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="plain bot, logs and last results (default: PROJECT/.rasa/bench)",
    )
    parser.add_argument(
        "--in-memory-tracker",
        action="store_true",
        help="run ours with an in-memory tracker store, like plain "
        "(default: the store of its endpoints file)",
    )
    parser.add_argument(
        "--skip-train",
        action="store_true",
        help="do not train; reuse training timings of the last run",
    )
    parser.add_argument("--c1-messages", type=int, default=80)
    parser.add_argument("--c20-messages", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="time bound of each load run"
    )
    return parser.parse_args(argv)  # fmt: skip


def _load_previous(path: Path) -> Dict[str, Dict[str, float]]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"ours": {}, "plain": {}}


def _jsonable(figures: Dict[str, float]) -> Dict[str, float | None]:
    return {
        k: (v if v is not None and math.isfinite(v) else None)
        for k, v in figures.items()
    }


async def run(args: argparse.Namespace) -> int:
    """Run the whole benchmark; return the exit code."""
    project = args.project_dir.resolve()
    model = (args.model or project / DEFAULT_MODEL).resolve()
    work = (args.work_dir or project / ".rasa" / "bench").resolve()
    logs = work / "logs" / time.strftime("%Y%m%d-%H%M%S")
    results_path = work / RESULTS_FILE
    previous = _load_previous(results_path)
    actions = None if args.actions_module.lower() == "none" else args.actions_module
    ours = ours_spec(project, model, args.data, actions, args.endpoints, args.language)
    ours.in_memory_tracker = args.in_memory_tracker
    if not model.is_file():
        print(f"model not found: {model} (train it first, e.g. `make train`)")
        return 2
    plain_dir = work / "plain"
    plain = plain_spec(plain_dir) if plain_dir.is_dir() else None
    plan = LoadPlan(args.c1_messages, args.c20_messages, args.concurrency,
                    args.max_seconds)  # fmt: skip
    figures: Dict[str, Dict[str, float]] = {"ours": {}, "plain": {}}
    print(f"logs: {logs}")
    with ProcessManager(logs) as manager:
        if not args.skip_train or plain is None or not plain.model.is_file():
            scaffold_plain_bot(plain_dir)
            plain = plain_spec(plain_dir)
            print("[plain] training the rasa init bot (cold cache)")
            with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
                seconds = train_model(manager, plain, plain.model.parent, Path(cache))
            figures["plain"]["train_seconds"] = seconds
            print(f"[plain] trained in {seconds:.1f} s")
        else:
            figures["plain"]["train_seconds"] = previous["plain"].get("train_seconds")
        if args.skip_train:
            figures["ours"]["train_seconds"] = previous["ours"].get("train_seconds")
        else:
            print("[ours] training into a scratch folder (cold cache)")
            with tempfile.TemporaryDirectory(prefix="bench-train-") as scratch:
                seconds = train_model(
                    manager, ours, Path(scratch) / "models", Path(scratch) / "cache"
                )
            figures["ours"]["train_seconds"] = seconds
            print(f"[ours] trained in {seconds:.1f} s")
        for spec in (ours, plain):
            result = await measure_serving(manager, spec, plan)
            figures[spec.name].update(result.figures())
            print(f"[{spec.name}] " + "; ".join(result.notes))
            print(f"[{spec.name}] errors: c1={result.c1.errors} "
                  f"c{plan.concurrency}={result.cn.errors}")  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    results_path.write_text(
        json.dumps({k: _jsonable(v) for k, v in figures.items()}, indent=2),
        encoding="utf-8",
    )
    print()
    print(f"{'figure':<24}{'ours':>12}{'plain':>12}")
    for name in FIGURES:
        row = [figures[side].get(name) for side in ("ours", "plain")]
        print(f"{name:<24}" + "".join(f"{v if v is not None else float('nan'):>12.2f}"
                                      for v in row))  # fmt: skip
    print()
    for line in figure_lines(figures["ours"], figures["plain"]):
        print(line)
    return 0


def main(argv: List[str] | None = None) -> int:
    """Entry point: run the benchmark, always stopping every child process."""
    install_signal_handlers()
    args = parse_args(argv)
    try:
        return asyncio.run(run(args))
    except ProcessFailed as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; child processes stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
